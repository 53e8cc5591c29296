#include "media_playlist.h"

#include <gtest/gtest.h>

#include <string>

using namespace kek::hls;

namespace {

constexpr uint64_t kMs = 1'000'000;

MediaSegment seg(int n, uint64_t ms = 2000, bool discontinuity = false) {
  MediaSegment s;
  s.uri = "s" + std::to_string(n) + ".ts";
  s.duration_ns = ms * kMs;
  s.discontinuity = discontinuity;
  return s;
}

}  // namespace

TEST(MediaPlaylist, EmptyHasTheHeaderOnly) {
  MediaPlaylist p(2, 6);
  EXPECT_EQ(p.render(),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n");
}

TEST(MediaPlaylist, SegmentsWithThreeDecimals) {
  MediaPlaylist p(2, 6);
  p.add(seg(0, 2000));
  MediaSegment s = seg(1);
  s.duration_ns = 1'966'666'667;  // 59 frames at 30 fps
  p.add(s);
  EXPECT_EQ(p.render(),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:2.000,\ns0.ts\n#EXTINF:1.967,\ns1.ts\n");
}

TEST(MediaPlaylist, WindowSlidesAndCountsTheMediaSequence) {
  MediaPlaylist p(2, 3);
  for (int i = 0; i < 5; ++i) p.add(seg(i));
  ASSERT_EQ(p.segments().size(), 3u);
  EXPECT_EQ(p.segments().front().uri, "s2.ts");
  EXPECT_EQ(p.media_sequence(), 2u);
  std::string text = p.render();
  EXPECT_NE(text.find("#EXT-X-MEDIA-SEQUENCE:2\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("s1.ts"), std::string::npos) << text;
  EXPECT_NE(text.find("s4.ts"), std::string::npos) << text;
}

TEST(MediaPlaylist, ZeroWindowKeepsEverything) {
  MediaPlaylist p(2, 0);
  for (int i = 0; i < 50; ++i) p.add(seg(i));
  EXPECT_EQ(p.segments().size(), 50u);
  EXPECT_EQ(p.media_sequence(), 0u);
}

TEST(MediaPlaylist, AnEventPlaylistBecomesVodWhenItEnds) {
  MediaPlaylist p(4, 0);
  p.set_event(true);
  p.add(seg(0, 4000));
  EXPECT_EQ(p.render(),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-TARGETDURATION:4\n"
            "#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:4.000,\ns0.ts\n");
  p.end();
  std::string text = p.render();
  EXPECT_NE(text.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("EVENT"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("s0.ts\n#EXT-X-ENDLIST\n")) << text;
  MediaPlaylist sliding(2, 6);  // a sliding window is never an event playlist
  sliding.set_event(true);
  EXPECT_EQ(sliding.render().find("PLAYLIST-TYPE"), std::string::npos);
}

TEST(MediaPlaylist, DiscontinuityTagBeforeItsSegmentWithADate) {
  MediaPlaylist p(2, 6);
  MediaSegment a = seg(0);
  a.start_unix_ms = 1732425721123;  // 2024-11-24T05:22:01.123Z
  p.add(a);
  MediaSegment b = seg(1);
  b.start_unix_ms = a.start_unix_ms + 2000;
  p.add(b);  // no date: continues the first
  MediaSegment c = seg(2, 2000, true);
  c.start_unix_ms = a.start_unix_ms + 9000;  // the publisher was away for 5 s
  p.add(c);
  EXPECT_EQ(p.render(),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXT-X-PROGRAM-DATE-TIME:2024-11-24T05:22:01.123Z\n#EXTINF:2.000,\ns0.ts\n"
            "#EXTINF:2.000,\ns1.ts\n"
            "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2024-11-24T05:22:10.123Z\n#EXTINF:2.000,\ns2.ts\n");
}

TEST(MediaPlaylist, TheFirstListedSegmentCarriesTheDateAfterSliding) {
  MediaPlaylist p(2, 2);
  for (int i = 0; i < 3; ++i) {
    MediaSegment s = seg(i);
    s.start_unix_ms = 1000LL * i;
    p.add(s);
  }
  std::string text = p.render();
  EXPECT_NE(text.find("#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:01.000Z\n#EXTINF:2.000,\ns1.ts\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("00:00:02.000Z"), std::string::npos) << text;
}

TEST(MediaPlaylist, DiscontinuitySequenceCountsTagsThatSlidOut) {
  MediaPlaylist p(2, 2);
  p.add(seg(0));
  p.add(seg(1, 2000, true));
  p.add(seg(2));
  // s1 is first now and still carries its tag.
  EXPECT_EQ(p.discontinuity_sequence(), 0u);
  EXPECT_NE(p.render().find("#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\ns1.ts\n"), std::string::npos) << p.render();
  p.add(seg(3, 2000, true));
  EXPECT_EQ(p.discontinuity_sequence(), 1u);
  p.add(seg(4));
  EXPECT_EQ(p.discontinuity_sequence(), 1u);
  p.add(seg(5));
  EXPECT_EQ(p.discontinuity_sequence(), 2u);
  std::string text = p.render();
  EXPECT_NE(text.find("#EXT-X-DISCONTINUITY-SEQUENCE:2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXT-X-MEDIA-SEQUENCE:4\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << text;
}

// RFC 8216 4.3.3.1 and 8216bis 4.4.3.1: "The EXTINF duration of each Media Segment ..., when
// rounded to the nearest integer, MUST be less than or equal to the target duration".
TEST(MediaPlaylist, TargetDurationIsTheLongestSegmentEverListedRoundedToTheNearestInteger) {
  MediaPlaylist p(2, 2);
  p.add(seg(0, 2000));
  EXPECT_EQ(p.target_duration(), 2u);
  p.add(seg(1, 2000) /* exactly the target */);
  MediaSegment priming = seg(2);
  priming.duration_ns = 2'021'000'000;  // an RTMP publish's first segment with one AAC frame more
  p.add(priming);
  MediaSegment almost_half = seg(3);
  almost_half.duration_ns = 2'499'400'000;  // EXTINF 2.499: rounds to 2
  p.add(almost_half);
  EXPECT_EQ(p.target_duration(), 2u);
  EXPECT_NE(p.render().find("#EXT-X-TARGETDURATION:2\n"), std::string::npos) << p.render();
  MediaSegment half = seg(4);
  half.duration_ns = 2'499'500'000;  // EXTINF 2.500: a half rounds up, as players round
  p.add(half);
  EXPECT_EQ(p.target_duration(), 3u);
  p.add(seg(5, 3600));  // EXTINF 3.600 rounds to 4
  EXPECT_EQ(p.target_duration(), 4u);
  // Once the long one slid out the target stays (RFC 8216: it must not shrink).
  p.add(seg(6));
  p.add(seg(7));
  EXPECT_EQ(p.target_duration(), 4u);
  EXPECT_NE(p.render().find("#EXT-X-TARGETDURATION:4\n"), std::string::npos);
  // Never below the configured target, however short the segments.
  MediaPlaylist q(6, 0);
  q.add(seg(0, 1000));
  EXPECT_EQ(q.target_duration(), 6u);
  // Every EXTINF listed, rounded to the nearest integer, is within the target.
  MediaPlaylist r(2, 0);
  for (uint64_t ms : {2000u, 2021u, 1979u, 2450u, 2033u}) {
    MediaSegment s = seg(0);
    s.duration_ns = ms * 1'000'000;
    r.add(s);
  }
  EXPECT_EQ(r.target_duration(), 2u);
}

TEST(MediaPlaylist, EndListClosesItAndNothingFollows) {
  MediaPlaylist p(2, 6);
  p.add(seg(0));
  p.end();
  p.add(seg(1));
  std::string text = p.render();
  EXPECT_TRUE(p.ended());
  EXPECT_EQ(p.segments().size(), 1u);
  ASSERT_GE(text.size(), 15u);
  EXPECT_EQ(text.substr(text.size() - 15), "#EXT-X-ENDLIST\n") << text;
}

TEST(MediaPlaylist, IndependentSegmentsOnlyWhenEverySegmentStartsWithAKeyframe) {
  MediaPlaylist p(2, 2);
  MediaSegment s = seg(0);
  s.independent = false;
  p.add(s);
  p.add(seg(1));
  EXPECT_EQ(p.render().find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos);
  p.add(seg(2));  // the one that did not start with a keyframe slid out
  EXPECT_NE(p.render().find("#EXT-X-INDEPENDENT-SEGMENTS\n"), std::string::npos);
}

TEST(ProgramDateTime, IsoUtcWithMilliseconds) {
  EXPECT_EQ(format_program_date_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_program_date_time(1732425721123), "2024-11-24T05:22:01.123Z");
}
