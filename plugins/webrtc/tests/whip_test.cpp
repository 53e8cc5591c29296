// WHIP against a real kek serve: Debian's Chromium publishes its fake camera and microphone
// (whip_publish.mjs) with its stream key as the Bearer token; the stream appears in /api/live
// and its HLS is read by ffprobe (H.264 as sent, AAC made from the Opus). A wrong key, or none,
// is refused with 401 before any WebRTC is set up.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <gtest/gtest.h>

using namespace kek::test;
using kek::auth::test::Browser;

namespace {

// A browser's sendonly offer of H.264 and Opus (the key is refused before it is read).
constexpr const char* kPublishOffer =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:kek1\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\na=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\na=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n";

std::string source_dir() { return g_getenv("KEK_SOURCE_DIR") ? g_getenv("KEK_SOURCE_DIR") : "."; }

}  // namespace

TEST(Whip, ChromiumPublishesIntoTheLiveLayoutsAndAWrongKeyIsRefused) {
  KekOptions o;
  o.extra_yaml = "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n  - {name: webrtc}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna(kek.http_url());
  const StreamKey made = account_with_stream_key(anna, "anna", "a-long-secret-phrase", "whip");
  ASSERT_TRUE(made.failure.empty()) << made.failure;
  const std::string &key = made.key, &stream = made.stream;

  // Refused before any media: no key, a wrong key.
  auto none = http_request("POST", kek.http_url(), "/api/whip/live", {}, kPublishOffer, "application/sdp");
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_NE(none.header("www-authenticate").find("Bearer"), std::string::npos);
  auto wrong = http_request("POST", kek.http_url(), "/api/whip/live", {{"Authorization", "Bearer not-a-key-of-anyone"}},
                            kPublishOffer, "application/sdp");
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(anna.get("/api/live").body.find(stream), std::string::npos) << "a refused publish is not listed";

  BackgroundProcess chromium({"node", source_dir() + "/plugins/webrtc/tests/whip_publish.mjs", source_dir() + "/webui/node_modules",
                              kek.http_url(), "live", key, "30"});
  ASSERT_TRUE(chromium.started());
  // Listed as live, and its HLS plays: ffprobe reads H.264 and AAC from the playlist.
  ASSERT_TRUE(wait_for([&] {
    auto live = anna.get("/api/live");
    return live.body.find("\"" + stream + "\"") != std::string::npos && live.body.find("WHIP") != std::string::npos;
  }, 40000)) << chromium.output() << kek.output();
  const std::string playlist = kek.http_url() + "media/live/" + stream + "/index.m3u8";
  std::string streams;
  ASSERT_TRUE(wait_for([&] {
    auto [status, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                      "csv=p=0", playlist}, 30000);
    streams = out;
    return status == 0 && out.find("h264") != std::string::npos && out.find("aac") != std::string::npos;
  }, 60000)) << streams << chromium.output() << kek.output();
  std::printf("ffprobe read the WHIP stream's HLS: %s\n", streams.c_str());
  EXPECT_EQ(chromium.wait(90000), 0) << chromium.output();
  const std::string out = chromium.output();
  EXPECT_NE(out.find("\"status\":201"), std::string::npos) << out;
  EXPECT_NE(out.find("\"deleted\":200"), std::string::npos) << out;
  EXPECT_EQ(kek.stop(), 0) << kek.output();
}
