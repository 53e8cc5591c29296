// WHEP against a real kek serve: ffmpeg publishes a 320x180 test stream over RTMP, a WHEP
// viewer in Debian's Chromium plays it (whep_play.mjs: the picture's size, time advancing,
// H.264 and Opus received), and its DELETE ends the session. A private stream is refused to an
// anonymous caller and to another account, and answered for its owner.
#include "offer_sdp.h"

#include "support/browser.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <gtest/gtest.h>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;
using kek::auth::test::json_number;

namespace {

KekOptions webrtc_server() {
  KekOptions o;
  o.extra_yaml =
      "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n"
      "  - {name: webrtc}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  return o;
}

std::string source_dir() { return g_getenv("KEK_SOURCE_DIR") ? g_getenv("KEK_SOURCE_DIR") : "."; }

}  // namespace

TEST(Whep, ChromiumPlaysAPublicStreamAndPrivateOnesNeedRights) {
  KekProcess kek(webrtc_server());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna(kek.http_url());
  auto live = publish_public_and_private(kek, anna, 60, 30000);
  ASSERT_EQ(live.failure, "") << kek.output();
  const StreamKey &open = live.open, &family = live.family;

  const std::string node_modules = source_dir() + "/webui/node_modules";
  auto [status, out] = run_command({"node", source_dir() + "/plugins/webrtc/tests/whep_play.mjs", node_modules,
                                    kek.http_url(), open.stream}, 120000);
  ASSERT_NE(status, 77) << "Chromium or playwright-core is missing (bash scripts/dev.sh test installs them): " << out;
  ASSERT_EQ(status, 0) << out << kek.output();
  const std::string line = out.substr(out.rfind('{'));
  std::printf("the WHEP viewer saw: %s\n", line.c_str());
  EXPECT_EQ(json_number(line, "status").value_or(0), 201) << out;
  EXPECT_EQ(json_field(line, "contentType").value_or(""), "application/sdp") << out;
  EXPECT_EQ(json_field(line, "location").value_or("").rfind("/api/whep/" + open.stream + "/", 0), 0u) << out;
  EXPECT_GE(json_number(line, "candidates").value_or(0), 1) << out;
  EXPECT_EQ(json_number(line, "width").value_or(0), 320) << out << kek.output();
  EXPECT_EQ(json_number(line, "height").value_or(0), 180) << out;
  EXPECT_GE(json_number(line, "played").value_or(0), 2.0) << out;
  EXPECT_GT(json_number(line, "videoPackets").value_or(0), 0) << out;
  EXPECT_GT(json_number(line, "audioPackets").value_or(0), 0) << out;
  EXPECT_EQ(json_number(line, "deleted").value_or(0), 200) << out;
  EXPECT_EQ(json_number(line, "deletedAgain").value_or(0), 404) << out;

  // A private stream: the same rights as its HLS.
  const std::string path = "/api/whep/" + family.stream;
  auto anonymous = http_request("POST", kek.http_url(), path, {}, kWhepOffer, "application/sdp");
  EXPECT_EQ(anonymous.status, 403) << anonymous.body;
  EXPECT_EQ(http_get(kek.http_url(), "/media/live/" + family.stream + "/index.m3u8").status, 403);
  Browser boris(kek.http_url());
  ASSERT_EQ(boris.register_user("boris", "another-long-phrase").status, 201);
  EXPECT_EQ(boris.request("POST", path, kWhepOffer, {}, "application/sdp").status, 403);
  auto owner = anna.request("POST", path, kWhepOffer, {}, "application/sdp");
  EXPECT_EQ(owner.status, 201) << owner.body << kek.output();
  EXPECT_NE(owner.body.find("a=candidate:"), std::string::npos) << owner.body;
  EXPECT_NE(owner.body.find("H264/90000"), std::string::npos) << owner.body;
  EXPECT_NE(owner.body.find("a=sendonly"), std::string::npos) << owner.body;
  const std::string location = owner.header("location");
  EXPECT_EQ(location.rfind(path + "/", 0), 0u) << location;
  EXPECT_EQ(anna.request("DELETE", location).status, 200);

  // Not live, not SDP, not an offer of ours.
  EXPECT_EQ(http_request("POST", kek.http_url(), "/api/whep/no-such-stream", {}, kWhepOffer, "application/sdp").status, 404);
  EXPECT_EQ(http_request("POST", kek.http_url(), "/api/whep/" + open.stream, {}, "{}", "application/json").status, 415);
  EXPECT_EQ(http_request("POST", kek.http_url(), "/api/whep/" + open.stream, {}, "v=0\r\n", "application/sdp").status, 400);
  live.open_publisher->kill_now();
  live.family_publisher->kill_now();
  EXPECT_EQ(kek.stop(), 0) << "a clean stop: " << kek.output();
}
