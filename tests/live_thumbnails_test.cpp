// Live thumbnails end to end: ffmpeg publishes to a real `kek serve`, the layout's
// kekthumbnailsink writes media/live/<stream>/thumb.jpg, /api/live names it with a version that
// changes with the picture, and /media/ serves it as a JPEG.
#include "support/http_client.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <regex>

using namespace kek::test;

namespace {

// The stream's entry of /api/live as text ("" while it is not listed).
std::string live_entry(const KekProcess& kek, const std::string& stream) {
  const std::string body = http_get(kek.http_url(), "/api/live").body;
  const size_t at = body.find("{\"stream\":\"" + stream + "\"");
  if (at == std::string::npos) return "";
  // To the brace that closes it: entries hold objects of their own ("ingest").
  int depth = 0;
  for (size_t i = at; i < body.size(); ++i) {
    if (body[i] == '{') ++depth;
    if (body[i] == '}' && --depth == 0) return body.substr(at, i - at + 1);
  }
  return body.substr(at);
}

// The thumbnail URL of the entry, "null" when there is none, "" when the key is missing.
std::string thumbnail_of(const std::string& entry) {
  std::smatch m;
  if (std::regex_search(entry, m, std::regex("\"thumbnail\":(null|\"([^\"]*)\")")))
    return m[2].matched ? m[2].str() : "null";
  return "";
}

std::string version_of(const std::string& url) {
  const size_t at = url.find("?v=");
  return at == std::string::npos ? "" : url.substr(at + 3);
}

}  // namespace

TEST(LiveThumbnails, APublishedStreamHasAPictureThatIsRenewed) {
  // The shipped `live` template (passthrough HLS): its default is a picture every 10 s.
  TemplateDir t;
  KekProcess kek({.extra_yaml = live_app_config(t, "live")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/cam-key-001", 40, true, true, /*gop=*/25);
  std::string url;
  ASSERT_TRUE(wait_for([&] {
    url = thumbnail_of(live_entry(kek, "cam"));
    return !url.empty() && url != "null";
  }, 20000)) << live_entry(kek, "cam") << "\n" << kek.output();
  EXPECT_TRUE(std::regex_match(url, std::regex("/media/live/cam/thumb\\.jpg\\?v=[0-9]+"))) << url;

  auto got = http_get(kek.http_url(), url);
  ASSERT_EQ(got.status, 200) << url;
  EXPECT_EQ(got.header("content-type"), "image/jpeg");
  ASSERT_GE(got.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(got.body[0]), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(got.body[1]), 0xD8);
  // Cached for good by browsers: which is why the URL carries the picture's version.
  EXPECT_NE(got.header("cache-control").find("immutable"), std::string::npos) << got.header("cache-control");
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                "csv=p=0", kek.media_dir() + "/live/cam/thumb.jpg"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("mjpeg,320,180"), std::string::npos) << out;

  // One interval later the picture is new, and so is the URL.
  const std::string first = version_of(url);
  std::string later;
  ASSERT_TRUE(wait_for([&] {
    later = thumbnail_of(live_entry(kek, "cam"));
    return !version_of(later).empty() && version_of(later) != first;
  }, 16000)) << url << " then " << later;
  EXPECT_EQ(http_get(kek.http_url(), later).status, 200);
  pub->kill_now(SIGTERM);
  pub->wait(10000);
}

TEST(LiveThumbnails, AStreamNobodyListsKeepsItsFirstPictureUntilItIsListed) {
  // On demand (plugins/thumbnails/README.md): the first keyframe's picture at once, then a new one
  // only after /api/live listed the stream. A picture a second and a keyframe a second here.
  TemplateDir t;
  t.add("quick", "name: quick\ndefaults: {thumbnail_interval: \"1\"}\n"
                 "source: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [hls]\n");
  KekProcess kek({.extra_yaml = live_app_config(t, "quick")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/cam-key-001", 30, true, true, /*gop=*/25);
  const std::string path = kek.media_dir() + "/live/cam/thumb.jpg";
  // Each picture is a new file renamed over the last: its inode says which picture it is.
  auto picture = [&]() -> guint64 {
    GStatBuf st;
    return g_stat(path.c_str(), &st) == 0 ? static_cast<guint64>(st.st_ino) : 0;
  };
  ASSERT_TRUE(wait_for([&] { return picture() != 0; }, 20000)) << kek.output();
  const guint64 first = picture();
  // Three intervals, three keyframes, nobody listing: the same picture.
  g_usleep(3 * G_USEC_PER_SEC);
  EXPECT_EQ(picture(), first) << "a picture nobody asked for was made";
  // Listed once: the answer names the picture there is, and a new one follows within a keyframe.
  const std::string url = thumbnail_of(live_entry(kek, "cam"));
  EXPECT_TRUE(url.starts_with("/media/live/cam/thumb.jpg?v=")) << url;
  EXPECT_TRUE(wait_for([&] { return picture() != first; }, 5000)) << "no new picture after the listing";
  const guint64 second = picture();
  g_usleep(3 * G_USEC_PER_SEC);
  EXPECT_EQ(picture(), second) << "one listing, one new picture";
  pub->kill_now(SIGTERM);
  pub->wait(10000);
}

TEST(LiveThumbnails, AnAudioOnlyStreamHasNoneAndPlays) {
  TemplateDir t;
  KekProcess kek({.extra_yaml = live_app_config(t, "live")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/cam-key-001", 8, /*video=*/false, /*audio=*/true);
  const std::string playlist = kek.media_dir() + "/live/cam/index.m3u8";
  ASSERT_TRUE(wait_for([&] { return read_file(playlist).find("#EXTM3U") != std::string::npos; }, 20000)) << kek.output();
  EXPECT_EQ(thumbnail_of(live_entry(kek, "cam")), "null") << live_entry(kek, "cam");
  EXPECT_NE(http_get(kek.http_url(), "/api/pipelines/live-cam").body.find("\"running\""), std::string::npos);
  EXPECT_FALSE(g_file_test((kek.media_dir() + "/live/cam/thumb.jpg").c_str(), G_FILE_TEST_EXISTS));
  EXPECT_EQ(pub->wait(30000), 0) << pub->output();
}

TEST(LiveThumbnails, ARecordOnlyLayoutHasOneAndATemplateCanTurnItOff) {
  TemplateDir t;
  t.add("rec", "name: rec\nsource: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [record]\n");
  t.add("quiet", "name: quiet\ndefaults: {thumbnails: \"false\"}\n"
                 "source: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [hls]\n");
  {
    // No HLS or DASH folder: the stream's folder is made for the picture alone.
    KekProcess kek({.extra_yaml = live_app_config(t, "rec")});
    ASSERT_TRUE(kek.ready()) << kek.output();
    auto pub = publish_test_stream(kek.endpoint("rtmp") + "/cam-key-001", 20, true, true, /*gop=*/25);
    ASSERT_TRUE(wait_for([&] { return thumbnail_of(live_entry(kek, "cam")).starts_with("/media/live/cam/thumb.jpg?v="); },
                         20000))
        << live_entry(kek, "cam") << "\n" << kek.output();
    pub->kill_now(SIGTERM);
    pub->wait(10000);
  }
  {
    KekProcess kek({.extra_yaml = live_app_config(t, "quiet")});
    ASSERT_TRUE(kek.ready()) << kek.output();
    auto pub = publish_test_stream(kek.endpoint("rtmp") + "/cam-key-001", 8, true, true, /*gop=*/25);
    const std::string playlist = kek.media_dir() + "/live/cam/index.m3u8";
    ASSERT_TRUE(wait_for([&] { return read_file(playlist).find("#EXTM3U") != std::string::npos; }, 20000)) << kek.output();
    g_usleep(2 * G_USEC_PER_SEC);  // well past the first keyframe
    EXPECT_EQ(thumbnail_of(live_entry(kek, "cam")), "null") << live_entry(kek, "cam");
    EXPECT_FALSE(g_file_test((kek.media_dir() + "/live/cam/thumb.jpg").c_str(), G_FILE_TEST_EXISTS));
    EXPECT_EQ(pub->wait(30000), 0) << pub->output();
  }
}
