// The media playlist writer against an in-memory store: what each closed segment makes of the
// playlist file (durations, dates, discontinuities at seams), where it says to cut, old segments
// deleted past max-files, EXT-X-ENDLIST once, and a write error that names the file.
#include "media_playlist_writer.h"

#include "memory_store.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

using namespace kek::hls;

namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr int64_t kWall = 1'795'502'771'000'000;  // 2026-11-24T06:46:11.000Z in us

using test::MemoryStore;

class MediaPlaylistWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { writer.start("/m/v0/index.m3u8", 2, 6, 3); }
  void segment(int n, uint64_t from_ms, uint64_t to_ms) {
    std::string path = "/m/v0/9-0000" + std::to_string(n) + ".ts";
    writer.opened(path, from_ms * kMs, kWall);
    ASSERT_FALSE(writer.closed(path, to_ms * kMs).has_value());
  }
  const std::string& text() { return store.files["/m/v0/index.m3u8"]; }

  MemoryStore store;
  MediaPlaylistWriter writer{store};
};

}  // namespace

TEST_F(MediaPlaylistWriterTest, EachClosedSegmentIsListedAndThePlaylistRewritten) {
  EXPECT_FALSE(writer.written());
  segment(0, 0, 2000);
  EXPECT_TRUE(writer.written());
  EXPECT_EQ(text(),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T06:46:11.000Z\n#EXTINF:2.000,\n9-00000.ts\n");
  segment(1, 2000, 3967);
  EXPECT_NE(text().find("#EXTINF:1.967,\n9-00001.ts\n"), std::string::npos) << text();
  EXPECT_EQ(store.writes, 2);
}

TEST_F(MediaPlaylistWriterTest, TheFirstSegmentAtOrAfterASeamIsDiscontinuousAndDatedAnew) {
  segment(0, 0, 2000);
  // The publisher was away: the wall clock moved 60 s further than the media.
  writer.add_seam(3500 * kMs, kWall + 60'000'000);
  EXPECT_FALSE(writer.should_cut(3000 * kMs, 0));  // neither the target nor the seam reached
  writer.opened("/m/v0/9-00001.ts", 2000 * kMs, kWall);
  EXPECT_TRUE(writer.should_cut(3500 * kMs, 0));   // the seam
  ASSERT_FALSE(writer.closed("/m/v0/9-00001.ts", 3500 * kMs));
  segment(2, 3500, 5500);
  EXPECT_NE(text().find("#EXTINF:1.500,\n9-00001.ts\n#EXT-X-DISCONTINUITY\n"
                        "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T06:47:14.500Z\n#EXTINF:2.000,\n9-00002.ts\n"),
            std::string::npos)
      << text();
}

TEST_F(MediaPlaylistWriterTest, ASeamBeforeTheFirstSegmentMarksNothing) {
  writer.add_seam(0, kWall);
  segment(0, 0, 2000);
  EXPECT_EQ(text().find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << text();
}

TEST_F(MediaPlaylistWriterTest, CutsAtTheFirstUnitThatReachesTheTarget) {
  writer.opened("/m/v0/9-00000.ts", 1000 * kMs, kWall);
  EXPECT_FALSE(writer.should_cut(2900 * kMs, 0));
  EXPECT_TRUE(writer.should_cut(2900 * kMs, 100 * kMs));  // an audio frame that would pass it
  EXPECT_TRUE(writer.should_cut(3000 * kMs, 0));
  EXPECT_FALSE(writer.should_cut(UINT64_MAX, 0));          // no time, no cut
}

TEST_F(MediaPlaylistWriterTest, SegmentsPastMaxFilesAreDeletedOldestFirst) {
  for (int n = 0; n < 5; ++n) segment(n, n * 2000, (n + 1) * 2000);
  EXPECT_EQ(store.removed, (std::vector<std::string>{"/m/v0/9-00000.ts", "/m/v0/9-00001.ts"}));
}

TEST_F(MediaPlaylistWriterTest, EndWritesTheEndlistOnce) {
  segment(0, 0, 2000);
  ASSERT_FALSE(writer.end());
  EXPECT_TRUE(writer.ended());
  EXPECT_EQ(text().substr(text().size() - 15), "#EXT-X-ENDLIST\n");
  int writes = store.writes;
  ASSERT_FALSE(writer.end());
  EXPECT_EQ(store.writes, writes);
}

TEST_F(MediaPlaylistWriterTest, AStreamStartingOnADeltaFrameIsNotIndependent) {
  writer.set_first_independent(false);
  segment(0, 0, 2000);
  EXPECT_EQ(text().find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos) << text();
}

TEST_F(MediaPlaylistWriterTest, AFailedWriteNamesThePlaylistAndTheReason) {
  store.fail_with = "No space left on device";
  writer.opened("/m/v0/9-00000.ts", 0, kWall);
  auto error = writer.closed("/m/v0/9-00000.ts", 2000 * kMs);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->what, "Could not write the HLS playlist /m/v0/index.m3u8");
  EXPECT_EQ(error->why, "No space left on device");
  EXPECT_FALSE(writer.written());
}

TEST_F(MediaPlaylistWriterTest, StartBeginsAnEmptyRun) {
  segment(0, 0, 2000);
  writer.add_seam(1000 * kMs, kWall);
  writer.start("/m/v0/index.m3u8", 2, 6, 3);
  EXPECT_FALSE(writer.written());
  EXPECT_TRUE(writer.playlist().segments().empty());
  writer.opened("/m/v0/10-00000.ts", 0, kWall);
  EXPECT_FALSE(writer.should_cut(1000 * kMs, 0));  // the old run's seam is gone
  EXPECT_TRUE(writer.should_cut(2000 * kMs, 0));
}

TEST_F(MediaPlaylistWriterTest, AnEventPlaylistIsVodOnceEnded) {
  writer.start("/m/v0/index.m3u8", 2, 0, 0, true);
  segment(0, 0, 2000);
  EXPECT_NE(text().find("#EXT-X-PLAYLIST-TYPE:EVENT\n"), std::string::npos) << text();
  ASSERT_FALSE(writer.end());
  EXPECT_NE(text().find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos) << text();
  EXPECT_TRUE(store.removed.empty());  // every segment kept
}

TEST(MediaPlaylistWriterBytes, ALongRewindWindowListsFewerSegmentsRatherThanFillTheDisk) {
  // A 30-minute window (900 segments of 2 s) bounded to 10 MB: 3 MB segments, so 3 are listed.
  MemoryStore store;
  MediaPlaylistWriter writer{store};
  writer.start("/m/v0/index.m3u8", 2, 900, 902, false, 10'000'000);
  for (int n = 0; n < 8; ++n) {
    const std::string path = "/m/v0/1-" + std::to_string(n) + ".ts";
    store.sizes[path] = 3'000'000;
    writer.opened(path, n * 2000 * kMs, kWall);
    ASSERT_FALSE(writer.closed(path, (n + 1) * 2000 * kMs).has_value());
  }
  EXPECT_EQ(writer.playlist().segments().size(), 3u);
  EXPECT_EQ(writer.playlist().media_sequence(), 5u);
  const std::string& text = store.files["/m/v0/index.m3u8"];
  EXPECT_EQ(text.find("1-4.ts"), std::string::npos) << text;
  EXPECT_NE(text.find("1-5.ts"), std::string::npos) << text;
  // On disk: the listed three and two more for players still fetching them; the rest deleted.
  EXPECT_EQ(store.removed, (std::vector<std::string>{"/m/v0/1-0.ts", "/m/v0/1-1.ts", "/m/v0/1-2.ts"}));
}

TEST(MediaPlaylistWriterBytes, SmallSegmentsFillTheWholeWindow) {
  MemoryStore store;
  MediaPlaylistWriter writer{store};
  writer.start("/m/v0/index.m3u8", 2, 5, 7, false, 10'000'000);
  for (int n = 0; n < 8; ++n) {
    const std::string path = "/m/v0/1-" + std::to_string(n) + ".ts";
    store.sizes[path] = 100'000;
    writer.opened(path, n * 2000 * kMs, kWall);
    ASSERT_FALSE(writer.closed(path, (n + 1) * 2000 * kMs).has_value());
  }
  EXPECT_EQ(writer.playlist().segments().size(), 5u) << "the window, not the bytes, bounds it";
  EXPECT_EQ(store.removed.size(), 1u);
}
