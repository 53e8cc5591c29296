// The master playlist writer against an in-memory store: when the master first appears (every
// variant described and its media playlist there), what BANDWIDTH says (declared until measured,
// then measured video + audio + PAT/PMT with headroom), and when it is rewritten.
#include "master_playlist_writer.h"

#include "memory_store.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

using namespace kek::hls;

namespace {

constexpr uint64_t kSecond = 1'000'000'000;

using test::MemoryStore;

VideoFormat format(int w, int h, std::string codec = "avc1.64001f") {
  VideoFormat f;
  f.have_caps = f.codec_known = true;
  f.width = w;
  f.height = h;
  f.fps_num = 30;
  f.codec = std::move(codec);
  return f;
}

Rates measured(uint64_t peak, uint64_t average) { return {peak, average, true}; }

class MasterWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer.start("/m/index.m3u8", 2 * kSecond);
    variants.push_back({"720p", false, true, &hi, {}, 3'000'000});
    variants.push_back({"360p", false, true, &lo, {}, 800'000});
  }
  std::optional<WriteError> update(uint64_t ts, bool final = false) {
    return writer.update(variants, &audio, ts, final);
  }
  const std::string& text() { return store.files["/m/index.m3u8"]; }

  MemoryStore store;
  MasterPlaylistWriter writer{store};
  VideoFormat hi = format(1280, 720), lo = format(640, 360, "avc1.4d401e");
  MasterAudio audio{true, "mp4a.40.2", {}};
  std::vector<MasterVariant> variants;
};

}  // namespace

TEST_F(MasterWriterTest, DeclaredBitratesStandInUntilMeasured) {
  ASSERT_FALSE(update(0));
  EXPECT_EQ(text(),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\","
            "FRAME-RATE=30.000\n720p/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\","
            "FRAME-RATE=30.000\n360p/index.m3u8\n");
}

TEST_F(MasterWriterTest, WaitsForEveryMediaPlaylistExceptAtTheEnd) {
  variants[1].playlist_written = false;
  ASSERT_FALSE(update(0));
  EXPECT_FALSE(writer.written());
  EXPECT_EQ(store.writes, 0);
  ASSERT_FALSE(update(0, true));  // EOS: the playlists are about to be written
  EXPECT_TRUE(writer.written());
}

TEST_F(MasterWriterTest, WaitsForCapsCodecAndAFigure) {
  audio.have_caps = false;
  ASSERT_FALSE(update(0));
  audio.have_caps = true;
  lo.codec_known = false;
  ASSERT_FALSE(update(0));
  lo.codec_known = true;
  variants[1].declared_bps = 0;  // nothing declared, nothing measured yet
  ASSERT_FALSE(update(0));
  EXPECT_EQ(store.writes, 0);
  variants[1].rates = measured(700'000, 600'000);
  audio.rates = measured(130'000, 128'000);
  ASSERT_FALSE(update(0));
  EXPECT_TRUE(writer.written());
}

TEST_F(MasterWriterTest, MeasuredIsVideoPlusAudioPlusPsiWithHeadroomOnThePeak) {
  variants[0].rates = measured(2'000'000, 1'500'000);
  variants[1].rates = measured(700'000, 600'000);
  audio.rates = measured(130'000, 128'000);
  ASSERT_FALSE(update(0));
  uint64_t peak = (2'000'000 + 130'000 + kPsiBitsPerSecond) * (100 + kPeakHeadroomPercent) / 100;
  uint64_t average = 1'500'000 + 128'000 + kPsiBitsPerSecond;
  EXPECT_NE(text().find("BANDWIDTH=" + std::to_string(peak) + ",AVERAGE-BANDWIDTH=" + std::to_string(average) + ","),
            std::string::npos)
      << text();
}

TEST_F(MasterWriterTest, RewrittenWhenAFigureMovesMoreThanTenPercentAtMostOnceAWindow) {
  variants[0].rates = measured(2'000'000, 1'500'000);
  variants[1].rates = measured(700'000, 600'000);
  audio.rates = measured(130'000, 128'000);
  ASSERT_FALSE(update(0));
  EXPECT_EQ(store.writes, 1);
  variants[0].rates = measured(2'100'000, 1'550'000);  // +5%: not worth a rewrite
  ASSERT_FALSE(update(4 * kSecond));
  EXPECT_EQ(store.writes, 1);
  variants[0].rates = measured(3'000'000, 1'600'000);  // +50%, but within a window of the last write
  ASSERT_FALSE(update(1 * kSecond));
  EXPECT_EQ(store.writes, 1);
  ASSERT_FALSE(update(2 * kSecond));
  EXPECT_EQ(store.writes, 2);
  EXPECT_EQ(writer.last_write_ts(), 2 * kSecond);
}

TEST_F(MasterWriterTest, AFormatChangeIsWrittenAtOnce) {
  ASSERT_FALSE(update(0));
  hi = format(1920, 1080);
  writer.format_changed();
  ASSERT_FALSE(update(100));
  EXPECT_NE(text().find("RESOLUTION=1920x1080"), std::string::npos) << text();
  EXPECT_EQ(store.writes, 2);
}

TEST_F(MasterWriterTest, TheShownSizeIsTheSpsOne) {
  hi.sps_width = 854;
  hi.sps_height = 480;
  ASSERT_FALSE(update(0));
  EXPECT_NE(text().find("RESOLUTION=854x480"), std::string::npos) << text();
}

TEST_F(MasterWriterTest, AnUnknownVideoCodecLeavesCodecsOut) {
  lo.codec.clear();
  ASSERT_FALSE(update(0));
  EXPECT_NE(text().find("RESOLUTION=640x360,FRAME-RATE"), std::string::npos) << text();
}

TEST_F(MasterWriterTest, AudioOnlyVariant) {
  variants.clear();
  variants.push_back({"audio", true, true, nullptr, {}, 0});
  audio.rates = measured(130'000, 128'000);
  ASSERT_FALSE(update(0));
  EXPECT_EQ(text(), "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=" +
                        std::to_string((130'000 + kPsiBitsPerSecond) * (100 + kPeakHeadroomPercent) / 100) +
                        ",AVERAGE-BANDWIDTH=" + std::to_string(128'000 + kPsiBitsPerSecond) +
                        ",CODECS=\"mp4a.40.2\"\naudio/index.m3u8\n");
}

TEST_F(MasterWriterTest, AFailedWriteNamesTheFileAndIsTriedAgain) {
  store.fail_with = "Permission denied";
  auto error = update(0);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->what, "Could not write the HLS master playlist /m/index.m3u8");
  EXPECT_EQ(error->why, "Permission denied");
  EXPECT_FALSE(writer.written());
  store.fail_with.clear();
  ASSERT_FALSE(update(0));
  EXPECT_TRUE(writer.written());
}
