// The manifest builder: Periods listed only once settled and their start fixed once, each
// Representation's attributes from its Period's configuration, the window, and the static
// manifest at the end starting at its first listed segment.
#include "manifest_builder.h"

#include "periods.h"
#include "track_configs.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace kek::dash;
using kek::dash::test::audio_config;
using kek::dash::test::video_config;

namespace {

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kMs = 1'000'000;

class ManifestBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    video.name = "720p";
    video.video = true;
    video.have_first = true;
    audio.name = "audio";
    audio.video = false;
    audio.have_first = true;
    params.availability_start_us = 1714564800123000;
    params.publish_us = 1714564810000000;
    params.target_ns = 2 * kSecond;
    params.max_segment_ns = 2 * kSecond;
    params.window = 3;
    params.media_prefix = "17";
  }
  // Segment n (from 1) of 2 s at media time (n - 1) * 2 s + offset.
  void video_segment(uint64_t n, unsigned period, uint64_t offset_ms = 0,
                     std::shared_ptr<const TrackConfig> c = video_config(1280, 720)) {
    uint64_t t = ((n - 1) * 2000 + offset_ms) * 90;
    video.add_segment({n, t, 180000, period}, "17-init" + (period ? "-" + std::to_string(period) : "") + ".mp4", c,
                      t * kSecond / 90000, (t + 180000) * kSecond / 90000, 3000000, params.window);
  }
  void audio_segment(uint64_t n, unsigned period, uint64_t offset_ms = 0) {
    uint64_t t = ((n - 1) * 2000 + offset_ms) * 48;
    audio.add_segment({n, t, 96000, period}, "17-init.mp4", audio_config(), t * kSecond / 48000,
                      (t + 96000) * kSecond / 48000, 128000, params.window);
  }
  Manifest build() { return build_manifest(reps, periods, params); }

  RepresentationState video, audio;
  std::vector<const RepresentationState*> reps{&video, &audio};
  std::vector<PeriodState> periods = std::vector<PeriodState>(1);
  ManifestParams params;
};

}  // namespace

TEST_F(ManifestBuilderTest, NothingIsListedBeforeEveryTrackWroteInThePeriod) {
  video_segment(1, 0);
  EXPECT_TRUE(build().periods.empty());
  audio_segment(1, 0);
  Manifest m = build();
  ASSERT_EQ(m.periods.size(), 1u);
  ASSERT_EQ(m.periods[0].representations.size(), 2u);
  const Representation& v = m.periods[0].representations[0];
  EXPECT_EQ(v.id, "720p");
  EXPECT_EQ(v.codecs, "avc1.64001f");
  EXPECT_EQ(v.width, 1280);
  EXPECT_EQ(v.bandwidth, 3000000u);
  EXPECT_EQ(v.timescale, 90000u);
  EXPECT_EQ(v.initialization, "720p/17-init.mp4");
  EXPECT_EQ(v.media, "720p/17-$Number$.m4s");
  const Representation& a = m.periods[0].representations[1];
  EXPECT_EQ(a.timescale, 48000u);
  EXPECT_EQ(a.sample_rate, 48000);
  EXPECT_EQ(a.channels, 2);
  EXPECT_TRUE(m.live);
  EXPECT_EQ(m.window, 3u);
}

TEST_F(ManifestBuilderTest, TheWindowSlidesAndThePeriodStartStaysFixed) {
  for (uint64_t n = 1; n <= 5; ++n) {
    video_segment(n, 0, 33);  // video starts 33 ms in, audio 21 ms
    audio_segment(n, 0, 21);
  }
  Manifest m = build();
  ASSERT_EQ(m.periods.size(), 1u);
  // The earliest first presentation of any track in it, though the window slid past it since.
  uint64_t start = m.periods[0].start_ns;
  EXPECT_EQ(start, 21 * kMs);
  EXPECT_EQ(m.periods[0].representations[0].segments.size(), 3u);
  EXPECT_EQ(m.periods[0].representations[0].segments.front().number, 3u);
  video_segment(6, 0, 33);
  audio_segment(6, 0);
  EXPECT_EQ(build().periods[0].start_ns, start);
}

TEST_F(ManifestBuilderTest, ASeamPeriodAppearsOnceSettledWithItsOwnInitAndSize) {
  video_segment(1, 0);
  audio_segment(1, 0);
  enter_next_period(periods, video, 2 * kSecond, true);
  video_segment(2, 1, 0, video_config(640, 360));
  EXPECT_EQ(build().periods.size(), 1u);  // audio is still in Period 0
  enter_next_period(periods, audio, 2 * kSecond, true);
  audio_segment(2, 1);
  Manifest m = build();
  ASSERT_EQ(m.periods.size(), 2u);
  EXPECT_EQ(m.periods[1].id, "p1");
  EXPECT_EQ(m.periods[1].start_ns, 2 * kSecond);
  EXPECT_EQ(m.periods[1].representations[0].width, 640);
  EXPECT_EQ(m.periods[1].representations[0].initialization, "720p/17-init-1.mp4");
  EXPECT_EQ(m.periods[1].representations[0].segments.size(), 1u);
}

TEST_F(ManifestBuilderTest, TheStaticManifestStartsAtItsFirstListedSegmentAndEndsWithTheLongestTrack) {
  for (uint64_t n = 1; n <= 5; ++n) {
    video_segment(n, 0);
    audio_segment(n, 0, 20);
  }
  params.live = false;
  Manifest m = build();
  ASSERT_EQ(m.periods.size(), 1u);
  EXPECT_FALSE(m.live);
  EXPECT_EQ(m.periods[0].start_ns, 4 * kSecond);  // segments 3..5 listed: the first starts at 4 s
  EXPECT_EQ(m.end_ns, 10 * kSecond + 20 * kMs);
}
