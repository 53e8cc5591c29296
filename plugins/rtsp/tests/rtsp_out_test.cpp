// RTSP out against a real kek serve: streams published over RTMP are read back over RTSP by
// ffprobe (H.264 and AAC, as published). A private stream's RTSP URL without a token is refused;
// its owner's signed URL (GET /api/rtsp/{stream}) opens it; a stranger gets no URL.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <gtest/gtest.h>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;

namespace {

KekOptions rtsp_server() {
  KekOptions o;
  o.extra_yaml =
      "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n"
      "  - {name: rtsp, args: {address: 127.0.0.1, port: 0}}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  return o;
}

std::pair<int, std::string> probe(const std::string& url) {
  return run_command({"ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries",
                      "stream=codec_name,width,height", "-of", "csv=p=0", url},
                     30000);
}

}  // namespace

TEST(RtspOut, PublicPlaysAndPrivateNeedsItsOwnersToken) {
  KekProcess kek(rtsp_server());
  ASSERT_TRUE(kek.ready()) << kek.output();
  const std::string rtsp = kek.endpoint("rtsp");  // rtsp://127.0.0.1:PORT/live
  ASSERT_FALSE(rtsp.empty()) << kek.output();
  Browser anna(kek.http_url());
  // Both are playing (as HLS too): their tracks are known.
  auto live = publish_public_and_private(kek, anna, 10, 20000);
  ASSERT_EQ(live.failure, "") << kek.output();
  const StreamKey &open = live.open, &family = live.family;

  auto [status, streams] = probe(rtsp + "/" + open.stream);
  EXPECT_EQ(status, 0) << streams << kek.output();
  EXPECT_NE(streams.find("h264,320,180"), std::string::npos) << streams;
  EXPECT_NE(streams.find("aac"), std::string::npos) << streams;

  auto [refused, why] = probe(rtsp + "/" + family.stream);
  EXPECT_NE(refused, 0) << "a private stream without credentials: " << why;
  EXPECT_NE(why.find("401"), std::string::npos) << why;
  auto [forged, forged_why] = probe(rtsp + "/" + family.stream + "?token=1.2.3.abcdef");
  EXPECT_NE(forged, 0) << forged_why;

  auto url = anna.get("/api/rtsp/" + family.stream);
  ASSERT_EQ(url.status, 200) << url.body;
  const std::string signed_url = json_field(url.body, "url").value_or("");
  EXPECT_NE(signed_url.find("?token="), std::string::npos) << url.body;
  auto [owner, owner_streams] = probe(signed_url);
  EXPECT_EQ(owner, 0) << owner_streams << kek.output();
  EXPECT_NE(owner_streams.find("h264"), std::string::npos) << owner_streams;

  Browser boris(kek.http_url());
  ASSERT_EQ(boris.register_user("boris", "another-long-phrase").status, 201);
  EXPECT_EQ(boris.get("/api/rtsp/" + family.stream).status, 404);
  EXPECT_EQ(http_get(kek.http_url(), "/api/rtsp/" + open.stream).body.find("token"), std::string::npos);
  auto [unknown, unknown_why] = probe(rtsp + "/no-such-stream");
  EXPECT_NE(unknown, 0) << unknown_why;
  live.open_publisher->kill_now();
  live.family_publisher->kill_now();
  EXPECT_EQ(kek.stop(), 0) << "a clean stop with RTSP media still open: " << kek.output();
}
