// Ingest health from hand-made timestamps: no encoder, exact numbers.
#include "ingest_health.h"

#include <gtest/gtest.h>

namespace kek::rtmp {
namespace {

constexpr int64_t kUs = 1000;  // one millisecond in microseconds

// OBS's default: 30 fps, a keyframe every 250 frames (8.3 s).
TEST(IngestHealth, MeasuresTheKeyframeIntervalAndTheFrameRate) {
  IngestHealth h;
  int64_t ts = 0;
  for (int frame = 0; frame <= 500; ++frame) {
    ts = frame * 100 / 3;  // 33.3 ms steps, as FLV's millisecond timestamps round them
    h.video_frame(ts, frame % 250 == 0, 1'000'000 + ts * kUs);
  }
  IngestHealthReport r = h.report(1'000'000 + ts * kUs);
  EXPECT_NEAR(r.keyframe_interval_s, 8.333, 0.01);
  EXPECT_NEAR(r.fps, 30.0, 0.5);
  EXPECT_EQ(r.dropped_frames, 0);
  EXPECT_EQ(r.late_ms, 0);
}

TEST(IngestHealth, CountsMissingFramesAndAStall) {
  IngestHealth h;
  int64_t ts = 0;
  for (int frame = 0; frame < 50; ++frame) {
    ts = frame * 40;  // 25 fps
    h.video_frame(ts, frame % 50 == 0, ts * kUs);
  }
  // Five frames are skipped (the encoder dropped them): the next one is 6 frames on.
  ts += 6 * 40;
  h.video_frame(ts, false, ts * kUs);
  EXPECT_EQ(h.report(ts * kUs).dropped_frames, 5);
  // Nothing comes for 4 s: no frame rate any more.
  EXPECT_EQ(h.report(ts * kUs + 4'000'000).fps, 0);
}

TEST(IngestHealth, AnEncoderSlowerThanRealTimeFallsBehind) {
  IngestHealth h;
  // The media clock advances 40 ms per frame, but frames arrive every 50 ms of wall time.
  for (int frame = 0; frame < 100; ++frame) h.video_frame(frame * 40, frame == 0, frame * 50 * kUs);
  IngestHealthReport r = h.report(99 * 50 * kUs);
  EXPECT_NEAR(r.late_ms, 99 * 10, 1);
  EXPECT_NEAR(r.fps, 20.0, 0.5);
}

TEST(IngestHealth, SteadyNetworkLatencyIsNotLateness) {
  IngestHealth h;
  // Every frame arrives 300 ms after its media time, with some jitter.
  for (int frame = 0; frame < 100; ++frame) {
    const int64_t jitter = (frame % 3) * 7;
    h.video_frame(frame * 40, false, (300 + frame * 40 + jitter) * kUs);
  }
  EXPECT_LE(h.report((300 + 99 * 40 + 14) * kUs).late_ms, 20);
}

TEST(IngestHealth, ARestartKeepsTheLastIntervalButStartsTheClocksOver) {
  IngestHealth h;
  h.video_frame(0, true, 0);
  h.video_frame(2000, true, 2'000'000);
  h.restart();
  h.video_frame(10'000, true, 60'000'000);
  IngestHealthReport r = h.report(60'000'000);
  EXPECT_DOUBLE_EQ(r.keyframe_interval_s, 2.0);
  EXPECT_EQ(r.late_ms, 0);
}

}  // namespace
}  // namespace kek::rtmp
