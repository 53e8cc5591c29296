// The stream probe with buffers as h264parse and aacparse hand them over: real keyframes from
// x264enc (through a GstHarness) for the SPS, hand-made timestamps for seams, running time and
// the bit rate windows. No pipeline runs; each buffer goes straight into the probe.
#include "stream_probe.h"

#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kek::hls;

namespace {

constexpr uint64_t kMs = GST_MSECOND;

// One keyframe (Annex B, with its SPS) of a frame of this size, made by x264enc.
std::vector<uint8_t> encoded_keyframe(int width, int height) {
  std::string line = "videotestsrc num-buffers=1 ! capsfilter caps=video/x-raw,format=I420,width=" +
                     std::to_string(width) + ",height=" + std::to_string(height) +
                     ",framerate=30/1 ! x264enc speed-preset=ultrafast ! h264parse ! "
                     "capsfilter caps=video/x-h264,stream-format=byte-stream,alignment=au";
  GstHarness* h = gst_harness_new_parse(line.c_str());
  gst_harness_play(h);
  std::vector<uint8_t> out;
  if (GstBuffer* buf = gst_harness_pull(h)) {
    out.resize(gst_buffer_get_size(buf));
    gst_buffer_extract(buf, 0, out.data(), out.size());
    gst_buffer_unref(buf);
  }
  gst_harness_teardown(h);
  return out;
}

GstBuffer* buffer(const std::vector<uint8_t>& bytes, uint64_t pts, bool keyframe, uint64_t duration = 33 * kMs) {
  GstBuffer* buf = gst_buffer_new_memdup(bytes.data(), bytes.size());
  GST_BUFFER_PTS(buf) = pts;
  GST_BUFFER_DTS(buf) = pts;
  GST_BUFFER_DURATION(buf) = duration;
  if (!keyframe) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

BufferFacts feed(StreamProbe& probe, const std::vector<uint8_t>& bytes, uint64_t pts, bool keyframe) {
  GstBuffer* buf = buffer(bytes, pts, keyframe);
  BufferFacts facts = probe.buffer(buf);
  gst_buffer_unref(buf);
  return facts;
}

class StreamProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    small_ = encoded_keyframe(320, 180);
    large_ = encoded_keyframe(640, 360);
  }
  void SetUp() override {
    ASSERT_FALSE(small_.empty()) << "x264enc made no keyframe: is gstreamer1.0-plugins-ugly installed?";
    probe.start(2000 * kMs);
  }
  static std::vector<uint8_t> small_, large_;
  std::vector<uint8_t> delta = std::vector<uint8_t>(500, 0x11);
  StreamProbe probe{true};
};
std::vector<uint8_t> StreamProbeTest::small_, StreamProbeTest::large_;

GstCaps* caps(const char* text) { return gst_caps_from_string(text); }

}  // namespace

TEST(StreamProbeCaps, VideoCapsGiveTheSizeRateAndCodec) {
  gst_init(nullptr, nullptr);
  g_autoptr(GstCaps) c = caps("video/x-h264,width=320,height=180,framerate=30/1,profile=high,level=(string)3.1");
  VideoFormat f = video_format_from_caps(c);
  EXPECT_TRUE(f.have_caps);
  EXPECT_EQ(f.width, 320);
  EXPECT_EQ(f.height, 180);
  EXPECT_EQ(f.fps_num, 30);
  EXPECT_EQ(f.fps_den, 1);
  EXPECT_EQ(f.caps_codec, "avc1.64001f");
  EXPECT_FALSE(f.codec_known);  // settled only by a keyframe

  // codec_data (avcC) wins over the profile strings, and is kept to see it change.
  const uint8_t avcc[] = {1, 0x4d, 0x40, 0x1e, 0xff, 0xe0};
  g_autoptr(GstBuffer) cd = gst_buffer_new_memdup(avcc, sizeof avcc);
  g_autoptr(GstCaps) with_cd = caps("video/x-h264,width=640,height=360,profile=high,level=(string)3.1");
  gst_caps_set_simple(with_cd, "codec_data", GST_TYPE_BUFFER, cd, nullptr);
  VideoFormat g = video_format_from_caps(with_cd);
  EXPECT_EQ(g.caps_codec, "avc1.4d401e");
  EXPECT_EQ(g.codec_data.size(), sizeof avcc);
  EXPECT_EQ(g.fps_num, 0);
}

TEST(StreamProbeCaps, AudioCodecFromCodecDataOrProfile) {
  gst_init(nullptr, nullptr);
  const uint8_t he_aac[] = {0x2b, 0x92};  // object type 5
  g_autoptr(GstBuffer) cd = gst_buffer_new_memdup(he_aac, sizeof he_aac);
  g_autoptr(GstCaps) with_cd = caps("audio/mpeg,mpegversion=4");
  gst_caps_set_simple(with_cd, "codec_data", GST_TYPE_BUFFER, cd, nullptr);
  EXPECT_EQ(audio_codec_from_caps(with_cd), "mp4a.40.5");
  g_autoptr(GstCaps) lc = caps("audio/mpeg,mpegversion=4,profile=lc");
  EXPECT_EQ(audio_codec_from_caps(lc), "mp4a.40.2");
  g_autoptr(GstCaps) bare = caps("audio/mpeg,mpegversion=4");
  EXPECT_EQ(audio_codec_from_caps(bare), "mp4a.40.2");
}

TEST_F(StreamProbeTest, TheFirstKeyframeSettlesTheCodecAndSizeFromItsSps) {
  BufferFacts first = feed(probe, small_, 0, true);
  EXPECT_TRUE(first.first);
  EXPECT_TRUE(first.keyframe);
  ASSERT_TRUE(first.sps.has_value());
  EXPECT_TRUE(first.sps->changed);
  EXPECT_EQ(first.sps->codec.rfind("avc1.", 0), 0u) << first.sps->codec;
  EXPECT_EQ(first.sps->width, 320);
  EXPECT_EQ(first.sps->height, 180);
  EXPECT_FALSE(first.seam.has_value());

  // The same SPS again says nothing, until new caps ask for another look.
  EXPECT_FALSE(feed(probe, small_, 66 * kMs, true).sps.has_value());
  probe.caps_changed();
  BufferFacts again = feed(probe, small_, 99 * kMs, true);
  ASSERT_TRUE(again.sps.has_value());
  EXPECT_FALSE(again.sps->changed);
  EXPECT_FALSE(again.seam.has_value());
}

TEST_F(StreamProbeTest, ANewSpsIsASeamAtItsKeyframe) {
  feed(probe, small_, 0, true);
  feed(probe, delta, 33 * kMs, false);
  BufferFacts facts = feed(probe, large_, 66 * kMs, true);
  ASSERT_TRUE(facts.sps.has_value());
  EXPECT_TRUE(facts.sps->changed);
  EXPECT_EQ(facts.sps->width, 640);
  EXPECT_EQ(facts.sps->height, 360);
  ASSERT_TRUE(facts.seam.has_value());
  EXPECT_EQ(facts.seam->at, 66 * kMs);
  EXPECT_EQ(facts.seam->floor, 33 * kMs);
  EXPECT_TRUE(facts.seam->keyframe);
}

TEST_F(StreamProbeTest, ASeamMarksTheNextBufferInRunningTime) {
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  segment.start = 10'000 * kMs;  // a publisher's timestamps start at 10 s: running time 0 there
  segment.time = 10'000 * kMs;
  probe.segment(segment);
  feed(probe, small_, 10'000 * kMs, true);
  feed(probe, delta, 10'033 * kMs, false);
  probe.mark_seam();
  BufferFacts facts = feed(probe, delta, 10'066 * kMs, false);
  ASSERT_TRUE(facts.seam.has_value());
  EXPECT_EQ(facts.seam->at, 66 * kMs);
  EXPECT_EQ(facts.seam->floor, 33 * kMs);
  EXPECT_FALSE(facts.seam->keyframe);  // the element then asks upstream for a keyframe
  EXPECT_FALSE(feed(probe, delta, 10'099 * kMs, false).seam.has_value());  // once
  EXPECT_EQ(probe.end_running_time(), 132 * kMs);  // the last PTS + duration
}

TEST_F(StreamProbeTest, ASeamBeforeTheFirstBufferIsNoSeam) {
  probe.mark_seam();
  BufferFacts facts = feed(probe, small_, 0, true);
  EXPECT_TRUE(facts.first);
  EXPECT_FALSE(facts.seam.has_value());
  EXPECT_EQ(probe.end_running_time(), 33 * kMs);
}

TEST_F(StreamProbeTest, NoBufferNoEnd) { EXPECT_EQ(probe.end_running_time(), kNoTime); }

TEST(StreamProbeRates, AWindowClosingGivesTheRatesOfWhatMpegTsWillCarry) {
  gst_init(nullptr, nullptr);
  StreamProbe audio(false);
  audio.start(1000 * kMs);
  std::vector<uint8_t> frame(300, 0x22);
  int closed = 0;
  for (int i = 0; i <= 20; ++i) {
    GstBuffer* buf = buffer(frame, i * 100 * kMs, true, 100 * kMs);
    BufferFacts facts = audio.buffer(buf);
    gst_buffer_unref(buf);
    EXPECT_TRUE(facts.keyframe);  // every audio frame may start a segment
    if (facts.rates_changed) ++closed;
  }
  EXPECT_EQ(closed, 2);  // at 1 s and 2 s
  Rates r = audio.rates();
  ASSERT_TRUE(r.measured);
  // 10 frames a second of 300 bytes, each 2 TS packets with its PES and ADTS headers.
  uint64_t expected = mpegts_bytes(300, kAudioPesOverhead) * 8 * 10;
  EXPECT_EQ(r.peak_bps, expected);
  EXPECT_EQ(r.average_bps, expected);
}

// Raw AAC from flvdemux comes without buffer durations: the element gives the probe a frame's
// (aac_frame_duration_ns), so the stream ends where its last frame stops playing.
TEST(StreamProbeAudio, ABufferWithoutADurationLastsTheDefault) {
  gst_init(nullptr, nullptr);
  StreamProbe audio{false};
  audio.start(2000 * kMs);
  const std::vector<uint8_t> frame(300, 0x21);
  GstBuffer* untimed = buffer(frame, 1000 * kMs, true, GST_CLOCK_TIME_NONE);
  audio.buffer(untimed);
  EXPECT_EQ(audio.end_running_time(), 1000 * kMs) << "no duration, no default: the frame's start";
  audio.set_default_duration(21333333);
  GST_BUFFER_PTS(untimed) = GST_BUFFER_DTS(untimed) = 1021 * kMs;
  audio.buffer(untimed);
  EXPECT_EQ(audio.end_running_time(), 1021 * kMs + 21333333);
  // A buffer that says its duration keeps it.
  GstBuffer* timed = buffer(frame, 1042 * kMs, true, 10 * kMs);
  audio.buffer(timed);
  EXPECT_EQ(audio.end_running_time(), 1052 * kMs);
  gst_buffer_unref(untimed);
  gst_buffer_unref(timed);
}
