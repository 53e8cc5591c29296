// Accounts and live streaming together: a user's stream key publishes through the auth plugin's
// authorizer; revoked keys are refused; a private stream's playlist needs its owner.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/wait.h"

#include <gtest/gtest.h>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;

namespace {


KekOptions live_with_accounts() {
  KekOptions o;
  o.extra_yaml = "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  return o;
}

std::unique_ptr<BackgroundProcess> publish(const std::string& url, int seconds) {
  return std::make_unique<BackgroundProcess>(std::vector<std::string>{
      "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25", "-f",
      "lavfi", "-i", "sine", "-t", std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
      "-c:a", "aac", "-f", "flv", url});
}

}  // namespace

TEST(LiveAccounts, UserKeyPublishesAndARevokedKeyIsRefused) {
  KekProcess kek(live_with_accounts());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  auto created = anna.post("/api/me/stream-keys", R"({"name":"OBS"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = *json_field(created.body, "key");
  const std::string id = *json_field(created.body, "id");
  const std::string stream = *json_field(created.body, "stream");

  auto pub = publish(kek.endpoint("rtmp") + "/" + key, 3);
  ASSERT_TRUE(wait_for([&] {
    return http_get(kek.http_url(), "/api/live").body.find("\"owner\":\"anna\"") != std::string::npos;
  }, 15000)) << kek.output();
  EXPECT_EQ(pub->wait(30000), 0) << pub->output();
  ASSERT_TRUE(wait_for([&] {
    return g_file_test((kek.media_dir() + "/live/" + stream + "/index.m3u8").c_str(), G_FILE_TEST_EXISTS);
  }, 10000));

  ASSERT_EQ(anna.request("DELETE", "/api/me/stream-keys/" + id).status / 100, 2);
  auto refused = publish(kek.endpoint("rtmp") + "/" + key, 2);
  EXPECT_NE(refused->wait(20000), 0) << "a revoked key must not publish";
  EXPECT_NE(kek.output().find("publish refused"), std::string::npos);
}

TEST(LiveAccounts, AKeyWhoseOwnerAsksForRecordingsIsRecorded) {
  KekProcess kek(live_with_accounts());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  auto plain = anna.post("/api/me/stream-keys", R"({"name":"no recording"})");
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_EQ(*json_field(plain.body, "record"), "false");
  auto recorded = anna.post("/api/me/stream-keys", R"({"name":"family","visibility":"private"})");
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  const std::string id = *json_field(recorded.body, "id");
  // Switched on later, from the key's settings.
  auto edited = anna.request("PATCH", "/api/me/stream-keys/" + id, R"({"record":true})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(*json_field(edited.body, "record"), "true");
  EXPECT_EQ(anna.request("PATCH", "/api/me/stream-keys/" + id, R"({"record":"yes"})").status, 400);

  const std::string plain_stream = *json_field(plain.body, "stream");
  const std::string stream = *json_field(recorded.body, "stream");
  auto a = publish(kek.endpoint("rtmp") + "/" + *json_field(plain.body, "key"), 3);
  auto b = publish(kek.endpoint("rtmp") + "/" + *json_field(recorded.body, "key"), 3);
  EXPECT_EQ(a->wait(30000), 0) << a->output();
  EXPECT_EQ(b->wait(30000), 0) << b->output();
  ASSERT_TRUE(wait_for([&] { return kek.output().find("recording of stream '" + stream + "' finished") != std::string::npos; },
                       20000)) << kek.output();
  const std::string dir = kek.media_dir() + "/recordings/" + stream;
  std::string file;
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    if (const char* name = g_dir_read_name(d)) file = name;
    g_dir_close(d);
  }
  ASSERT_TRUE(g_str_has_suffix(file.c_str(), ".mp4")) << dir << ": '" << file << "'";
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                dir + "/" + file});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NEAR(std::atof(out.c_str()), 3.0, 1.0) << out;
  EXPECT_FALSE(g_file_test((kek.media_dir() + "/recordings/" + plain_stream).c_str(), G_FILE_TEST_EXISTS))
      << "a key without recording is not recorded";
  // The recording of a private stream is as private as the stream.
  const std::string url = "/media/recordings/" + stream + "/" + file;
  EXPECT_EQ(http_get(kek.http_url(), url).status, 403);
  EXPECT_EQ(anna.get(url).status, 200);
}

TEST(LiveAccounts, PrivateStreamNeedsItsOwner) {
  KekProcess kek(live_with_accounts());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  auto created = anna.post("/api/me/stream-keys", R"({"name":"family","visibility":"private"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = *json_field(created.body, "key");
  const std::string stream = *json_field(created.body, "stream");
  auto pub = publish(kek.endpoint("rtmp") + "/" + key, 6);
  const std::string playlist = "/media/live/" + stream + "/index.m3u8";
  ASSERT_TRUE(wait_for([&] { return anna.get(playlist).status == 200; }, 20000)) << kek.output();
  EXPECT_EQ(http_get(kek.http_url(), playlist).status, 403) << "no cookie, no private stream";
  Browser stranger(kek.http_url());
  ASSERT_EQ(stranger.register_user("boris", "another-long-phrase").status, 201);
  EXPECT_EQ(stranger.get(playlist).status, 403);
  pub->wait(30000);
}

TEST(LiveAccounts, ExternalPlayersPlayAPrivateStreamWithASignedUrl) {
  KekProcess kek(live_with_accounts());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  auto created = anna.post("/api/me/stream-keys", R"({"name":"family","visibility":"private"})");
  const std::string key = *json_field(created.body, "key");
  const std::string stream = *json_field(created.body, "stream");
  auto pub = publish(kek.endpoint("rtmp") + "/" + key, 8);
  ASSERT_TRUE(wait_for([&] { return anna.get("/media/live/" + stream + "/index.m3u8").status == 200; }, 20000));
  auto signed_url = anna.post("/api/media/sign", R"({"prefix":"live/)" + stream + R"(/","ttl_s":60})");
  ASSERT_EQ(signed_url.status, 200) << signed_url.body;
  const std::string prefix = *json_field(signed_url.body, "url_prefix");
  // ffprobe has no cookie: the token in the path lets it fetch the playlist and its segments.
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                kek.http_url() + prefix.substr(1) + "index.m3u8"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("h264"), std::string::npos) << out;
  std::string forged = prefix;
  const size_t token_at = forged.find("/~t/") + 4;
  forged[token_at + 5] = forged[token_at + 5] == 'a' ? 'b' : 'a';  // one character of the token changed
  EXPECT_EQ(http_get(kek.http_url(), forged + "index.m3u8").status, 403);
  EXPECT_EQ(http_get(kek.http_url(), "/media/live/" + stream + "/index.m3u8").status, 403);
  pub->wait(30000);
}

TEST(LiveAccounts, ThePipelineApiIsForAdminsOnly) {
  KekProcess kek(live_with_accounts());
  ASSERT_TRUE(kek.ready()) << kek.output();
  EXPECT_EQ(http_get(kek.http_url(), "/api/pipelines").status, 401);
  EXPECT_EQ(http_request("POST", kek.http_url(), "/api/pipelines/demo/stop").status, 401);
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  EXPECT_EQ(anna.get("/api/pipelines").status, 403);
  EXPECT_EQ(anna.get("/api/templates").status, 403);
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  EXPECT_EQ(admin.get("/api/pipelines").status, 200);
  EXPECT_EQ(admin.get("/api/templates").status, 200);
  EXPECT_EQ(http_get(kek.http_url(), "/api/health").status, 200) << "health stays public";
  EXPECT_EQ(anna.post("/api/pipelines/demo/stop").status, 403);
  EXPECT_EQ(anna.get("/api/pipelines/demo/graph.svg").status, 403);
}

// /api/live lists only what the caller may watch (issue 15, item 2): a public stream to
// everyone, an unlisted one (whose name is not guessable) to its owner only, a private one to
// its owner and the account it is shared with. /api/health names pipelines to admins only.
TEST(LiveAccounts, ListingsShowOnlyWhatTheCallerMayWatch) {
  KekProcess kek(live_with_accounts());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  Browser boris(kek.http_url());
  ASSERT_EQ(boris.register_user("boris", "another-long-phrase").status, 201);
  Browser carl(kek.http_url());
  ASSERT_EQ(carl.register_user("carl", "yet-another-long-phrase").status, 201);
  Browser anonymous(kek.http_url());

  struct Made {
    std::string key, stream;
  };
  auto make = [&](const std::string& visibility) {
    auto r = anna.post("/api/me/stream-keys", "{\"name\":\"" + visibility + "\",\"visibility\":\"" + visibility + "\"}");
    EXPECT_EQ(r.status, 201) << r.body;
    return Made{json_field(r.body, "key").value_or(""), json_field(r.body, "stream").value_or("")};
  };
  const Made open = make("public"), link = make("unlisted"), family = make("private");
  EXPECT_EQ(link.stream.size(), std::string("anna-").size() + 24) << "unguessable: " << link.stream;
  auto key_id = json_field(anna.get("/api/me/stream-keys").body, "2.id");
  ASSERT_EQ(anna.request("PATCH", "/api/me/stream-keys/" + key_id.value_or("0"), R"({"allowed":["boris"]})").status, 200);

  auto a = publish(kek.endpoint("rtmp") + "/" + open.key, 8);
  auto b = publish(kek.endpoint("rtmp") + "/" + link.key, 8);
  auto c = publish(kek.endpoint("rtmp") + "/" + family.key, 8);
  auto listed = [](Browser& who, const Made& m) {
    return who.get("/api/live").body.find("\"stream\":\"" + m.stream + "\"") != std::string::npos;
  };
  ASSERT_TRUE(wait_for([&] { return listed(anna, open) && listed(anna, link) && listed(anna, family); }, 20000))
      << anna.get("/api/live").body << kek.output();
  EXPECT_TRUE(listed(anonymous, open));
  EXPECT_FALSE(listed(anonymous, link)) << "unlisted: for whoever has the link";
  EXPECT_FALSE(listed(anonymous, family));
  EXPECT_TRUE(listed(boris, family)) << "shared with boris";
  EXPECT_FALSE(listed(boris, link));
  EXPECT_TRUE(listed(carl, open));
  EXPECT_FALSE(listed(carl, link));
  EXPECT_FALSE(listed(carl, family));
  const std::string anonymous_live = anonymous.get("/api/live").body;
  EXPECT_EQ(anonymous_live.find(link.stream), std::string::npos) << "not even in a URL: " << anonymous_live;
  EXPECT_EQ(anonymous_live.find(family.stream), std::string::npos);

  // Pipeline ids name streams: health shows them to admins only.
  ASSERT_TRUE(wait_for([&] {
    Browser admin(kek.http_url());
    return admin.login("admin", "correct-horse-battery").status == 200 &&
           admin.get("/api/health").body.find("live-" + link.stream) != std::string::npos;
  }, 20000)) << kek.output();
  for (Browser* who : {&anonymous, &carl, &anna}) {
    auto health = who->get("/api/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body.find(link.stream), std::string::npos) << health.body;
    EXPECT_NE(health.body.find("\"pipelines\":[]"), std::string::npos) << health.body;
  }
  a->wait(30000);
  b->wait(30000);
  c->wait(30000);
}
