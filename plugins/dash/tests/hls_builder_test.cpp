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

TEST(HlsBuilder, LowLatencyListsTheLastSegmentsPartsTheOpenOnesAndTheNextHint) {
  RepresentationState rep;
  rep.name = "source";
  auto config = video_config(320, 180);
  // Five 2 s segments of four 0.5 s parts, the first of each independent (it starts with the
  // keyframe), then two parts of segment 6 written.
  for (uint64_t n = 1; n <= 5; ++n) {
    ListedSegment s{n, (n - 1) * 180000, 180000, 0, {}};
    for (int k = 0; k < 4; ++k) s.parts.push_back({500000000, k == 0});
    rep.add_segment(s, "17-init.mp4", config, (n - 1) * 2000000000, n * 2000000000, 1000000, 6);
  }
  rep.next_number = 6;
  rep.open_parts = {{500000000, true}, {480000000, false}};
  HlsParams params{2000000000, "17", false, false};
  params.part_target_ns = 500000000;
  params.part_segments = 3;
  params.open_map_uri = "17-init.mp4";
  params.reports = {{"../audio/index.m3u8", 5, 1}};
  HlsMediaPlaylist p = build_hls_media(rep, params);
  ASSERT_EQ(p.segments.size(), 5u);
  EXPECT_TRUE(p.segments[0].parts.empty());
  EXPECT_TRUE(p.segments[1].parts.empty());
  ASSERT_EQ(p.segments[2].parts.size(), 4u);
  EXPECT_EQ(p.segments[2].parts[0].uri, "17-3.0.m4s");
  EXPECT_TRUE(p.segments[2].parts[0].independent);
  EXPECT_EQ(p.segments[4].parts[3].uri, "17-5.3.m4s");
  EXPECT_FALSE(p.segments[4].parts[3].independent);
  EXPECT_EQ(p.low_latency.part_target_ns, 500000000u);
  ASSERT_EQ(p.low_latency.open_parts.size(), 2u);
  EXPECT_EQ(p.low_latency.open_parts[1].uri, "17-6.1.m4s");
  EXPECT_EQ(p.low_latency.open_parts[1].duration_ns, 480000000u);
  EXPECT_EQ(p.low_latency.preload_hint_uri, "17-6.2.m4s");
  EXPECT_EQ(p.low_latency.open_map_uri, "17-init.mp4");
  EXPECT_FALSE(p.low_latency.open_discontinuity);
  ASSERT_EQ(p.low_latency.reports.size(), 1u);
  // What a report of this playlist says: segment 6 (MSN 5), its part 1.
  HlsPosition at = hls_position(rep);
  EXPECT_EQ(at.msn, 5u);
  EXPECT_EQ(at.part, 1);
  EXPECT_EQ(hls_last_position(p).msn, at.msn);
  EXPECT_EQ(hls_last_position(p).part, at.part);

  const std::string text = render_hls_media(p);
  EXPECT_NE(text.find("#EXT-X-PART:DURATION=0.500,URI=\"17-5.3.m4s\"\n#EXTINF:2.000,\n17-5.m4s\n"
                      "#EXT-X-PART:DURATION=0.500,URI=\"17-6.0.m4s\",INDEPENDENT=YES\n"
                      "#EXT-X-PART:DURATION=0.480,URI=\"17-6.1.m4s\"\n"
                      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"17-6.2.m4s\"\n"
                      "#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8\",LAST-MSN=5,LAST-PART=1\n"),
            std::string::npos)
      << text;

  // The segment closes: its parts move to it, the hint to the next segment's first part.
  ListedSegment six{6, 5 * 180000, 180000, 0, {}};
  six.parts = {{500000000, true}, {480000000, false}, {520000000, false}, {500000000, false}};
  rep.add_segment(six, "17-init.mp4", config, 10000000000, 12000000000, 1000000, 6);
  rep.open_parts.clear();
  rep.next_number = 7;
  p = build_hls_media(rep, params);
  EXPECT_TRUE(p.segments[2].parts.empty()) << "segment 3 slid out of the parts' window";
  EXPECT_EQ(p.segments.back().parts.size(), 4u);
  EXPECT_EQ(p.low_latency.preload_hint_uri, "17-7.0.m4s");
  at = hls_position(rep);
  EXPECT_EQ(at.msn, 5u);
  EXPECT_EQ(at.part, 3);

  // Ended: no open parts, no hint, no reports; the parts stay listed.
  params.ended = true;
  rep.open_parts = {{500000000, true}};
  p = build_hls_media(rep, params);
  EXPECT_TRUE(p.low_latency.open_parts.empty());
  EXPECT_TRUE(p.low_latency.preload_hint_uri.empty());
  EXPECT_EQ(render_hls_media(p).find("PRELOAD-HINT"), std::string::npos);
  EXPECT_EQ(p.segments.back().parts.size(), 4u);
}

TEST(HlsBuilder, WithoutAPartTargetThePlaylistHasNoParts) {
  RepresentationState rep;
  rep.name = "source";
  ListedSegment s{1, 0, 180000, 0, {}};
  s.parts = {{500000000, true}};
  rep.add_segment(s, "17-init.mp4", video_config(320, 180), 0, 2000000000, 1000000, 6);
  HlsMediaPlaylist p = build_hls_media(rep, {2000000000, "17", false, false});
  EXPECT_TRUE(p.segments[0].parts.empty());
  EXPECT_EQ(p.low_latency.part_target_ns, 0u);
  EXPECT_EQ(render_hls_media(p).find("EXT-X-PART"), std::string::npos);
}

// RFC 8216bis 6.2.4: every rendition maps date to media time the same way. The audio segment
// that starts 10 ms after the video's (the first AAC frame after the cut) is dated 10 ms later;
// hls.js aligns the audio playlist with the video one by these on every reload.
TEST(HlsBuilder, LiveSegmentsAreDatedFromTheWallClockOfMediaTimeZero) {
  RepresentationState video, audio;
  video.name = "source";
  audio.name = "audio";
  audio.video = false;
  auto vc = video_config(320, 180);
  auto ac = audio_config();
  for (uint64_t n = 1; n <= 3; ++n) {
    video.add_segment({n, (n - 1) * 180000, 180000, 0, {}}, "17-init.mp4", vc, (n - 1) * 2000000000, n * 2000000000,
                      1000000, 2);
    // 48 kHz: 480 samples = 10 ms late, 2 s long.
    audio.add_segment({n, (n - 1) * 96000 + 480, 96000, 0, {}}, "17-init.mp4", ac, (n - 1) * 2000000000 + 10000000,
                      n * 2000000000 + 10000000, 64000, 2);
  }
  HlsParams params{2000000000, "17", false, false};
  params.availability_start_us = 1796305000000000;
  const HlsMediaPlaylist v = build_hls_media(video, params), a = build_hls_media(audio, params);
  ASSERT_EQ(v.segments.size(), 2u);
  ASSERT_EQ(a.segments.size(), 2u);
  EXPECT_EQ(v.segments[0].program_date_time_us, 1796305002000000);  // segment 2 starts at media time 2 s
  EXPECT_EQ(v.segments[1].program_date_time_us, 1796305004000000);
  EXPECT_EQ(a.segments[0].program_date_time_us, 1796305002010000);
  EXPECT_EQ(a.segments[1].program_date_time_us, 1796305004010000);
  // Without the wall clock (window 0: a film), no dates.
  params.availability_start_us.reset();
  EXPECT_FALSE(build_hls_media(video, params).segments[0].program_date_time_us.has_value());
}
