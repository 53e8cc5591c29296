// The admin's user management against a real `kek serve` with auth and rtmp: changing a role,
// disabling (sessions end, login and publishing are refused until enabled again) and deleting
// an account (its name stays reserved), and never leaving the site without a working admin.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <gtest/gtest.h>

using namespace kek::auth::test;
using kek::test::KekOptions;
using kek::test::KekProcess;

namespace {

constexpr const char* kPassword = "a-long-enough-secret";

KekOptions admin_options() {
  KekOptions o = auth_options();
  o.extra_yaml += "  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0}}\n";
  return o;
}

std::string user_id(Browser& admin, const std::string& name) {
  auto users = admin.get("/api/admin/users");
  for (size_t i = 0; i < json_array_length(users.body); ++i)
    if (json_field(users.body, std::to_string(i) + ".username") == name)
      return json_field(users.body, std::to_string(i) + ".id").value_or("");
  return "";
}

}  // namespace

TEST(AdminUsers, RoleChangesAndTheLastAdminStays) {
  KekProcess kek(admin_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  Browser bert(kek.http_url());
  ASSERT_EQ(bert.register_user("bert", kPassword).status, 201);
  const std::string admin_id = user_id(admin, "admin"), bert_id = user_id(admin, "bert");
  ASSERT_FALSE(bert_id.empty());

  EXPECT_EQ(bert.request("PATCH", "/api/admin/users/" + admin_id, R"({"role":"user"})").status, 403) << "admins only";
  EXPECT_EQ(bert.request("DELETE", "/api/admin/users/" + admin_id).status, 403);
  auto bad = admin.request("PATCH", "/api/admin/users/" + bert_id, R"({"role":"root"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json_field(bad.body, "code"), "invalid_role") << bad.body;
  EXPECT_EQ(admin.request("PATCH", "/api/admin/users/999999", R"({"role":"user"})").status, 404);
  EXPECT_EQ(admin.request("DELETE", "/api/admin/users/nope").status, 404);

  // The only admin can neither demote, disable nor delete themselves.
  for (const auto& [method, body] : std::vector<std::pair<std::string, std::string>>{
           {"PATCH", R"({"role":"user"})"}, {"PATCH", R"({"disabled":true})"}, {"DELETE", ""}}) {
    auto r = admin.request(method, "/api/admin/users/" + admin_id, body);
    EXPECT_EQ(r.status, 409) << method << " " << body << ": " << r.body;
    EXPECT_EQ(json_field(r.body, "code"), "last_admin") << r.body;
  }
  EXPECT_EQ(json_field(admin.get("/api/me").body, "role"), "admin");

  // Promoted, bert is an admin at once (same session); then the first admin may step down.
  auto promoted = admin.request("PATCH", "/api/admin/users/" + bert_id, R"({"role":"admin"})");
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(json_field(promoted.body, "role"), "admin");
  EXPECT_EQ(bert.get("/api/admin/users").status, 200);
  auto stepped_down = admin.request("PATCH", "/api/admin/users/" + admin_id, R"({"role":"user"})");
  ASSERT_EQ(stepped_down.status, 200) << stepped_down.body;
  EXPECT_EQ(admin.get("/api/admin/users").status, 403) << "no longer an admin";
  auto last = bert.request("PATCH", "/api/admin/users/" + bert_id, R"({"role":"user"})");
  EXPECT_EQ(last.status, 409) << "bert is now the last admin: " << last.body;
}

TEST(AdminUsers, DisablingEndsSessionsAndRefusesLoginAndPublishing) {
  KekProcess kek(admin_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  Browser carol(kek.http_url());
  const auto key = kek::test::account_with_stream_key(carol, "carol", kPassword);
  ASSERT_TRUE(key.failure.empty()) << key.failure;
  const std::string &secret = key.key, &stream = key.stream;
  const std::string carol_id = user_id(admin, "carol");

  auto disabled = admin.request("PATCH", "/api/admin/users/" + carol_id, R"({"disabled":true})");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_EQ(json_field(disabled.body, "disabled"), "true");
  EXPECT_EQ(carol.get("/api/me").status, 401) << "her session ended";
  auto login = Browser(kek.http_url()).login("carol", kPassword);
  EXPECT_EQ(login.status, 403) << login.body;
  EXPECT_EQ(json_field(login.body, "code"), "account_disabled");
  EXPECT_EQ(Browser(kek.http_url()).login("carol", "wrong-password-here").status, 401)
      << "a wrong password learns nothing about the account";
  auto refused = kek::test::publish_test_stream(kek.endpoint("rtmp") + "/" + secret, 20);
  EXPECT_NE(refused->wait(30000), 0) << "the key is refused at publish: " << refused->output();
  EXPECT_EQ(json_field(admin.get("/api/admin/users").body, "1.disabled"), "true");

  // Enabled again: she signs in and her key works.
  ASSERT_EQ(admin.request("PATCH", "/api/admin/users/" + carol_id, R"({"disabled":false})").status, 200);
  Browser again(kek.http_url());
  EXPECT_EQ(again.login("carol", kPassword).status, 200);
  auto pub = kek::test::publish_test_stream(kek.endpoint("rtmp") + "/" + secret, 30);
  kek::test::HttpResult live;
  EXPECT_TRUE(kek::test::wait_for([&] {
    live = kek::test::http_get(kek.http_url(), "/api/live");
    return json_field(live.body, "0.stream") == stream;
  }, 30000)) << live.body << kek.output();
}

TEST(AdminUsers, DeletingKeepsTheNameReserved) {
  KekProcess kek(admin_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  Browser dave(kek.http_url());
  ASSERT_EQ(dave.register_user("dave", kPassword).status, 201);
  const std::string dave_id = user_id(admin, "dave");

  EXPECT_EQ(admin.request("DELETE", "/api/admin/users/" + dave_id).status, 204);
  EXPECT_EQ(dave.get("/api/me").status, 401);
  EXPECT_EQ(Browser(kek.http_url()).login("dave", kPassword).status, 401);
  EXPECT_EQ(user_id(admin, "dave"), "") << "not listed any more";
  EXPECT_EQ(kek::test::http_get(kek.http_url(), "/api/users/dave").status, 404);
  EXPECT_EQ(Browser(kek.http_url()).register_user("DAVE", kPassword).status, 409) << "the name stays reserved";
  EXPECT_EQ(admin.request("DELETE", "/api/admin/users/" + dave_id).status, 404) << "already gone";
}

// What a disabled account publishes now (RTMP, and SRT through LiveIngest) ends at once: the publisher is cut off, the stream
// leaves /api/live without waiting out the reconnect grace, and its playlist ends.
TEST(AdminUsers, DisablingEndsTheStreamTheAccountPublishesNow) {
  KekOptions o = auth_options();
  o.extra_yaml += "  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 30}}\n"
                  "  - {name: srt, optional: true, args: {address: 127.0.0.1, port: 0}}\n";
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  Browser erin(kek.http_url());
  const auto key = kek::test::account_with_stream_key(erin, "erin", kPassword);
  ASSERT_TRUE(key.failure.empty()) << key.failure;
  const std::string &secret = key.key, &stream = key.stream;
  // Someone else's stream goes on.
  Browser fay(kek.http_url());
  const auto other_key = kek::test::account_with_stream_key(fay, "fay", kPassword);
  ASSERT_TRUE(other_key.failure.empty()) << other_key.failure;
  const std::string& other_stream = other_key.stream;

  auto pub = kek::test::publish_test_stream(kek.endpoint("rtmp") + "/" + secret, 120);
  // And over SRT (LiveIngest) with a second key, when the srt plugin is built.
  const bool with_srt = !kek.endpoint("srt").empty();
  std::string srt_stream;
  std::unique_ptr<kek::test::BackgroundProcess> srt_pub;
  if (with_srt) {
    const auto srt_key = kek::test::make_stream_key(erin, "SRT", "public");
    ASSERT_TRUE(srt_key.failure.empty()) << srt_key.failure;
    srt_stream = srt_key.stream;
    srt_pub = std::make_unique<kek::test::BackgroundProcess>(std::vector<std::string>{
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25", "-f",
        "lavfi", "-i", "sine", "-t", "120", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-f", "mpegts",
        kek.endpoint("srt") + "?streamid=" + srt_key.key + "&connect_timeout=3000"});
  }
  auto other = kek::test::publish_test_stream(kek.endpoint("rtmp") + "/" + other_key.key, 120);
  const std::string playlist = "/media/live/" + stream + "/source/index.m3u8";  // the passthrough layout's media playlist
  kek::test::HttpResult live;
  ASSERT_TRUE(kek::test::wait_for([&] {
    live = kek::test::http_get(kek.http_url(), "/api/live");
    return live.body.find("\"" + stream + "\"") != std::string::npos && live.body.find("\"" + other_stream + "\"") != std::string::npos &&
           (!with_srt || live.body.find("\"" + srt_stream + "\"") != std::string::npos) &&
           kek::test::http_get(kek.http_url(), playlist).body.find("#EXTINF") != std::string::npos;
  }, 40000)) << live.body << kek.output();

  ASSERT_EQ(admin.request("PATCH", "/api/admin/users/" + user_id(admin, "erin"), R"({"disabled":true})").status, 200);
  // ffmpeg is cut off (its publish fails); the stream is gone from the list long before the
  // 30 s grace would have run out, and its playlist is over.
  EXPECT_NE(pub->wait(15000), 0) << "the publisher was cut off: " << pub->output();
  EXPECT_TRUE(kek::test::wait_for([&] {
    live = kek::test::http_get(kek.http_url(), "/api/live");
    return live.body.find("\"" + stream + "\"") == std::string::npos &&
           (!with_srt || live.body.find("\"" + srt_stream + "\"") == std::string::npos);
  }, 10000)) << "not even 'reconnecting' (RTMP and SRT): " << live.body;
  if (srt_pub) {
    EXPECT_NE(srt_pub->wait(20000), 0) << "the SRT publisher was cut off too: " << srt_pub->output();
  }
  EXPECT_NE(live.body.find("\"" + other_stream + "\""), std::string::npos) << "fay's stream goes on: " << live.body;
  EXPECT_TRUE(kek::test::wait_for([&] {
    return kek::test::http_get(kek.http_url(), playlist).body.find("#EXT-X-ENDLIST") != std::string::npos;
  }, 15000)) << kek::test::http_get(kek.http_url(), playlist).body << kek.output();
  EXPECT_NE(kek.output().find("the account was disabled"), std::string::npos) << "the log says why";
  other->kill_now(15);
}

// Every admin account disabled (the API refuses to get there, 409 last_admin; a database edited
// by hand or restored from elsewhere can): the next start makes a new admin and prints it.
TEST(AdminUsers, ADisabledSoleAdminMakesTheNextStartCreateANewOne) {
  const std::string data = kek::test::make_temp_dir();
  KekOptions o = auth_options();
  o.data_dir = data;
  {
    KekProcess first(o);
    ASSERT_TRUE(first.ready()) << first.output();
    Browser admin(first.http_url());
    ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
    ASSERT_EQ(first.stop(), 0) << first.output();
    // first keeps the folder until it goes: the database is edited, and the second run made, meanwhile.
    auto [rc, out] = kek::test::run_command(
        {"python3", "-c",
         "import sqlite3, sys\n"
         "db = sqlite3.connect(sys.argv[1])\n"
         "db.execute(\"UPDATE auth_users SET disabled_at = 1 WHERE username = 'admin'\")\n"
         "db.commit()\n",
         data + "/kek.db"});
    ASSERT_EQ(rc, 0) << out;

    KekOptions again = o;
    again.env = {};  // no KEK_ADMIN_PASSWORD: a random password, printed once
    KekProcess second(again);
    ASSERT_TRUE(second.ready()) << second.output();
    const std::string output = second.output();
    EXPECT_NE(output.find("every admin account is disabled"), std::string::npos) << output;
    EXPECT_NE(output.find("admin user: admin1\n"), std::string::npos) << "\"admin\" is taken: " << output;
    const auto at = output.find("admin password: ");
    ASSERT_NE(at, std::string::npos) << output;
    const std::string password = output.substr(at + 16, output.find('\n', at) - at - 16);
    Browser admin1(second.http_url());
    ASSERT_EQ(admin1.login("admin1", password).status, 200);
    EXPECT_EQ(json_field(admin1.get("/api/me").body, "role"), "admin");
    EXPECT_EQ(admin1.get("/api/admin/users").status, 200) << "the new admin administers the site";
    EXPECT_EQ(Browser(second.http_url()).login("admin", kAdminPassword).status, 403) << "the old one stays disabled";
    ASSERT_EQ(second.stop(), 0);

    // With an enabled admin now, a third start makes none.
    KekProcess third(again);
    ASSERT_TRUE(third.ready()) << third.output();
    EXPECT_EQ(third.output().find("admin password: "), std::string::npos) << third.output();
  }
}
