// The HLS playlists' content from the presentation state: the segments the MPD lists, their
// inits and discontinuities, and the master's variants and audio renditions.
#include "hls_builder.h"

#include "track_configs.h"

#include <gtest/gtest.h>

using namespace kek::dash;

using kek::dash::test::audio_config;
using kek::dash::test::video_config;

TEST(HlsBuilder, MediaPlaylistFollowsTheWindowAndThePeriods) {
  RepresentationState rep;
  rep.name = "720p";
  auto first = video_config(1280, 720), second = video_config(640, 360);
  // 2 s segments at 90 kHz; the third opens Period 1 (another init).
  rep.add_segment({1, 0, 180000, 0}, "17-init.mp4", first, 0, 2000000000, 3000000, 2);
  rep.add_segment({2, 180000, 180000, 0}, "17-init.mp4", first, 2000000000, 4000000000, 3000000, 2);
  rep.add_segment({3, 360000, 90000, 1}, "17-init-1.mp4", second, 4000000000, 5000000000, 1000000, 2);
  HlsParams params{2000000000, "17", false, false};
  HlsMediaPlaylist p = build_hls_media(rep, params);
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.media_sequence, 1u);
  EXPECT_EQ(p.discontinuity_sequence, 0u);
  EXPECT_EQ(p.segments[0].uri, "17-2.m4s");
  EXPECT_EQ(p.segments[0].map_uri, "17-init.mp4");
  EXPECT_FALSE(p.segments[0].discontinuity);
  EXPECT_EQ(p.segments[1].uri, "17-3.m4s");
  EXPECT_EQ(p.segments[1].map_uri, "17-init-1.mp4");
  EXPECT_TRUE(p.segments[1].discontinuity);
  EXPECT_EQ(p.segments[1].duration_ns, 1000000000u);
  // One more: Period 0 slid out, one discontinuity with it.
  rep.add_segment({4, 450000, 180000, 1}, "17-init-1.mp4", second, 5000000000, 7000000000, 1000000, 2);
  p = build_hls_media(rep, params);
  EXPECT_EQ(p.discontinuity_sequence, 1u);
  EXPECT_FALSE(p.segments[0].discontinuity);
}

TEST(HlsBuilder, WindowZeroListsEverySegment) {
  RepresentationState rep;
  rep.name = "audio";
  rep.video = false;
  for (uint64_t n = 1; n <= 50; ++n)
    rep.add_segment({n, (n - 1) * 96000, 96000, 0}, "17-init.mp4", audio_config(), (n - 1) * 2000000000,
                    n * 2000000000, 128000, 0);
  HlsMediaPlaylist p = build_hls_media(rep, {2000000000, "17", true, false});
  EXPECT_EQ(p.segments.size(), 50u);
  EXPECT_EQ(p.segments[10].duration_ns, 2000000000u);
  EXPECT_TRUE(p.event);
  EXPECT_EQ(rep.average_bandwidth(), 128000u);
}

TEST(HlsBuilder, MasterNamesAudioTracksUniquely) {
  RepresentationState v, a0, a1, silent;
  v.name = "720p";
  v.add_segment({1, 0, 180000, 0}, "i.mp4", video_config(1280, 720), 0, 2000000000, 2500000, 0);
  a0.name = "audio_0";
  a0.video = false;
  a0.language = "en";
  a0.label = "English";
  a0.add_segment({1, 0, 96000, 0}, "i.mp4", audio_config(), 0, 2000000000, 130000, 0);
  a1 = a0;
  a1.name = "audio_1";
  silent.name = "audio_2";  // never wrote a segment: left out
  silent.video = false;
  const RepresentationState* reps[] = {&v, &a0, &a1, &silent};
  HlsMaster m = build_hls_master(reps);
  ASSERT_EQ(m.variants.size(), 1u);
  EXPECT_EQ(m.variants[0].uri, "720p/index.m3u8");
  EXPECT_EQ(m.variants[0].width, 1280);
  EXPECT_EQ(m.variants[0].bandwidth, 2500000u);
  ASSERT_EQ(m.audio.size(), 2u);
  EXPECT_EQ(m.audio[0].name, "English");
  EXPECT_TRUE(m.audio[0].is_default);
  EXPECT_EQ(m.audio[1].name, "English 2");
  EXPECT_FALSE(m.audio[1].is_default);
  EXPECT_EQ(m.audio[1].uri, "audio_1/index.m3u8");
  EXPECT_EQ(m.audio[1].channels, 2);
}
