// The subtitle tracks' languages read from the demuxer (what GstDiscoverer may answer without):
// an MKV and an MP4 made by ffmpeg with a German and a French track, an untagged file, a
// container it does not read.
#include "subtitle_languages.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kek::library;

namespace {

class SubtitleLanguages : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    g_autofree char* d = g_dir_make_tmp("kek-sublang-XXXXXX", nullptr);
    dir = d;
    const std::string srt = dir + "/a.srt";
    g_file_set_contents(srt.c_str(), "1\n00:00:00,200 --> 00:00:01,500\nHallo\n", -1, nullptr);
  }
  void TearDown() override {
    for (const char* name : {"a.srt", "film.mkv", "film.mp4"}) g_unlink((dir + "/" + name).c_str());
    g_rmdir(dir.c_str());
  }
  // A 2 s film with two subtitle tracks (languages given as ffmpeg options).
  bool make(const std::string& name, const std::string& codec, const std::string& languages) {
    const std::string cmd = "ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=160x90:rate=25 -i " + dir +
                            "/a.srt -i " + dir + "/a.srt -t 2 -map 0:v -map 1:s -map 2:s -c:v libx264 -preset ultrafast -c:s " +
                            codec + " " + languages + " " + dir + "/" + name;
    gint status = 1;
    return g_spawn_command_line_sync(cmd.c_str(), nullptr, nullptr, &status, nullptr) && status == 0;
  }
  std::string dir;
};

TEST_F(SubtitleLanguages, MatroskaTracksInTheirOrder) {
  ASSERT_TRUE(make("film.mkv", "srt", "-metadata:s:s:0 language=ger -metadata:s:s:1 language=fre"));
  EXPECT_EQ(read_subtitle_languages(dir + "/film.mkv", "matroska", 2, 5000), (std::vector<std::string>{"de", "fr"}));
}

TEST_F(SubtitleLanguages, Mp4TextTracks) {
  ASSERT_TRUE(make("film.mp4", "mov_text", "-metadata:s:s:0 language=ger -metadata:s:s:1 language=fre"));
  EXPECT_EQ(read_subtitle_languages(dir + "/film.mp4", "mp4", 2, 5000), (std::vector<std::string>{"de", "fr"}));
}

TEST_F(SubtitleLanguages, OtherContainersAndNoTracksGiveNothing) {
  EXPECT_TRUE(read_subtitle_languages(dir + "/a.srt", "mpegts", 1, 1000).empty());
  EXPECT_TRUE(read_subtitle_languages(dir + "/film.mkv", "matroska", 0, 1000).empty());
  // A file that is not there: every track unnamed, at once.
  EXPECT_EQ(read_subtitle_languages(dir + "/missing.mkv", "matroska", 1, 5000), (std::vector<std::string>{""}));
}

}  // namespace
