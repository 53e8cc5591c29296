// The job's disk work in a temporary item folder: a run starts from a clean folder with its
// subtitles converted, it plays once every rendition lists a segment, the published manifests
// carry the subtitles, the end of a run leaves the sprite index and the bandwidths.
#include "job_files.h"
#include "job_runner.h"
#include "vod_subtitles.h"

#include <glib/gstdio.h>

#include <gtest/gtest.h>

#include "support/wait.h"

using namespace kek::library;
using kek::test::read_file;

namespace {

class JobFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    g_autofree char* d = g_dir_make_tmp("kek-jobfiles-XXXXXX", nullptr);
    dir = d;
    source = dir + "/film.mp4";
    write("film.mp4", "not really a film");
  }
  void TearDown() override { remove_tree(dir); }
  void write(const std::string& rel, const std::string& text) {
    const std::string path = dir + "/" + rel;
    g_autofree char* parent = g_path_get_dirname(path.c_str());
    g_mkdir_with_parents(parent, 0755);
    ASSERT_TRUE(g_file_set_contents(path.c_str(), text.data(), static_cast<gssize>(text.size()), nullptr));
  }
  bool exists(const std::string& rel) { return g_file_test((dir + "/" + rel).c_str(), G_FILE_TEST_EXISTS); }
  // What kekdashsink writes once every rendition has its first segment.
  void package(bool with_segments) {
    write("stream/packaged.m3u8",
          "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,AUDIO=\"audio\"\n"
          "360p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180,AUDIO=\"audio\"\n180p/index.m3u8\n");
    write("stream/packaged.mpd", "<MPD>\n  <Period id=\"p0\">\n  </Period>\n</MPD>\n");
    const std::string listed = with_segments ? "#EXTINF:4.000,\n17-1.m4s\n" : "";
    for (const char* r : {"360p", "180p", "audio_0"}) write(std::string("stream/") + r + "/index.m3u8", "#EXTM3U\n" + listed);
  }
  std::string dir, source;
};

}  // namespace

TEST_F(JobFiles, ARunStartsFromACleanFolderWithItsSubtitlesConverted) {
  package(true);
  write("sprites/sheet-000.jpg", "jpeg");
  write("poster.jpg", "jpeg");
  write("subtitles/side.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi & bye\n");
  write("subtitles/bad.srt", "nothing timed here\n");
  SubtitleTrack side{4, "en", "", "subrip", "sidecar", dir + "/subtitles/side.srt", "", -1};
  SubtitleTrack bad{5, "fr", "", "subrip", "upload", dir + "/subtitles/bad.srt", "", -1};
  PrepareResult r = prepare_item_folder(source, dir, {side, bad}, 6.5);
  EXPECT_EQ(r.error, "");
  EXPECT_FALSE(exists("stream/packaged.m3u8"));
  EXPECT_FALSE(exists("sprites/sheet-000.jpg"));
  EXPECT_FALSE(exists("poster.jpg"));
  EXPECT_EQ(r.outputs[4], "subtitles/4.vtt");
  EXPECT_EQ(read_file(dir + "/subtitles/4.vtt"), "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi &amp; bye\n");
  EXPECT_EQ(read_file(dir + "/subtitles/4.m3u8"),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:7\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXTINF:6.500,\n4.vtt\n#EXT-X-ENDLIST\n");
  EXPECT_NE(r.errors[5].find("no cues"), std::string::npos) << r.errors[5];

  // The source is gone: the run cannot start, and says why.
  PrepareResult gone = prepare_item_folder(dir + "/nothing.mkv", dir, {}, 6);
  EXPECT_NE(gone.error.find("the source file is missing"), std::string::npos) << gone.error;
}

TEST_F(JobFiles, PlaysOnceEveryRenditionListsASegment) {
  EXPECT_FALSE(packaged_ladder_plays(dir, {"360p", "180p", "audio_0"})) << "nothing packaged yet";
  package(false);
  EXPECT_FALSE(packaged_ladder_plays(dir, {"360p", "180p", "audio_0"}));
  package(true);
  EXPECT_TRUE(packaged_ladder_plays(dir, {"360p", "180p", "audio_0"}));
  EXPECT_FALSE(packaged_ladder_plays(dir, {"360p", "720p"})) << "a rung with no playlist";
}

TEST_F(JobFiles, PublishedManifestsCarryTheSubtitles) {
  package(true);
  std::vector<SubtitleTrack> tracks = {{3, "de", "", "text", "embedded", "", "subtitles/3.vtt", 0},
                                       {4, "en", "en", "subrip", "upload", "", "subtitles/4.vtt", -1},
                                       {5, "fr", "", "subrip", "upload", "", "subtitles/5.srt", -1},
                                       {6, "en", "", "webvtt", "upload", "", "subtitles/6.vtt", -1}};
  auto subs = subtitle_renditions(tracks);
  ASSERT_EQ(subs.size(), 3u) << "an SRT not converted yet is not listed";
  EXPECT_EQ(subs[0].name, "German");
  EXPECT_EQ(subs[1].name, "English") << "a label that is only the code";
  EXPECT_EQ(subs[2].name, "English 2");
  EXPECT_EQ(subs[0].playlist, "../subtitles/3.m3u8");
  EXPECT_EQ(subs[0].vtt, "../subtitles/3.vtt");

  ASSERT_TRUE(publish_manifests(dir, subs, false).ok());
  const std::string master = read_file(dir + "/stream/master.m3u8");
  EXPECT_NE(master.find("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"German\",LANGUAGE=\"de\""), std::string::npos)
      << master;
  EXPECT_NE(master.find("AUDIO=\"audio\",SUBTITLES=\"subs\"\n360p/index.m3u8"), std::string::npos) << master;
  EXPECT_FALSE(exists("stream/manifest.mpd")) << "the MPD is the packager's until the end";
  ASSERT_TRUE(publish_manifests(dir, subs, true).ok());
  EXPECT_NE(read_file(dir + "/stream/manifest.mpd").find("<BaseURL>../subtitles/3.vtt</BaseURL>"), std::string::npos);
  EXPECT_FALSE(publish_manifests(dir + "/elsewhere", subs, false).ok());
}

TEST_F(JobFiles, TheEndOfARunLeavesTheSpriteIndexAndTheBandwidths) {
  package(true);
  write("poster.jpg", "jpeg");
  write("sprites/sheet-000.jpg", "jpeg");
  write("sprites/sheet-001.jpg", "jpeg");
  FinishResult r = finish_item_folder(dir, {}, 150, 640, 360, true);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.poster);
  EXPECT_EQ(r.kbps["360p"], 900);
  EXPECT_EQ(r.kbps["180p"], 400);
  EXPECT_EQ(r.sprite_vtt, "sprites/thumbnails.vtt");
  const std::string vtt = read_file(dir + "/sprites/thumbnails.vtt");
  // 150 s at one tile every 2 s: 75 tiles, all on the first sheet of 100.
  EXPECT_NE(vtt.find("00:02:28.000 --> 00:02:30.000\nsheet-000.jpg#xywh=640,630,160,90\n"), std::string::npos) << vtt;
  EXPECT_TRUE(exists("stream/manifest.mpd"));

  FinishResult nothing = finish_item_folder(dir + "/elsewhere", {}, 150, 640, 360, true);
  EXPECT_NE(nothing.error.find("without writing a playlist"), std::string::npos) << nothing.error;
}

TEST_F(JobFiles, ExtractedTextTracksAreCleanedOrDropped) {
  write("subtitles/7.vtt.part", "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nTom & Jerry <i>say</i> 1 < 2 &amp; more\n");
  auto out = finish_extracted_subtitle(dir, 7, 10);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "subtitles/7.vtt");
  EXPECT_EQ(read_file(dir + "/subtitles/7.vtt"),
            "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nTom &amp; Jerry <i>say</i> 1 &lt; 2 &amp; more\n");
  EXPECT_TRUE(exists("subtitles/7.m3u8"));
  EXPECT_FALSE(exists("subtitles/7.vtt.part"));
  write("subtitles/8.vtt.part", "WEBVTT\n\n");
  EXPECT_FALSE(finish_extracted_subtitle(dir, 8, 10).ok()) << "a track with no cue is not a rendition";
  EXPECT_FALSE(exists("subtitles/8.vtt"));
}

TEST(VodSubtitlesLine, ExtractsTextTracksOnly) {
  auto tracks = parse_text_tracks("0:3:text,2:9:ass");
  ASSERT_TRUE(tracks.ok()) << tracks.error().message;
  EXPECT_EQ(format_text_tracks(*tracks), "0:3:text,2:9:ass");
  EXPECT_FALSE(parse_text_tracks("0:3:pgs").ok()) << "bitmap subtitles";
  EXPECT_FALSE(parse_text_tracks("x:3:text").ok());
  EXPECT_FALSE(parse_text_tracks("").ok());
  auto t = vod_subtitles_template();
  auto line = vod_subtitles_launch([&](const std::string& n) {
    if (n == "source") return std::string("/f.mkv");
    if (n == "out") return std::string("/o");
    if (n == "tracks") return std::string("0:3:text,2:9:ass");
    return t.defaults.count(n) ? t.defaults.at(n) : std::string();
  });
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(*line,
            "filesrc location=${source} ! matroskademux name=demux demux.subtitle_0 ! queue max-size-buffers=0 "
            "max-size-bytes=0 max-size-time=0 ! webvttenc ! filesink location=\"${out}/subtitles/3.vtt.part\" "
            "sync=false async=false demux.subtitle_2 ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! "
            "ssaparse ! webvttenc ! filesink location=\"${out}/subtitles/9.vtt.part\" sync=false async=false");
}
