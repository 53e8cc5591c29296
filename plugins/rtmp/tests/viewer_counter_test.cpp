// Viewer counts from hand-made fetch times: a viewer is counted from its first fetch, and is
// gone soon after it stops, however long its segments are.
#include "viewer_counter.h"

#include <gtest/gtest.h>

namespace kek::rtmp {
namespace {

constexpr int64_t kS = 1000 * 1000;

TEST(ViewerCounter, CountsFromTheFirstFetchAndDropsALeaverWithinFiveSeconds) {
  ViewerCounter v;
  // A player of 2 s segments: playlist and segment every 2 s.
  for (int64_t t = 0; t <= 10; t += 2) {
    v.seen("live/cam/index.m3u8", "a", t * kS);
    v.seen("live/cam/1-00001.ts", "a", t * kS + 100000);
  }
  v.seen("live/cam/index.m3u8", "b", 3 * kS);
  EXPECT_EQ(v.count("live", "cam", 3 * kS), 2) << "b counts from its first fetch";
  EXPECT_EQ(v.count("live", "cam", 10 * kS), 1) << "b fetched once, at 3 s, and left";
  EXPECT_EQ(v.count("live", "cam", 14 * kS), 1);
  EXPECT_EQ(v.count("live", "cam", 15200 * 1000), 0) << "a stopped at 10.1 s: gone within 5 s";
  EXPECT_EQ(v.count("live", "other", 10 * kS), 0);
}

TEST(ViewerCounter, LongSegmentsDoNotMakeAViewerBlink) {
  ViewerCounter v;
  // OBS's default keyframes: 8.3 s segments, a playlist reload each.
  for (int i = 0; i < 5; ++i) v.seen("live/cam/index.m3u8", "a", i * 8300 * 1000);
  const int64_t last = 4 * 8300 * 1000;
  EXPECT_EQ(v.count("live", "cam", last + 8 * kS), 1) << "still there between two fetches";
  EXPECT_EQ(v.count("live", "cam", last + 13 * kS), 0) << "gone after 1.5 of its gaps";
}

TEST(ViewerCounter, OnlyMediaCountsAndThumbnailsDoNot) {
  ViewerCounter v;
  v.seen("live/cam/thumb.jpg", "a", 0);
  v.seen("live", "a", 0);
  EXPECT_EQ(v.count("live", "cam", 0), 0);
  v.seen("live/cam/dash/manifest.mpd", "a", 0);
  EXPECT_EQ(v.count("live", "cam", 0), 1);
}

}  // namespace
}  // namespace kek::rtmp
