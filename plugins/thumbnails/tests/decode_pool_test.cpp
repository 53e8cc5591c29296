// The keyframe decoder and the decode pool with real x264 keyframes (made through GstHarness):
// one decoder serving streams of different sizes and formats in turn, a keyframe that does not
// decode alone, and the pool's bounds: a few decoders for any number of clients, jobs off the
// caller's thread, a client's jobs one at a time and in order, the oldest waiting job dropped past
// a bound, cancel and wait_idle.
#include "decode_pool.h"
#include "keyframe_decoder.h"
#include "parameter_sets.h"

#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace kek::thumbnails;

namespace {

struct Encoded {
  kek::MiniRef<GstCaps> caps;
  kek::MiniRef<GstBuffer> keyframe, delta;
};

// The first two frames of a moving picture of this size, as h264parse hands them on.
Encoded encode(int width, int height, const std::string& format) {
  std::string line = "videotestsrc num-buffers=2 pattern=ball ! capsfilter caps=video/x-raw,format=I420,width=" +
                     std::to_string(width) + ",height=" + std::to_string(height) +
                     ",framerate=25/1 ! x264enc speed-preset=ultrafast key-int-max=25 ! h264parse ! "
                     "capsfilter caps=video/x-h264,alignment=au,stream-format=" + format;
  GstHarness* h = gst_harness_new_parse(line.c_str());
  gst_harness_play(h);
  Encoded e;
  if (GstBuffer* k = gst_harness_pull(h)) e.keyframe = kek::MiniRef<GstBuffer>::adopt(k);
  if (GstBuffer* d = gst_harness_pull(h)) e.delta = kek::MiniRef<GstBuffer>::adopt(d);
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(h->sinkpad);
  e.caps = kek::MiniRef<GstCaps>::share(caps);
  gst_harness_teardown(h);
  return e;
}

// Width and height from a JPEG's start-of-frame marker.
std::pair<int, int> jpeg_size(GstBuffer* jpeg) {
  GstMapInfo map;
  if (!gst_buffer_map(jpeg, &map, GST_MAP_READ)) return {0, 0};
  std::pair<int, int> size{0, 0};
  for (size_t i = 2; i + 9 < map.size; ++i)
    if (map.data[i] == 0xFF && (map.data[i + 1] == 0xC0 || map.data[i + 1] == 0xC2)) {
      size = {(map.data[i + 7] << 8) | map.data[i + 8], (map.data[i + 5] << 8) | map.data[i + 6]};
      break;
    }
  gst_buffer_unmap(jpeg, &map);
  return size;
}

class DecodeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    small_ = encode(320, 180, "byte-stream");
    large_ = encode(640, 360, "avc");
  }
  void SetUp() override { ASSERT_TRUE(small_.keyframe && large_.keyframe && small_.caps && large_.caps); }
  static Encoded small_, large_;
};
Encoded DecodeTest::small_, DecodeTest::large_;

DecodeJob job_of(const Encoded& e, std::function<void(kek::Result<Picture>)> done, int width = 160) {
  DecodeJob j;
  j.caps = e.caps;
  j.keyframe = e.keyframe;
  j.width = width;
  j.done = std::move(done);
  return j;
}

}  // namespace

TEST_F(DecodeTest, OneDecoderServesStreamsOfEverySizeAndFormatInTurn) {
  KeyframeDecoder decoder;
  ASSERT_TRUE(decoder.ok());
  for (int round = 0; round < 2; ++round) {
    auto a = decoder.decode(small_.caps.get(), small_.keyframe.get(), 160);
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(jpeg_size(a->jpeg.get()), std::make_pair(160, 90));
    EXPECT_EQ(a->width, 160);
    EXPECT_EQ(a->height, 90);
    auto b = decoder.decode(large_.caps.get(), large_.keyframe.get(), 320);
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(jpeg_size(b->jpeg.get()), std::make_pair(320, 180));
  }
  // The same stream at another width: the scaler follows though the decoded size is the same.
  auto c = decoder.decode(large_.caps.get(), large_.keyframe.get(), 64);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(jpeg_size(c->jpeg.get()), std::make_pair(64, 36));
}

TEST_F(DecodeTest, AFrameThatDoesNotDecodeAloneIsAnErrorAndTheNextKeyframeDecodes) {
  KeyframeDecoder decoder;
  auto bad = decoder.decode(small_.caps.get(), small_.delta.get(), 160);
  EXPECT_FALSE(bad.ok());
  auto good = decoder.decode(small_.caps.get(), small_.keyframe.get(), 160);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(jpeg_size(good->jpeg.get()), std::make_pair(160, 90));
}

TEST_F(DecodeTest, AFewDecodersForManyClientsOffTheCallersThread) {
  DecodePool pool(2, 4, 256);
  std::atomic<int> pictures{0}, on_caller{0};
  const auto caller = std::this_thread::get_id();
  std::vector<int> clients(20);
  for (int round = 0; round < 3; ++round)
    for (auto& c : clients)
      pool.submit(&c, job_of(round % 2 ? large_ : small_, [&](kek::Result<Picture> p) {
                    if (p.ok()) ++pictures;
                    if (std::this_thread::get_id() == caller) ++on_caller;
                  }));
  for (auto& c : clients) ASSERT_TRUE(pool.wait_idle(&c, 30000));
  EXPECT_EQ(pictures.load(), 60);
  EXPECT_EQ(on_caller.load(), 0);
  auto stats = pool.stats();
  EXPECT_EQ(pool.workers(), 2u);
  EXPECT_LE(stats.decoders, 2u);
  EXPECT_EQ(stats.decoded, 60u);
  EXPECT_EQ(stats.dropped, 0u);
}

TEST_F(DecodeTest, AClientsJobsRunOneAtATimeInOrderWhileOtherClientsGoOn) {
  // Three workers, one client with four jobs: were two of them on two workers at once, the sink
  // would write its picture twice at the same time (and an older one over a newer).
  DecodePool pool(3, 8, 64);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex mu;
  std::vector<int> order;
  std::atomic<int> in_flight{0}, most{0}, other{0};
  int a = 0, b = 0;
  for (int i = 0; i < 4; ++i)
    pool.submit(&a, job_of(small_, [&, i, released](kek::Result<Picture>) {
                  const int now = ++in_flight;
                  most = std::max(most.load(), now);
                  if (i == 0) released.wait();  // a's first job holds a worker until b's is done
                  std::this_thread::sleep_for(std::chrono::milliseconds(5));
                  {
                    std::lock_guard lock(mu);
                    order.push_back(i);
                  }
                  --in_flight;
                }));
  pool.submit(&b, job_of(small_, [&](kek::Result<Picture>) { ++other; }));
  ASSERT_TRUE(pool.wait_idle(&b, 30000));  // b is not held up behind a's waiting jobs
  EXPECT_EQ(other.load(), 1);
  EXPECT_EQ(pool.stats().waiting, 3u);     // a's other jobs wait for its first, on no worker
  release.set_value();
  ASSERT_TRUE(pool.wait_idle(&a, 30000));
  EXPECT_EQ(most.load(), 1);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(DecodeTest, PastItsBoundsTheOldestWaitingJobIsDropped) {
  DecodePool pool(1, 3, 5);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> done_a{0}, done_b{0};
  int a = 0, b = 0, blocker = 0;
  // The one worker is busy until released: everything else waits.
  pool.submit(&blocker, job_of(small_, [released](kek::Result<Picture>) { released.wait(); }));
  while (pool.stats().waiting != 0) std::this_thread::yield();
  for (int i = 0; i < 10; ++i) pool.submit(&a, job_of(small_, [&](kek::Result<Picture>) { ++done_a; }));
  EXPECT_EQ(pool.stats().waiting, 3u);  // per client
  for (int i = 0; i < 4; ++i) pool.submit(&b, job_of(small_, [&](kek::Result<Picture>) { ++done_b; }));
  EXPECT_EQ(pool.stats().waiting, 5u);  // in all: a's oldest made room for b's
  EXPECT_FALSE(pool.wait_idle(&a, 50));
  release.set_value();
  ASSERT_TRUE(pool.wait_idle(&a, 30000));
  ASSERT_TRUE(pool.wait_idle(&b, 30000));
  EXPECT_EQ(done_a.load() + done_b.load(), 5);
  EXPECT_EQ(done_b.load(), 3);
  // 14 submitted (blocker aside): 5 ran (2 of a's, 3 of b's), 9 were dropped: 7 of a's over its
  // bound of 3, one more of a's over the pool's 5, one of b's over its own 3.
  EXPECT_EQ(done_a.load(), 2);
  EXPECT_EQ(pool.stats().dropped, 9u);
}

TEST_F(DecodeTest, CancelDropsWhatWaitsAndWaitsForWhatRuns) {
  DecodePool pool(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first_done{false};
  std::atomic<int> later{0};
  int client = 0;
  pool.submit(&client, job_of(small_, [&, released](kek::Result<Picture>) {
                released.wait();
                first_done = true;
              }));
  while (pool.stats().waiting != 0) std::this_thread::yield();
  pool.submit(&client, job_of(small_, [&](kek::Result<Picture>) { ++later; }));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    release.set_value();
  });
  pool.cancel(&client);  // returns once the running callback has finished
  EXPECT_TRUE(first_done.load());
  releaser.join();
  EXPECT_TRUE(pool.wait_idle(&client, 1000));
  EXPECT_EQ(later.load(), 0);
  pool.stop();
  pool.submit(&client, job_of(small_, [&](kek::Result<Picture>) { ++later; }));  // after stop: dropped
  EXPECT_EQ(later.load(), 0);
}

namespace {

// The keyframe without its SPS and PPS, as a publisher that sends them once goes on.
kek::MiniRef<GstBuffer> without_parameter_sets(GstBuffer* keyframe) {
  GstMapInfo map;
  gst_buffer_map(keyframe, &map, GST_MAP_READ);
  std::vector<uint8_t> out;
  const uint8_t* d = map.data;
  size_t i = 0;
  while (i + 3 < map.size) {
    size_t sc = i;
    while (sc + 2 < map.size && !(d[sc] == 0 && d[sc + 1] == 0 && d[sc + 2] == 1)) ++sc;
    size_t next = sc + 3;
    while (next + 2 < map.size && !(d[next] == 0 && d[next + 1] == 0 && d[next + 2] == 1)) ++next;
    if (next + 2 >= map.size) next = map.size;
    const int type = d[sc + 3] & 0x1f;
    if (type != 7 && type != 8) {
      out.insert(out.end(), {0, 0, 1});
      out.insert(out.end(), d + sc + 3, d + next);
    }
    i = next;
  }
  gst_buffer_unmap(keyframe, &map);
  GstBuffer* buf = gst_buffer_new_memdup(out.data(), out.size());
  gst_buffer_copy_into(buf, keyframe, GST_BUFFER_COPY_METADATA, 0, -1);
  return kek::MiniRef<GstBuffer>::adopt(buf);
}

}  // namespace

TEST_F(DecodeTest, AKeyframeWithoutItsParameterSetsDecodesAfterAnotherStreamsWithTheRememberedOnes) {
  ParameterSets sets;
  // The stream's first keyframe carries them: handed on as it is, and remembered.
  auto first = sets.complete(small_.keyframe.get());
  EXPECT_EQ(first.get(), small_.keyframe.get());
  auto bare = without_parameter_sets(small_.keyframe.get());
  ASSERT_LT(gst_buffer_get_size(bare.get()), gst_buffer_get_size(small_.keyframe.get()));
  KeyframeDecoder decoder;
  // The decoder has just decoded another stream (other parameter sets): alone, the bare one fails.
  ASSERT_TRUE(decoder.decode(large_.caps.get(), large_.keyframe.get(), 160).ok());
  EXPECT_FALSE(decoder.decode(small_.caps.get(), bare.get(), 160).ok());
  ASSERT_TRUE(decoder.decode(large_.caps.get(), large_.keyframe.get(), 160).ok());
  auto completed = sets.complete(bare.get());
  EXPECT_GT(gst_buffer_get_size(completed.get()), gst_buffer_get_size(bare.get()));
  auto picture = decoder.decode(small_.caps.get(), completed.get(), 160);
  ASSERT_TRUE(picture.ok()) << picture.error().message;
  EXPECT_EQ(jpeg_size(picture->jpeg.get()), std::make_pair(160, 90));
}
