// kek::Images as plugins use it: real PNG/JPEG/WebP files made in the test, decoded, turned,
// cropped or fitted and re-encoded on the service's workers, results on this thread's main
// context; and the bounds a hostile picture meets (size, one job per owner, deadline, cancel).
#include "images/image_service.h"

#include "images/image_header.h"

#include "main_loop.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>

namespace kek::core {
namespace {

// The bytes of the first buffer an `appsink name=out` at the end of line gets; `input` is
// pushed into an `appsrc name=src` when there is one.
std::string run_to_bytes(const std::string& line, const std::string& input = {}) {
  GstElement* pipeline = gst_parse_launch(line.c_str(), nullptr);
  if (!pipeline) return "";
  if (GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src")) {
    GstFlowReturn flow = GST_FLOW_OK;
    GstBuffer* buffer = gst_buffer_new_memdup(input.data(), input.size());
    g_signal_emit_by_name(src, "push-buffer", buffer, &flow);  // the signal does not take the buffer
    gst_buffer_unref(buffer);
    g_signal_emit_by_name(src, "end-of-stream", &flow);
    gst_object_unref(src);
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::string bytes;
  if (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND)) {
    GstMapInfo map;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      bytes.assign(reinterpret_cast<const char*>(map.data), map.size);
      gst_buffer_unmap(buffer, &map);
    }
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return bytes;
}

std::string make_image(const std::string& encoder, int width, int height) {
  return run_to_bytes("videotestsrc num-buffers=1 pattern=smpte ! video/x-raw,width=" + std::to_string(width) +
                      ",height=" + std::to_string(height) + " ! videoconvert ! " + encoder + " ! appsink name=out");
}

// A 200x100 JPEG, left half red and right half blue, whose EXIF says how to turn it (what a
// phone camera writes instead of turning the pixels).
std::string photo_with_orientation(const std::string& orientation) {
  return run_to_bytes(
      "compositor name=c sink_1::xpos=100 ! video/x-raw,width=200,height=100 ! videoconvert ! jpegenc ! "
      "taginject tags=\"image-orientation=" + orientation + "\" ! jifmux ! appsink name=out "
      "videotestsrc pattern=red num-buffers=1 ! video/x-raw,width=100,height=100 ! c. "
      "videotestsrc pattern=blue num-buffers=1 ! video/x-raw,width=100,height=100 ! c.");
}

// The red and blue of the pixel at (x, y) of a 256x256 JPEG.
std::pair<int, int> red_and_blue_at(const std::string& jpeg, int x, int y) {
  std::string rgb = run_to_bytes(
      "appsrc name=src caps=image/jpeg ! jpegdec ! videoconvert ! video/x-raw,format=RGB ! appsink name=out", jpeg);
  const size_t stride = (256 * 3 + 3) / 4 * 4;
  const size_t at = static_cast<size_t>(y) * stride + static_cast<size_t>(x) * 3;
  if (rgb.size() < at + 3) return {-1, -1};
  return {static_cast<unsigned char>(rgb[at]), static_cast<unsigned char>(rgb[at + 2])};
}

// "WxH" of an encoded picture, read back with GStreamer.
std::string size_of(const std::string& encoded, const std::string& decoder) {
  GstElement* pipeline =
      gst_parse_launch(("appsrc name=src ! " + decoder + " ! appsink name=out").c_str(), nullptr);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_new_memdup(encoded.data(), encoded.size()));
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::string size = "none";
  if (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND)) {
    const GstStructure* s = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
    int w = 0, h = 0;
    gst_structure_get_int(s, "width", &w);
    gst_structure_get_int(s, "height", &h);
    size = std::to_string(w) + "x" + std::to_string(h);
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return size;
}

ImageOutput square(int side) { return {side, side, ImageFit::cover, ImageFormat::jpeg, 90}; }

class ImagesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  // Runs one job to its end on this thread's main context.
  Result<ImageResult> run(ImageJob job) {
    std::optional<Result<ImageResult>> result;
    service_.process(std::move(job), [&](Result<ImageResult> r) { result.emplace(std::move(r)); });
    EXPECT_TRUE(kek::test::run_until([&] { return result.has_value(); }, 60000));
    return result ? std::move(*result) : Result<ImageResult>(Error{"no answer", 0});
  }

  ImageService service_;
};

TEST_F(ImagesTest, PngJpegAndWebpAreDecodedCroppedScaledAndReencoded) {
  for (const char* encoder : {"pngenc", "jpegenc", "webpenc"}) {
    auto done = run({make_image(encoder, 320, 200), {square(256), square(64)}, "", 15000});
    ASSERT_TRUE(done.ok()) << encoder << ": " << done.error().message;
    EXPECT_EQ(done->source_width, 320);
    EXPECT_EQ(done->source_height, 200);
    ASSERT_EQ(done->encoded.size(), 2u);
    EXPECT_EQ(image_type_of(done->encoded[0]), "image/jpeg");
    EXPECT_EQ(size_of(done->encoded[0], "jpegdec"), "256x256") << encoder;
    EXPECT_EQ(size_of(done->encoded[1], "jpegdec"), "64x64") << encoder;
  }
}

TEST_F(ImagesTest, ContainKeepsTheShapeAndNeverEnlargesAndOtherFormatsAreWritten) {
  const std::string png = make_image("pngenc", 400, 100);
  auto done = run({png,
                   {{200, 200, ImageFit::contain, ImageFormat::png, 90},
                    {800, 800, ImageFit::contain, ImageFormat::webp, 80}},
                   "",
                   15000});
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(image_type_of(done->encoded[0]), "image/png");
  EXPECT_EQ(size_of(done->encoded[0], "pngdec"), "200x50");
  EXPECT_EQ(image_type_of(done->encoded[1]), "image/webp");
  EXPECT_EQ(size_of(done->encoded[1], "webpdec"), "400x100") << "never enlarged";
}

TEST_F(ImagesTest, APhoneJpegIsTurnedTheWayItsExifSays) {
  // Upright: the centred square is red on the left, blue on the right.
  auto upright = run({photo_with_orientation("rotate-0"), {square(256)}, "", 15000});
  ASSERT_TRUE(upright.ok()) << upright.error().message;
  auto [r0, b0] = red_and_blue_at(upright->encoded[0], 200, 30);
  EXPECT_GT(b0, 180) << "top right is blue";
  EXPECT_LT(r0, 80);
  // Turned a quarter clockwise: the left (red) half is now on top.
  auto turned = run({photo_with_orientation("rotate-90"), {square(256)}, "", 15000});
  ASSERT_TRUE(turned.ok()) << turned.error().message;
  EXPECT_EQ(turned->source_width, 100);
  EXPECT_EQ(turned->source_height, 200);
  auto [r1, b1] = red_and_blue_at(turned->encoded[0], 200, 30);
  EXPECT_GT(r1, 180) << "top right is red once turned";
  EXPECT_LT(b1, 80);
  auto [r2, b2] = red_and_blue_at(turned->encoded[0], 200, 220);
  EXPECT_GT(b2, 180) << "bottom right is blue once turned";
  EXPECT_LT(r2, 80);
}

TEST_F(ImagesTest, WhatDoesNotDecodeIsRefused) {
  const std::string png = make_image("pngenc", 120, 80);
  for (const std::string& bad : {std::string("\x89PNG\r\n\x1a\nnot really", 19), png.substr(0, png.size() / 2),
                                 std::string("GIF89a"), std::string()}) {
    auto done = run({bad, {square(64)}, "", 15000});
    ASSERT_FALSE(done.ok());
    EXPECT_EQ(done.error().code, 400) << done.error().message;
  }
  EXPECT_EQ(run({png, {}, "", 15000}).error().code, 400) << "a job needs an output";
  EXPECT_EQ(run({png, {square(5000)}, "", 15000}).error().code, 400) << "outputs are bounded too";
}

TEST_F(ImagesTest, HeaderSizesAreReadWithoutDecoding) {
  for (const char* encoder : {"pngenc", "jpegenc", "webpenc", "webpenc lossless=true"}) {
    auto size = declared_image_size(make_image(encoder, 321, 123));
    ASSERT_TRUE(size) << encoder;
    EXPECT_EQ(*size, (std::pair<int, int>{321, 123})) << encoder;
  }
  const std::string png = make_image("pngenc", 40, 30);
  for (size_t cut = 0; cut < 24; ++cut) EXPECT_FALSE(declared_image_size(png.substr(0, cut))) << cut;
  EXPECT_FALSE(declared_image_size("GIF89a...."));
  EXPECT_FALSE(declared_image_size(std::string("\xff\xd8\xff\xe0\x00\x01", 6))) << "a segment length below 2";
  EXPECT_FALSE(declared_image_size(std::string("\xff\xd8\xff\xda\x00\x08", 6))) << "a scan before any frame";
}

// A picture over 4096 px a side is refused from its header, before a frame is allocated: a
// 20000x20000 PNG of one colour is a few kilobytes and would decode to 1.6 GB.
TEST_F(ImagesTest, PicturesOverTheSideLimitAreRefusedBeforeTheyAreDecoded) {
  const std::string wide = make_image("pngenc", 4097, 16);
  auto done = run({wide, {square(64)}, "", 15000});
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, 400);
  EXPECT_NE(done.error().message.find("4097x16"), std::string::npos) << done.error().message;
  EXPECT_NE(done.error().message.find("4096"), std::string::npos) << done.error().message;
  EXPECT_TRUE(run({make_image("pngenc", 4096, 16), {square(64)}, "", 15000}).ok()) << "4096 is allowed";
  const std::string tall_jpeg = make_image("jpegenc", 16, 4200);
  auto tall = run({tall_jpeg, {square(64)}, "", 15000});
  ASSERT_FALSE(tall.ok());
  EXPECT_NE(tall.error().message.find("16x4200"), std::string::npos) << tall.error().message;
}

// One job per owner at a time: the second is refused at once (429), whatever the timing; once
// the first is done the owner may go again. Other owners are not held up.
TEST_F(ImagesTest, OneJobPerOwnerAtATime) {
  const std::string png = make_image("pngenc", 1024, 1024);
  std::optional<Result<ImageResult>> first, second, other;
  service_.process({png, {square(256)}, "user:1", 15000}, [&](Result<ImageResult> r) { first.emplace(std::move(r)); });
  service_.process({png, {square(256)}, "user:1", 15000}, [&](Result<ImageResult> r) { second.emplace(std::move(r)); });
  service_.process({png, {square(256)}, "user:2", 15000}, [&](Result<ImageResult> r) { other.emplace(std::move(r)); });
  ASSERT_TRUE(kek::test::run_until([&] { return first && second && other; }, 60000));
  EXPECT_TRUE(first->ok()) << first->error().message;
  ASSERT_FALSE(second->ok());
  EXPECT_EQ(second->error().code, 429);
  EXPECT_TRUE(other->ok()) << other->error().message;
  EXPECT_TRUE(run({png, {square(64)}, "user:1", 15000}).ok()) << "free again once done";
}

TEST_F(ImagesTest, AJobOverItsDeadlineIsStoppedAndItsOwnerFreed) {
  const std::string big = make_image("pngenc", 4096, 4096);
  auto late = run({big, {square(256)}, "user:3", 1});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, 408) << late.error().message;
  EXPECT_TRUE(run({make_image("pngenc", 64, 64), {square(64)}, "user:3", 15000}).ok());
}

TEST_F(ImagesTest, ACancelledJobEndsWith499) {
  const std::string big = make_image("pngenc", 4096, 4096);
  std::optional<Result<ImageResult>> result;
  auto ticket = service_.process({big, {square(256), square(128), square(64)}, "user:4", 60000},
                                 [&](Result<ImageResult> r) { result.emplace(std::move(r)); });
  ticket->cancel();
  ASSERT_TRUE(kek::test::run_until([&] { return result.has_value(); }, 60000));
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().code, 499);
  EXPECT_TRUE(run({make_image("pngenc", 64, 64), {square(64)}, "user:4", 15000}).ok());
}

// done runs on the main loop, on its thread, and later: not inside process() for a job refused
// at once, not on the worker that finished the job while nobody iterated the loop (the worker
// could acquire the default context then; g_main_context_invoke would have run it right there).
TEST_F(ImagesTest, DoneRunsLaterOnTheMainLoopsThreadNeverOnAWorker) {
  std::atomic<bool> refused{false}, finished{false};
  std::thread::id refused_on, finished_on;
  service_.process({make_image("pngenc", 64, 64), {}, "", 15000}, [&](Result<ImageResult> r) {
    EXPECT_EQ(r.error().code, 400);
    refused_on = std::this_thread::get_id();
    refused = true;
  });
  EXPECT_FALSE(refused) << "ran inside process()";
  service_.process({make_image("pngenc", 64, 64), {square(16)}, "", 15000}, [&](Result<ImageResult> r) {
    EXPECT_TRUE(r.ok()) << r.error().message;
    finished_on = std::this_thread::get_id();
    finished = true;
  });
  // Long enough for the worker to end a 64 px job; nothing iterates the loop meanwhile.
  for (int i = 0; i < 100 && !finished; ++i) g_usleep(10000);
  EXPECT_FALSE(finished) << "ran on the worker";
  ASSERT_TRUE(kek::test::run_until([&] { return refused && finished; }, 60000));
  EXPECT_EQ(refused_on, std::this_thread::get_id());
  EXPECT_EQ(finished_on, std::this_thread::get_id());
}

// Pending results of a service that goes away (the host shutting down) are dropped, not
// delivered into objects that may be gone; the destructor waits for its workers.
TEST(ImagesLifetime, DestroyingTheServiceWithJobsRunningIsSafe) {
  gst_init(nullptr, nullptr);
  const std::string big = make_image("pngenc", 2048, 2048);
  bool called = false;
  {
    ImageService service;
    for (int i = 0; i < 4; ++i)
      service.process({big, {square(256)}, "", 60000}, [&](Result<ImageResult>) { called = true; });
  }
  kek::test::run_until([] { return false; }, 200);
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace kek::core
