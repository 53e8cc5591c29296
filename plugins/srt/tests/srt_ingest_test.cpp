// SRT ingest against a real kek serve: ffmpeg publishes MPEG-TS over SRT with a stream key; the
// stream is listed by /api/live and plays as HLS (ffprobe reads it). A wrong key is rejected in
// the handshake: ffmpeg fails and nothing is started.
#include "support/http_client.h"
#include "support/kek_process.h"
#include "support/wait.h"

#include <gtest/gtest.h>

#include <memory>

using namespace kek::test;

namespace {

KekOptions srt_server() {
  KekOptions o;
  o.extra_yaml =
      "plugins:\n"
      "  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0, keys: [\"cam:cam-key-001\"]}}\n"
      "  - {name: srt, args: {address: 127.0.0.1, port: 0}}\n";
  return o;
}

// ffmpeg sending a 320x180 test pattern and a tone as MPEG-TS over SRT, in real time. ffmpeg
// 5.1 takes the streamid as written (no percent-decoding), as OBS does.
std::unique_ptr<BackgroundProcess> publish_srt(const std::string& endpoint, const std::string& streamid, int seconds,
                                               const std::string& video_codec = "libx264") {
  return std::make_unique<BackgroundProcess>(std::vector<std::string>{
      "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
      "-f", "lavfi", "-i", "sine", "-t", std::to_string(seconds), "-c:v", video_codec, "-preset", "ultrafast", "-g",
      "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts",
      endpoint + "?streamid=" + streamid + "&connect_timeout=3000"});
}

}  // namespace

TEST(SrtIngest, AGoodKeyIsListedAndPlaysAsHls) {
  KekProcess kek(srt_server());
  ASSERT_TRUE(kek.ready()) << kek.output();
  ASSERT_FALSE(kek.endpoint("srt").empty()) << kek.output();
  auto pub = publish_srt(kek.endpoint("srt"), "#!::r=live/cam-key-001,m=publish", 5);
  std::string live;
  ASSERT_TRUE(wait_for([&] {
    live = http_get(kek.http_url(), "/api/live").body;
    return live.find("\"stream\":\"cam\"") != std::string::npos;
  }, 15000)) << kek.output() << pub->output();
  EXPECT_NE(live.find("\"client\":\"SRT\""), std::string::npos) << live;
  EXPECT_EQ(live.find("cam-key-001"), std::string::npos) << "the key is secret: " << live;
  ASSERT_TRUE(wait_for([&] {
    return g_file_test((kek.media_dir() + "/live/cam/source/index.m3u8").c_str(), G_FILE_TEST_EXISTS) &&
           http_get(kek.http_url(), "/media/live/cam/source/index.m3u8").body.find("#EXTINF") != std::string::npos;
  }, 15000)) << kek.output();
  auto [status, streams] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height",
                                        "-of", "csv=p=0", kek.http_url() + "media/live/cam/index.m3u8"},
                                       30000);
  EXPECT_EQ(status, 0) << streams;
  EXPECT_NE(streams.find("h264,320,180"), std::string::npos) << streams;
  EXPECT_NE(streams.find("aac"), std::string::npos) << streams;
  EXPECT_EQ(pub->wait(20000), 0) << pub->output();
  // The publisher is gone: so is the stream.
  EXPECT_TRUE(wait_for([&] {
    return http_get(kek.http_url(), "/api/live").body.find("\"stream\":\"cam\"") == std::string::npos;
  }, 10000)) << kek.output();
}

TEST(SrtIngest, AWrongKeyIsRejectedBeforeAnyMedia) {
  KekProcess kek(srt_server());
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto wrong = publish_srt(kek.endpoint("srt"), "#!::r=live/not-a-key,m=publish", 2);
  EXPECT_NE(wrong->wait(20000), 0) << "a wrong key must not publish: " << wrong->output();
  auto plain_wrong = publish_srt(kek.endpoint("srt"), "nope-nope-nope", 2);
  EXPECT_NE(plain_wrong->wait(20000), 0) << plain_wrong->output();
  EXPECT_NE(kek.output().find("SRT publish refused"), std::string::npos) << kek.output();
  EXPECT_EQ(kek.output().find("not-a-key"), std::string::npos) << "keys are not logged: " << kek.output();
  EXPECT_EQ(kek.output().find("…"), std::string::npos) << "not even a part of a key: " << kek.output();
  EXPECT_EQ(http_get(kek.http_url(), "/api/live").body, "[]");
  EXPECT_FALSE(g_file_test((kek.media_dir() + "/live").c_str(), G_FILE_TEST_EXISTS) &&
               g_file_test((kek.media_dir() + "/live/cam").c_str(), G_FILE_TEST_EXISTS));
  EXPECT_EQ(kek.output().find("is live"), std::string::npos) << kek.output();
}

TEST(SrtIngest, APlainKeyPublishes) {
  KekProcess kek(srt_server());
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish_srt(kek.endpoint("srt"), "cam-key-001", 3);
  EXPECT_TRUE(wait_for([&] {
    return http_get(kek.http_url(), "/api/live").body.find("\"stream\":\"cam\"") != std::string::npos;
  }, 15000)) << kek.output() << pub->output();
  EXPECT_EQ(pub->wait(20000), 0) << pub->output();
  EXPECT_EQ(kek.stop(), 0) << kek.output();
}

TEST(SrtIngest, HevcIsRefusedWithTheReasonNotPackagedAudioOnly) {
  KekProcess kek(srt_server());
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish_srt(kek.endpoint("srt"), "cam-key-001", 4, "libx265");
  EXPECT_TRUE(wait_for([&] {
    return kek.output().find("KEK accepts H.264 video and AAC audio; this stream sends video/x-h265") !=
           std::string::npos;
  }, 15000)) << kek.output();
  pub->wait(20000);
  EXPECT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/live").body == "[]"; }, 5000)) << kek.output();
  EXPECT_FALSE(g_file_test((kek.media_dir() + "/live/cam/source/index.m3u8").c_str(), G_FILE_TEST_EXISTS));
  // The next publish with the key works.
  auto good = publish_srt(kek.endpoint("srt"), "cam-key-001", 3);
  EXPECT_TRUE(wait_for([&] {
    return http_get(kek.http_url(), "/api/live").body.find("\"stream\":\"cam\"") != std::string::npos;
  }, 15000)) << kek.output();
  EXPECT_EQ(good->wait(20000), 0) << good->output();
  EXPECT_EQ(kek.stop(), 0) << kek.output();
}

TEST(SrtIngest, AServerStoppedMidPublishExitsCleanly) {
  KekProcess kek(srt_server());
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish_srt(kek.endpoint("srt"), "cam-key-001", 20);
  ASSERT_TRUE(wait_for([&] {
    return http_get(kek.http_url(), "/api/live").body.find("\"stream\":\"cam\"") != std::string::npos;
  }, 15000)) << kek.output();
  EXPECT_EQ(kek.stop(), 0) << kek.output();
  pub->kill_now();
}
