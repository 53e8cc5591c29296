// Stream keys and private media against a real `kek serve`: the key lifecycle through the API,
// and a private stream's playlist refused without auth, served with the owner's cookie, to
// allowed users and groups, and with a valid signed URL; refused with an expired or altered one.
#include "support/browser.h"

#include <kek/services/media_access.h>

#include <gtest/gtest.h>

#include <map>
#include <glib/gstdio.h>

using namespace kek::auth::test;
using kek::test::KekProcess;

namespace {

const char* kPassword = "a-long-enough-secret";

void write_file(const std::string& path, const std::string& content) {
  g_autofree char* dir = g_path_get_dirname(path.c_str());
  g_mkdir_with_parents(dir, 0755);
  ASSERT_TRUE(g_file_set_contents(path.c_str(), content.data(), static_cast<gssize>(content.size()), nullptr));
}

bool is_hex(const std::string& s) {
  for (char c : s)
    if (!g_ascii_isxdigit(c)) return false;
  return !s.empty();
}

}  // namespace

TEST(AuthStreamKeys, CreateListRegenerateRenameRevoke) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  ASSERT_EQ(b.register_user("Quinn", kPassword).status, 201);

  auto created = b.post("/api/me/stream-keys", R"({"name":"OBS at home"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = *json_field(created.body, "key");
  EXPECT_EQ(key.size(), 32u);
  EXPECT_TRUE(is_hex(key));
  EXPECT_EQ(json_field(created.body, "stream"), "quinn");
  EXPECT_EQ(json_field(created.body, "visibility"), "public");
  const std::string id = *json_field(created.body, "id");

  auto second = b.post("/api/me/stream-keys", R"({"name":"phone","visibility":"unlisted"})");
  ASSERT_EQ(second.status, 201) << second.body;
  const std::string unlisted_stream = *json_field(second.body, "stream");
  EXPECT_EQ(unlisted_stream.rfind("quinn-", 0), 0u) << unlisted_stream;
  EXPECT_EQ(unlisted_stream.size(), 6u + 24u) << "an unlisted stream's name cannot be guessed: " << unlisted_stream;
  EXPECT_EQ(json_field(second.body, "visibility"), "unlisted");
  EXPECT_NE(*json_field(second.body, "key"), key);

  auto list = b.get("/api/me/stream-keys");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(json_array_length(list.body), 2u) << list.body;
  EXPECT_EQ(list.body.find(key), std::string::npos) << "the key is shown once only";
  EXPECT_EQ(json_field(list.body, "0.key"), std::nullopt);
  EXPECT_EQ(json_field(list.body, "0.key_hint"), "…" + key.substr(28));
  EXPECT_EQ(json_field(list.body, "0.last_used_at"), "null");
  EXPECT_EQ(json_field(list.body, "0.name"), "OBS at home");

  auto regenerated = b.post("/api/me/stream-keys/" + id + "/regenerate");
  ASSERT_EQ(regenerated.status, 200) << regenerated.body;
  const std::string new_key = *json_field(regenerated.body, "key");
  EXPECT_NE(new_key, key);
  EXPECT_EQ(json_field(regenerated.body, "stream"), "quinn") << "the public name stays";
  EXPECT_EQ(json_field(b.get("/api/me/stream-keys").body, "0.key_hint"), "…" + new_key.substr(28));

  auto unknown = b.request("PATCH", "/api/me/stream-keys/" + id, R"({"allowed":["bob"]})");
  EXPECT_EQ(unknown.status, 400) << "grants name existing accounts";
  EXPECT_NE(unknown.body.find("no user named 'bob'"), std::string::npos) << unknown.body;
  auto renamed = b.request("PATCH", "/api/me/stream-keys/" + id, R"({"name":"studio","visibility":"private","allowed":["ADMIN","group:family"]})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(json_field(renamed.body, "name"), "studio");
  EXPECT_EQ(json_field(renamed.body, "visibility"), "private");
  EXPECT_EQ(json_field(renamed.body, "allowed.0"), "admin") << "shown by the account's own spelling";
  EXPECT_EQ(json_field(renamed.body, "allowed.1"), "group:family");
  EXPECT_EQ(b.request("PATCH", "/api/me/stream-keys/" + id, R"({"visibility":"secret"})").status, 400);
  EXPECT_EQ(b.request("PATCH", "/api/me/stream-keys/" + id, R"({"allowed":["no spaces allowed"]})").status, 400);
  EXPECT_EQ(b.request("PATCH", "/api/me/stream-keys/" + id, R"({"allowed":"bob"})").status, 400);
  EXPECT_EQ(b.post("/api/me/stream-keys", R"({"name":""})").status, 400);

  // Someone else cannot see or touch the key.
  Browser other(kek.http_url());
  ASSERT_EQ(other.register_user("rupert", kPassword).status, 201);
  EXPECT_EQ(json_array_length(other.get("/api/me/stream-keys").body), 0u);
  EXPECT_EQ(other.request("DELETE", "/api/me/stream-keys/" + id).status, 404);
  EXPECT_EQ(other.post("/api/me/stream-keys/" + id + "/regenerate").status, 404);
  EXPECT_EQ(other.request("PATCH", "/api/me/stream-keys/" + id, R"({"name":"mine"})").status, 404);

  EXPECT_EQ(b.request("DELETE", "/api/me/stream-keys/" + id).status, 204);
  EXPECT_EQ(b.request("DELETE", "/api/me/stream-keys/" + id).status, 404);
  EXPECT_EQ(b.post("/api/me/stream-keys/" + id + "/regenerate").status, 404) << "revoked keys stay revoked";
  EXPECT_EQ(json_array_length(b.get("/api/me/stream-keys").body), 1u);
  // A new key does not reuse the revoked key's stream name.
  auto third = b.post("/api/me/stream-keys", R"({"name":"third"})");
  EXPECT_EQ(json_field(third.body, "stream"), "quinn-3") << third.body;

  EXPECT_EQ(Browser(kek.http_url()).get("/api/me/stream-keys").status, 401);
  auto profile = Browser(kek.http_url()).get("/api/users/quinn");
  EXPECT_EQ(profile.body.find(unlisted_stream), std::string::npos) << "unlisted streams are not listed";
  EXPECT_NE(profile.body.find("\"stream\":\"quinn-3\""), std::string::npos) << profile.body;
}

TEST(AuthMedia, PrivateStreamNeedsCookieOrSignedUrl) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser owner(kek.http_url());
  ASSERT_EQ(owner.register_user("sybil", kPassword).status, 201);
  Browser friend_(kek.http_url());
  ASSERT_EQ(friend_.register_user("trent", kPassword).status, 201);
  Browser cousin(kek.http_url());
  ASSERT_EQ(cousin.register_user("uma", kPassword).status, 201);
  Browser stranger(kek.http_url());
  ASSERT_EQ(stranger.register_user("victor", kPassword).status, 201);
  Browser anonymous(kek.http_url());

  auto key = owner.post("/api/me/stream-keys", R"({"name":"cam"})");
  ASSERT_EQ(key.status, 201);
  const std::string id = *json_field(key.body, "id");
  const std::string stream = *json_field(key.body, "stream");
  const std::string playlist = "/media/live/" + stream + "/index.m3u8";
  write_file(kek.media_dir() + "/live/" + stream + "/index.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n");
  write_file(kek.media_dir() + "/live/" + stream + "/seg1.ts", "segment");
  write_file(kek.media_dir() + "/live/open/index.m3u8", "#EXTM3U\n");

  EXPECT_EQ(anonymous.get(playlist).status, 200) << "public by default";
  ASSERT_EQ(owner.request("PATCH", "/api/me/stream-keys/" + id, R"({"visibility":"private"})").status, 200);
  auto refused = anonymous.get(playlist);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(anonymous.get("/media/live/" + stream + "/seg1.ts").status, 403);
  EXPECT_EQ(anonymous.request("HEAD", playlist).status, 403);
  EXPECT_EQ(stranger.get(playlist).status, 403);
  EXPECT_EQ(anonymous.get("/media/live/open/index.m3u8").status, 200) << "other folders are unaffected";
  auto served = owner.get(playlist);
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.body, "#EXTM3U\n#EXT-X-VERSION:3\n");

  // Allowed by name, then by group.
  ASSERT_EQ(owner.request("PATCH", "/api/me/stream-keys/" + id, R"({"allowed":["TRENT","group:family"]})").status, 200);
  EXPECT_EQ(friend_.get(playlist).status, 200);
  EXPECT_EQ(cousin.get(playlist).status, 403);
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  EXPECT_EQ(owner.post("/api/admin/groups", R"({"name":"family","members":["uma"]})").status, 403);
  auto group = admin.post("/api/admin/groups", R"({"name":"family","members":["uma"]})");
  ASSERT_EQ(group.status, 201) << group.body;
  EXPECT_EQ(admin.post("/api/admin/groups", R"({"name":"family","members":["nobody"]})").status, 400);
  EXPECT_EQ(cousin.get(playlist).status, 200);
  EXPECT_EQ(stranger.get(playlist).status, 403);
  EXPECT_EQ(json_field(admin.get("/api/admin/groups").body, "0.members.0"), "uma");

  // Signed URLs, for players without the cookie.
  auto signed_url = owner.post("/api/media/sign", "{\"prefix\":\"live/" + stream + "/\",\"ttl_s\":60}");
  ASSERT_EQ(signed_url.status, 200) << signed_url.body;
  const std::string token = *json_field(signed_url.body, "token");
  EXPECT_EQ(json_field(signed_url.body, "expires_at")->size(), 20u);
  EXPECT_EQ(anonymous.get(playlist + "?token=" + token).status, 200);
  EXPECT_EQ(anonymous.get("/media/live/" + stream + "/seg1.ts?token=" + token).status, 200);
  std::string altered = token;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(anonymous.get(playlist + "?token=" + altered).status, 403);
  std::string later = token;
  later[0] = later[0] == '9' ? '8' : static_cast<char>(later[0] + 1);  // a different expiry, same MAC
  EXPECT_EQ(anonymous.get(playlist + "?token=" + later).status, 403);
  EXPECT_EQ(anonymous.get(playlist + "?token=garbage").status, 403);
  EXPECT_EQ(anonymous.get(playlist + "?token=").status, 403);

  // A token for one folder does not open another private one.
  auto other_key = owner.post("/api/me/stream-keys", R"({"name":"cam2","visibility":"private"})");
  const std::string other_stream = *json_field(other_key.body, "stream");
  write_file(kek.media_dir() + "/live/" + other_stream + "/index.m3u8", "#EXTM3U\n");
  EXPECT_EQ(anonymous.get("/media/live/" + other_stream + "/index.m3u8?token=" + token).status, 403);

  // Only what the caller may see is signed.
  EXPECT_EQ(stranger.post("/api/media/sign", "{\"prefix\":\"live/" + stream + "/\",\"ttl_s\":60}").status, 403);
  EXPECT_EQ(stranger.post("/api/media/sign", R"({"prefix":"live/","ttl_s":60})").status, 403) << "covers private folders";
  EXPECT_EQ(owner.post("/api/media/sign", R"({"prefix":"../","ttl_s":60})").status, 400);
  EXPECT_EQ(owner.post("/api/media/sign", "{\"prefix\":\"live/" + stream + "/\",\"ttl_s\":0}").status, 400);
  EXPECT_EQ(anonymous.post("/api/media/sign", "{\"prefix\":\"live/" + stream + "/\",\"ttl_s\":60}").status, 401);

  // Expired.
  auto short_lived = owner.post("/api/media/sign", "{\"prefix\":\"live/" + stream + "/\",\"ttl_s\":1}");
  ASSERT_EQ(short_lived.status, 200);
  const std::string expiring = *json_field(short_lived.body, "token");
  g_usleep(2100 * 1000);
  auto expired = anonymous.get(playlist + "?token=" + expiring);
  EXPECT_EQ(expired.status, 403);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;

  // Unlisted: anyone with the URL, which cannot be guessed; so the key gets a new name, and
  // what lies under the old, guessable one stays private.
  auto unlisted = owner.request("PATCH", "/api/me/stream-keys/" + id, R"({"visibility":"unlisted"})");
  ASSERT_EQ(unlisted.status, 200) << unlisted.body;
  const std::string renamed = *json_field(unlisted.body, "stream");
  EXPECT_NE(renamed, stream);
  EXPECT_EQ(renamed.size(), stream.size() + 1 + 24) << renamed;
  write_file(kek.media_dir() + "/live/" + renamed + "/index.m3u8", "#EXTM3U\n");
  EXPECT_EQ(anonymous.get("/media/live/" + renamed + "/index.m3u8").status, 200);
  EXPECT_EQ(anonymous.get(playlist).status, 403);
  EXPECT_EQ(owner.get(playlist).status, 200) << "still the owner's";
}

// The server remembers the sessions it has found (a player fetches a segment every second or
// two), so what ends a session must reach that memory: the cookie is refused on the very next
// request, not after a while.
TEST(AuthMedia, AnEndedSessionsCookieIsRefusedAtOnce) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser laptop(kek.http_url());
  ASSERT_EQ(laptop.register_user("wendy", kPassword).status, 201);
  auto key = laptop.post("/api/me/stream-keys", R"({"name":"cam","visibility":"private"})");
  ASSERT_EQ(key.status, 201) << key.body;
  const std::string playlist = "/media/live/" + *json_field(key.body, "stream") + "/index.m3u8";
  write_file(kek.media_dir() + playlist.substr(std::string("/media").size()), "#EXTM3U\n");

  // A copy of the laptop's cookie (another tab, a player given it) and a second login.
  Browser player(kek.http_url());
  player.set_cookie(laptop.cookie());
  Browser phone(kek.http_url());
  ASSERT_EQ(phone.login("wendy", kPassword).status, 200);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(player.get(playlist).status, 200) << "the owner's cookie opens the private playlist";
    ASSERT_EQ(phone.get(playlist).status, 200);
  }

  // "Sign out the other sessions" from the laptop ends the phone's.
  ASSERT_EQ(laptop.post("/api/auth/sessions/revoke-others").status, 200);
  EXPECT_EQ(phone.get(playlist).status, 403) << "a revoked session is refused on its next request";
  EXPECT_EQ(player.get(playlist).status, 200) << "the laptop's own session goes on";

  // Logging out ends the cookie everywhere it was copied to.
  auto out = laptop.post("/api/auth/logout");
  ASSERT_LT(out.status, 300) << out.body;
  EXPECT_EQ(player.get(playlist).status, 403) << "a logged-out session's cookie is refused at once";
  EXPECT_EQ(player.get("/api/me").status, 401);
}

TEST(AuthMedia, PoliciesSurviveRestartAndSecretIsPrivate) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser owner(kek.http_url());
  ASSERT_EQ(owner.register_user("wendy", kPassword).status, 201);
  auto key = owner.post("/api/me/stream-keys", R"({"name":"cam","visibility":"private"})");
  ASSERT_EQ(key.status, 201);
  const std::string stream = *json_field(key.body, "stream");
  write_file(kek.media_dir() + "/live/" + stream + "/index.m3u8", "#EXTM3U\n");
  auto signed_url = owner.post("/api/media/sign", "{\"prefix\":\"live/" + stream + "/\",\"ttl_s\":600}");
  const std::string token = *json_field(signed_url.body, "token");

  GStatBuf info;
  ASSERT_EQ(g_stat((kek.data_dir() + "/secrets/media.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(info.st_size, 32);
  ASSERT_EQ(kek.stop(), 0);

  kek::test::KekOptions again = auth_options();
  again.args = {"--config", kek.config_path()};
  KekProcess second(again);
  ASSERT_TRUE(second.ready()) << second.output();
  Browser anonymous(second.http_url());
  const std::string playlist = "/media/live/" + stream + "/index.m3u8";
  EXPECT_EQ(anonymous.get(playlist).status, 403) << "the policy is back after a restart";
  EXPECT_EQ(anonymous.get(playlist + "?token=" + token).status, 200) << "and the signing secret is the same";
}

// A server started without its auth plugin (missing, or refused at load) must not turn private
// media public (issue 15, item 4): the plugin marks every non-public prefix, and the host
// serves nothing below a marked prefix while no access provider is loaded. Markers are never
// served.
TEST(AuthMedia, WithoutTheAuthPluginPrivateMediaIsNotServed) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser owner(kek.http_url());
  ASSERT_EQ(owner.register_user("xena", kPassword).status, 201);
  auto secret = owner.post("/api/me/stream-keys", R"({"name":"home","visibility":"private"})");
  auto link = owner.post("/api/me/stream-keys", R"({"name":"link","visibility":"unlisted"})");
  auto open = owner.post("/api/me/stream-keys", R"({"name":"open"})");
  ASSERT_EQ(secret.status, 201);
  ASSERT_EQ(link.status, 201);
  ASSERT_EQ(open.status, 201);
  std::map<std::string, std::string> files;  // visibility -> media path
  for (const auto& [visibility, created] : {std::pair{"private", secret}, {"unlisted", link}, {"public", open}}) {
    const std::string stream = *json_field(created.body, "stream");
    write_file(kek.media_dir() + "/live/" + stream + "/index.m3u8", "#EXTM3U\n");
    write_file(kek.media_dir() + "/recordings/" + stream + "/old.mp4", "mp4");
    files[visibility] = "/media/live/" + stream + "/index.m3u8";
    files[std::string(visibility) + " recording"] = "/media/recordings/" + stream + "/old.mp4";
  }
  const std::string stream = *json_field(secret.body, "stream");
  EXPECT_EQ(owner.get(files["private"]).status, 200);
  const std::string marker = kek::policy_marker_path(kek.media_dir(), "live/" + stream + "/");
  ASSERT_TRUE(g_file_test(marker.c_str(), G_FILE_TEST_EXISTS)) << marker;
  const std::string marker_url = "/media/.kek-policies/" + marker.substr(marker.rfind('/') + 1);
  EXPECT_EQ(owner.get(marker_url).status, 404) << "markers are never served";
  EXPECT_EQ(owner.get("/media/.kek-policies/").status, 404);
  // Made private and public again: the marker follows.
  const std::string id = *json_field(open.body, "id");
  const std::string open_marker = kek::policy_marker_path(kek.media_dir(), "live/" + *json_field(open.body, "stream") + "/");
  EXPECT_FALSE(g_file_test(open_marker.c_str(), G_FILE_TEST_EXISTS));
  ASSERT_EQ(owner.request("PATCH", "/api/me/stream-keys/" + id, R"({"visibility":"private"})").status, 200);
  EXPECT_TRUE(g_file_test(open_marker.c_str(), G_FILE_TEST_EXISTS));
  ASSERT_EQ(owner.request("PATCH", "/api/me/stream-keys/" + id, R"({"visibility":"public"})").status, 200);
  EXPECT_FALSE(g_file_test(open_marker.c_str(), G_FILE_TEST_EXISTS));
  ASSERT_EQ(kek.stop(), 0);

  // The same data, with the auth plugin left out of the config.
  kek::test::KekOptions without;
  without.extra_yaml = "plugins: []\n";
  std::string config;
  {
    g_autofree char* text = nullptr;
    ASSERT_TRUE(g_file_get_contents(kek.config_path().c_str(), &text, nullptr, nullptr));
    config = text;
  }
  const std::string bare_config = kek.data_dir() + "/without-auth.yaml";
  config = config.substr(0, config.find("plugins:")) + "plugins: []\n";
  write_file(bare_config, config);
  without.args = {"--config", bare_config};
  KekProcess second(without);
  ASSERT_TRUE(second.ready()) << second.output();
  EXPECT_NE(second.output().find("no access provider"), std::string::npos) << second.output();
  for (const char* which : {"private", "unlisted", "private recording", "unlisted recording"}) {
    auto refused = kek::test::http_get(second.http_url(), files[which]);
    EXPECT_EQ(refused.status, 403) << which;
    EXPECT_NE(refused.body.find("no_access_provider"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(kek::test::http_get(second.http_url(), files["public"]).status, 200) << "public media stays public";
  EXPECT_EQ(kek::test::http_get(second.http_url(), marker_url).status, 404);
}
