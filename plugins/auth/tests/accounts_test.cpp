// Accounts against a real `kek serve`: first run, registration rules, login and logout,
// sessions (expiry, listing, revocation), CSRF, password change, rate limits, SQL injection
// attempts, and the offline `kek users` command.
#include "support/browser.h"

#include <gtest/gtest.h>

using namespace kek::auth::test;
using kek::test::KekProcess;
using kek::test::run_command;

namespace {

const char* kGoodPassword = "a-long-enough-secret";

std::string between(const std::string& text, const std::string& start, char end) {
  size_t at = text.find(start);
  if (at == std::string::npos) return "";
  at += start.size();
  return text.substr(at, text.find(end, at) - at);
}

}  // namespace

TEST(AuthFirstRun, CreatesAdminWithPrintedPasswordOnce) {
  kek::test::KekOptions options;
  options.extra_yaml = "plugins:\n  - {name: auth}\n";
  KekProcess kek(options);
  ASSERT_TRUE(kek.ready()) << kek.output();
  const std::string password = between(kek.output(), "admin password: ", '\n');
  ASSERT_GE(password.size(), 12u) << kek.output();

  Browser admin(kek.http_url());
  auto r = admin.login("admin", password);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_field(r.body, "user.role"), "admin");
  EXPECT_EQ(kek.stop(), 0);

  // The offline command sees the account; the password is not stored anywhere readable.
  auto [rc, out] = run_command({KEK_EXE, "users", "list", "--config", kek.config_path()});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("admin"), std::string::npos) << out;
  EXPECT_EQ(out.find(password), std::string::npos) << "the password is never shown again";
}

TEST(AuthFirstRun, TakesAdminPasswordFromEnvironment) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  EXPECT_EQ(kek.output().find("admin password:"), std::string::npos);
  EXPECT_EQ(kek.output().find(kAdminPassword), std::string::npos) << "never logged";
  Browser admin(kek.http_url());
  EXPECT_EQ(admin.login("admin", kAdminPassword).status, 200);
  EXPECT_EQ(admin.login("ADMIN", kAdminPassword).status, 200) << "names are case-insensitive";
}

TEST(AuthRegistration, EnforcesRulesAndLogsIn) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  // Each refusal says why with a stable code the web UI translates.
  auto code_of = [](const auto& reply) { return json_field(reply.body, "code").value_or("(none)"); };
  auto short_password = b.register_user("alice", "short");
  EXPECT_EQ(short_password.status, 400);
  EXPECT_EQ(code_of(short_password), "password_too_short");
  auto common = b.register_user("alice", "Password123");
  EXPECT_EQ(common.status, 400) << common.body;
  EXPECT_NE(common.body.find("common"), std::string::npos) << common.body;
  EXPECT_EQ(code_of(common), "password_too_common");
  EXPECT_EQ(code_of(b.register_user("alice", "alice")), "password_too_short");
  EXPECT_EQ(code_of(b.register_user("alice-in-chains", "Alice-In-Chains")), "password_is_username");
  auto short_name = b.register_user("al", kGoodPassword);
  EXPECT_EQ(short_name.status, 400) << "too short a name";
  EXPECT_EQ(code_of(short_name), "username_length");
  EXPECT_EQ(code_of(b.register_user("al ice", kGoodPassword)), "username_characters");
  EXPECT_EQ(code_of(b.register_user("alice", kGoodPassword, "not-an-email")), "email_invalid");
  EXPECT_EQ(code_of(b.register_user("alice", kGoodPassword, "")), "email_required");
  auto missing = b.post("/api/auth/register", "{\"username\":\"alice\"}");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(code_of(missing), "field_required");
  auto garbage = b.post("/api/auth/register", "not json");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(code_of(garbage), "invalid_json");
  EXPECT_TRUE(b.cookie().empty());

  auto ok = b.register_user("Alice", kGoodPassword, "alice@example.com");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(json_field(ok.body, "user.username"), "Alice");
  EXPECT_EQ(json_field(ok.body, "user.email"), "alice@example.com");
  EXPECT_EQ(json_field(ok.body, "user.role"), "user");
  EXPECT_EQ(json_field(ok.body, "user.avatar_url"), "/api/users/Alice/avatar");
  EXPECT_EQ(json_field(ok.body, "user.joined_at")->size(), 20u) << "ISO-8601 UTC";
  EXPECT_EQ(json_field(ok.body, "csrf_token")->size(), 64u);
  EXPECT_EQ(ok.body.find("argon2"), std::string::npos);
  EXPECT_EQ(b.cookie().size(), 64u) << b.last_set_cookie;
  EXPECT_NE(b.last_set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(b.last_set_cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(b.last_set_cookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(b.last_set_cookie.find("Secure"), std::string::npos) << "plain HTTP here";

  auto session = b.get("/api/auth/session");
  EXPECT_EQ(json_field(session.body, "user.username"), "Alice");
  EXPECT_EQ(json_field(session.body, "csrf_token"), b.csrf());

  Browser other(kek.http_url());
  auto taken = other.register_user("aLiCe", kGoodPassword);
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(code_of(taken), "username_taken");
  auto anonymous = other.get("/api/auth/session");
  EXPECT_EQ(anonymous.status, 200);
  EXPECT_EQ(json_field(anonymous.body, "user"), "null");

  auto profile = other.get("/api/users/alice");
  EXPECT_EQ(profile.status, 200) << profile.body;
  EXPECT_EQ(json_field(profile.body, "username"), "Alice");
  EXPECT_EQ(json_field(profile.body, "email"), std::nullopt) << "email is private";
  EXPECT_EQ(other.get("/api/users/nobody").status, 404);
  auto avatar = other.get("/api/users/alice/avatar");
  EXPECT_EQ(avatar.status, 200);
  EXPECT_EQ(avatar.header("content-type"), "image/svg+xml");
}

TEST(AuthRegistration, ClosedAndInviteModes) {
  {
    KekProcess kek(auth_options("registration: closed"));
    ASSERT_TRUE(kek.ready()) << kek.output();
    Browser b(kek.http_url());
    EXPECT_EQ(b.register_user("bob", kGoodPassword).status, 403);
  }
  KekProcess kek(auth_options("registration: invite"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  EXPECT_EQ(b.register_user("bob", kGoodPassword).status, 403);
  EXPECT_EQ(b.register_user("bob", kGoodPassword, "bob@example.com", "made-up").status, 403);

  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  auto invite = admin.post("/api/admin/invites", "{}");
  ASSERT_EQ(invite.status, 201) << invite.body;
  const std::string code = *json_field(invite.body, "code");
  EXPECT_EQ(b.register_user("bob", kGoodPassword, "bob@example.com", code).status, 201);
  Browser c(kek.http_url());
  EXPECT_EQ(c.register_user("carol", kGoodPassword, "carol@example.com", code).status, 403) << "single use";

  EXPECT_EQ(b.post("/api/admin/invites", "{}").status, 403) << "admins only";
}

TEST(AuthLogin, WrongPasswordLoginLogout) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser reg(kek.http_url());
  ASSERT_EQ(reg.register_user("dave", kGoodPassword).status, 201);

  Browser b(kek.http_url());
  auto wrong = b.login("dave", "not-the-password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, R"({"error":"wrong username or password","code":"wrong_credentials"})");
  auto unknown = b.login("nobody-here", "not-the-password");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.body, wrong.body) << "no hint which part was wrong";
  EXPECT_TRUE(b.cookie().empty());
  EXPECT_EQ(b.get("/api/me").status, 401);

  auto ok = b.login("DAVE", kGoodPassword);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json_field(ok.body, "user.username"), "dave");
  auto me = b.get("/api/me");
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(json_field(me.body, "email"), "someone@example.com");

  const std::string old_cookie = b.cookie();
  b.send_csrf = false;
  EXPECT_EQ(b.post("/api/auth/logout").status, 403) << "logout needs the CSRF token too";
  b.send_csrf = true;
  auto out = b.post("/api/auth/logout");
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.header("set-cookie").find("kek_session=;"), std::string::npos) << out.header("set-cookie");
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
  b.set_cookie(old_cookie);
  EXPECT_EQ(b.get("/api/me").status, 401) << "the session is gone on the server too";
}

TEST(AuthCsrf, StateChangesWithSessionNeedToken) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  ASSERT_EQ(b.register_user("erin", kGoodPassword).status, 201);
  const std::string token = b.csrf();
  b.send_csrf = false;
  auto none = b.request("PATCH", "/api/me", R"({"bio":"x"})");
  EXPECT_EQ(none.status, 403);
  EXPECT_NE(none.body.find("CSRF"), std::string::npos) << none.body;
  auto wrong = b.request("PATCH", "/api/me", R"({"bio":"x"})", {{"X-CSRF-Token", std::string(64, 'a')}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(b.request("POST", "/api/me/stream-keys", R"({"name":"x"})").status, 403);
  EXPECT_EQ(b.request("DELETE", "/api/me/stream-keys/1").status, 403);
  EXPECT_EQ(b.get("/api/me").status, 200) << "reads need no token";
  auto right = b.request("PATCH", "/api/me", R"({"bio":"x"})", {{"X-CSRF-Token", token}});
  EXPECT_EQ(right.status, 200) << right.body;
  // navigator.sendBeacon sets no header: a text/plain POST may carry the token in its JSON body;
  // a wrong one there, the token in a PATCH's body, or in a JSON-typed body, is no token. A browser
  // sends its page's Origin with every beacon (without one a text/plain body is refused: 415).
  const std::vector<std::pair<std::string, std::string>> origin = {{"Origin", kek.http_url()}};
  const std::string beacon = "{\"csrf_token\":\"" + token + "\"}";
  EXPECT_EQ(b.request("POST", "/api/me/stream-keys", "{\"csrf_token\":\"" + std::string(64, 'a') + "\"}", origin,
                      "text/plain;charset=UTF-8").status, 403);
  EXPECT_EQ(b.request("PATCH", "/api/me", beacon, origin, "text/plain;charset=UTF-8").status, 403);
  EXPECT_EQ(b.request("POST", "/api/me/stream-keys", beacon).status, 403);
  EXPECT_NE(b.request("POST", "/api/me/stream-keys", beacon, origin, "text/plain;charset=UTF-8").status, 403);

  // A stale cookie carries no authority, so it does not stand in the way of logging in again.
  Browser stale(kek.http_url());
  stale.set_cookie(std::string(64, 'f'));
  stale.send_csrf = false;
  EXPECT_EQ(stale.login("erin", kGoodPassword).status, 200);
}

TEST(AuthSessions, ExpireAfterTheirLifetime) {
  KekProcess kek(auth_options("session_seconds: 2"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  ASSERT_EQ(b.register_user("frank", kGoodPassword).status, 201);
  EXPECT_NE(b.last_set_cookie.find("Max-Age=2"), std::string::npos) << b.last_set_cookie;
  EXPECT_EQ(b.get("/api/me").status, 200);
  g_usleep(3 * G_USEC_PER_SEC);
  EXPECT_EQ(b.get("/api/me").status, 401);
  auto session = b.get("/api/auth/session");
  EXPECT_EQ(json_field(session.body, "user"), "null");
}

TEST(AuthSessions, ListAndRevoke) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser laptop(kek.http_url());
  ASSERT_EQ(laptop.register_user("grace", kGoodPassword).status, 201);
  Browser phone(kek.http_url());
  ASSERT_EQ(phone.login("grace", kGoodPassword).status, 200);
  Browser tablet(kek.http_url());
  ASSERT_EQ(tablet.login("grace", kGoodPassword).status, 200);

  auto list = laptop.get("/api/auth/sessions");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(json_array_length(list.body), 3u) << list.body;
  EXPECT_EQ(json_field(list.body, "0.current"), "true");
  EXPECT_EQ(json_field(list.body, "1.current"), "false");
  EXPECT_EQ(json_field(list.body, "0.user_agent"), "auth-test");
  EXPECT_EQ(json_field(list.body, "0.remote"), "127.0.0.1");
  EXPECT_TRUE(json_field(list.body, "0.last_seen_at").has_value());
  EXPECT_EQ(list.body.find(laptop.cookie()), std::string::npos) << "tokens are never shown";

  // The phone's session (the second) is revoked from the laptop.
  const std::string phone_id = *json_field(list.body, "1.id");
  EXPECT_EQ(laptop.request("DELETE", "/api/auth/sessions/" + phone_id).status, 204);
  EXPECT_EQ(phone.get("/api/me").status, 401);
  EXPECT_EQ(laptop.request("DELETE", "/api/auth/sessions/" + phone_id).status, 404);

  Browser mallory(kek.http_url());
  ASSERT_EQ(mallory.register_user("mallory", kGoodPassword).status, 201);
  const std::string tablet_id = *json_field(laptop.get("/api/auth/sessions").body, "1.id");
  EXPECT_EQ(mallory.request("DELETE", "/api/auth/sessions/" + tablet_id).status, 404) << "not hers";
  EXPECT_EQ(tablet.get("/api/me").status, 200);

  auto others = laptop.post("/api/auth/sessions/revoke-others");
  EXPECT_EQ(others.status, 200) << others.body;
  EXPECT_EQ(json_field(others.body, "revoked"), "1");
  EXPECT_EQ(tablet.get("/api/me").status, 401);
  EXPECT_EQ(laptop.get("/api/me").status, 200);
  EXPECT_EQ(laptop.get("/api/auth/sessions").status, 200);
  EXPECT_EQ(json_array_length(laptop.get("/api/auth/sessions").body), 1u);
}

TEST(AuthPassword, ChangeNeedsCurrentAndEndsOtherSessions) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  ASSERT_EQ(b.register_user("heidi", kGoodPassword).status, 201);
  Browser other(kek.http_url());
  ASSERT_EQ(other.login("heidi", kGoodPassword).status, 200);

  const std::string new_password = "another-long-secret";
  EXPECT_EQ(b.post("/api/me/password", R"({"current_password":"wrong-one!","new_password":"another-long-secret"})").status, 403);
  EXPECT_EQ(b.post("/api/me/password", R"({"current_password":"a-long-enough-secret","new_password":"12345678"})").status, 400);
  EXPECT_EQ(b.post("/api/me/password", R"({"current_password":"a-long-enough-secret"})").status, 400);
  auto ok = b.post("/api/me/password", R"({"current_password":"a-long-enough-secret","new_password":"another-long-secret"})");
  EXPECT_EQ(ok.status, 204) << ok.body;
  EXPECT_EQ(b.get("/api/me").status, 200) << "this session stays";
  EXPECT_EQ(other.get("/api/me").status, 401) << "others end";
  Browser fresh(kek.http_url());
  EXPECT_EQ(fresh.login("heidi", kGoodPassword).status, 401);
  EXPECT_EQ(fresh.login("heidi", new_password).status, 200);

  // Guessing the current password is slowed down like a login, never locked: past the free
  // failures (5) the answer waits, and the right password still changes it.
  const std::string wrong = R"({"current_password":"wrong-one!","new_password":"a-third-long-secret"})";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.post("/api/me/password", wrong).status, 403);
  const int64_t start = g_get_monotonic_time();
  auto slow = b.post("/api/me/password", R"({"current_password":"another-long-secret","new_password":"a-third-long-secret"})");
  EXPECT_EQ(slow.status, 204) << slow.body;
  EXPECT_GE((g_get_monotonic_time() - start) / 1000, 1000) << "answered after the account's delay";
}

TEST(AuthProfile, EditValidatesAndStoresLiterally) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  // The password itself is an injection attempt: it must round-trip through the hash.
  const std::string evil_password = "'; DROP TABLE auth_users; --";
  ASSERT_EQ(b.register_user("ivan", evil_password, "x'OR'1'='1@example.com").status, 201);
  const std::vector<std::string> attempts = {
      "'; DROP TABLE auth_users; --", "\" OR \"1\"=\"1", "Robert'); DELETE FROM auth_sessions;--",
      "1; UPDATE auth_users SET role='admin'", "%' OR username LIKE '%"};
  for (const auto& text : attempts) {
    auto r = b.request("PATCH", "/api/me", "{\"display_name\":" + quoted(text) + ",\"bio\":" + quoted(text + "\nsecond line") + "}");
    ASSERT_EQ(r.status, 200) << r.body;
    auto me = b.get("/api/me");
    EXPECT_EQ(json_field(me.body, "display_name"), text);
    EXPECT_EQ(json_field(me.body, "bio"), text + "\nsecond line");
    EXPECT_EQ(json_field(me.body, "role"), "user");
    auto key = b.post("/api/me/stream-keys", "{\"name\":" + quoted(text) + "}");
    ASSERT_EQ(key.status, 201) << key.body;
    EXPECT_EQ(json_field(key.body, "name"), text);
  }
  EXPECT_EQ(json_field(b.get("/api/me").body, "email"), "x'OR'1'='1@example.com");
  auto email = b.request("PATCH", "/api/me", R"({"email":"a'--@example.com"})");
  EXPECT_EQ(json_field(email.body, "email"), "a'--@example.com");

  Browser attacker(kek.http_url());
  EXPECT_EQ(attacker.login("ivan' --", "anything-at-all").status, 401);
  EXPECT_EQ(attacker.login("' OR '1'='1", "' OR '1'='1").status, 401);
  EXPECT_EQ(attacker.register_user("x' OR 1=1 --", kGoodPassword).status, 400);
  EXPECT_EQ(attacker.get("/api/users/ivan'%20OR%20'1'='1").status, 404);
  Browser again(kek.http_url());
  EXPECT_EQ(again.login("ivan", evil_password).status, 200) << "the tables are intact";
  EXPECT_EQ(again.get("/api/me").status, 200);

  EXPECT_EQ(b.request("PATCH", "/api/me", R"({"display_name":"a\u0001b"})").status, 400);
  EXPECT_EQ(b.request("PATCH", "/api/me", "{\"display_name\":" + quoted(std::string(65, 'x')) + "}").status, 400);
  EXPECT_EQ(b.request("PATCH", "/api/me", R"({"email":"nope"})").status, 400);
  EXPECT_EQ(b.request("PATCH", "/api/me", R"({"bio":5})").status, 400);
  EXPECT_EQ(b.request("PATCH", "/api/me", "{\"bio\":" + quoted(std::string(70000, 'x')) + "}").status, 413);
}

// Failures on an account slow its logins down and never lock the owner out (anyone could do that
// to anyone); only an address's own failures refuse it.
TEST(AuthRateLimit, AnAccountsFailuresSlowItDownTheAddressesRefuse) {
  KekProcess kek(auth_options("login_failures_per_account: 3, login_failures_per_address: 7"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser reg(kek.http_url());
  ASSERT_EQ(reg.register_user("judy", kGoodPassword).status, 201);
  Browser b(kek.http_url());
  auto timed_login = [&](const std::string& name, const std::string& password) {
    const int64_t start = g_get_monotonic_time();
    auto r = b.login(name, password);
    return std::make_pair(r, (g_get_monotonic_time() - start) / 1000);
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.login("judy", "wrong-password").status, 401);
  // The fourth attempt waits a second, the fifth two: a guesser slows down...
  auto [wrong, wrong_ms] = timed_login("JUDY", "wrong-password");
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_GE(wrong_ms, 1000) << "the account, whatever the case";
  // ...and the owner, after the same wait, is in.
  auto [owner, owner_ms] = timed_login("judy", kGoodPassword);
  EXPECT_EQ(owner.status, 200) << owner.body;
  EXPECT_GE(owner_ms, 2000);
  EXPECT_LT(owner_ms, 15000);
  auto [again, again_ms] = timed_login("judy", kGoodPassword);
  EXPECT_EQ(again.status, 200);
  EXPECT_LT(again_ms, 1000) << "a success clears the account's failures";

  // Failures on other names reach the address limit (7) for everyone from here.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.login("someone" + std::to_string(i), "wrong-password").status, 401);
  auto address = b.login("admin", kAdminPassword);
  EXPECT_EQ(address.status, 429) << address.body;
  EXPECT_EQ(json_field(address.body, "code"), "too_many_attempts");
  EXPECT_FALSE(address.header("retry-after").empty());
  EXPECT_EQ(address.body.find("admin"), std::string::npos);
  EXPECT_NE(kek.output().find("failures on the account"), std::string::npos) << kek.output();
}

TEST(AuthRateLimit, RegistrationsPerAddress) {
  KekProcess kek(auth_options("registrations_per_address: 2, registration_window_s: 600"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  EXPECT_EQ(b.register_user("bad name!", kGoodPassword).status, 400) << "a refused form does not count";
  EXPECT_EQ(b.register_user("first", kGoodPassword).status, 201);
  // A taken name counts: asking name after name cannot list the accounts past the limit.
  EXPECT_EQ(b.register_user("first", kGoodPassword).status, 409);
  auto third = Browser(kek.http_url()).register_user("third", kGoodPassword);
  EXPECT_EQ(third.status, 429) << third.body;
  const int retry = std::atoi(third.header("retry-after").c_str());
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 600);
  EXPECT_EQ(Browser(kek.http_url()).login("first", kGoodPassword).status, 200) << "logging in is not limited by it";
}

TEST(AuthUsersCommand, WorksOfflineOnTheDatabase) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  ASSERT_EQ(kek.stop(), 0);
  const std::vector<std::string> env = {std::string("KEK_ADMIN_PASSWORD=") + kAdminPassword};
  auto cmd = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {KEK_EXE, "users"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(kek.config_path());
    return run_command(argv, 60000, env);
  };
  auto [rc_add, add] = cmd({"add", "kim", "--admin", "--password", kGoodPassword});
  EXPECT_EQ(rc_add, 0) << add;
  auto [rc_dup, dup] = cmd({"add", "KIM", "--password", kGoodPassword});
  EXPECT_NE(rc_dup, 0) << dup;
  auto [rc_weak, weak] = cmd({"add", "lee", "--password", "password"});
  EXPECT_NE(rc_weak, 0) << weak;
  auto [rc_gen, gen] = cmd({"add", "lee"});
  EXPECT_EQ(rc_gen, 0) << gen;
  const std::string lee_password = between(gen, "password: ", '\n');
  EXPECT_GE(lee_password.size(), 12u) << gen;
  auto [rc_list, list] = cmd({"list"});
  EXPECT_EQ(rc_list, 0) << list;
  EXPECT_NE(list.find("kim"), std::string::npos) << list;
  EXPECT_NE(list.find("lee"), std::string::npos) << list;
  EXPECT_EQ(list.find("argon2"), std::string::npos);
  auto [rc_pw, pw] = cmd({"passwd", "kim", "--password", "kims-new-password"});
  EXPECT_EQ(rc_pw, 0) << pw;
  auto [rc_del, del] = cmd({"delete", "lee"});
  EXPECT_EQ(rc_del, 0) << del;
  auto [rc_del2, del2] = cmd({"delete", "lee"});
  EXPECT_NE(rc_del2, 0) << del2;
  auto [rc_bad, bad] = cmd({"frobnicate"});
  EXPECT_EQ(rc_bad, 2) << bad;

  // kek serve again on the same data (a later --config wins): the accounts made offline work.
  kek::test::KekOptions again = auth_options();
  again.args = {"--config", kek.config_path()};
  KekProcess second(again);
  ASSERT_TRUE(second.ready()) << second.output();
  Browser kim(second.http_url());
  EXPECT_EQ(kim.login("kim", kGoodPassword).status, 401);
  auto login = kim.login("kim", "kims-new-password");
  EXPECT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(json_field(login.body, "user.role"), "admin");
  EXPECT_EQ(kim.login("lee", lee_password).status, 401) << "deleted";
}

// Another plugin learns who is calling through the Identity service (the example plugin's
// /api/example/whoami uses nothing else), and what that user may watch.
TEST(AuthIdentity, OtherPluginsSeeTheSignedInUser) {
  kek::test::KekOptions options = auth_options();
  options.extra_yaml += "  - {name: example}\n";
  KekProcess kek(options);
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anonymous(kek.http_url());
  auto nobody = anonymous.get("/api/example/whoami");
  ASSERT_EQ(nobody.status, 200) << nobody.body;
  EXPECT_EQ(json_field(nobody.body, "user"), "null");
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("Anna", kGoodPassword).status, 201);
  EXPECT_EQ(json_field(anna.get("/api/example/whoami").body, "user"), "Anna");
  // What a user may watch: anna's private stream is hers alone.
  auto key = anna.post("/api/me/stream-keys", R"({"name":"home","visibility":"private"})");
  ASSERT_EQ(key.status, 201) << key.body;
  const std::string query = "/api/example/whoami?media=live/" + *json_field(key.body, "stream") + "/";
  EXPECT_EQ(json_field(anna.get(query).body, "may_view"), "true");
  EXPECT_EQ(json_field(anonymous.get(query).body, "may_view"), "false");
  Browser boris(kek.http_url());
  ASSERT_EQ(boris.register_user("boris", kGoodPassword).status, 201);
  EXPECT_EQ(json_field(boris.get(query).body, "may_view"), "false");
  EXPECT_EQ(json_field(boris.get("/api/example/whoami?media=live/someone-public/").body, "may_view"), "true");
  ASSERT_EQ(anna.post("/api/auth/logout", "").status / 100, 2);
  EXPECT_EQ(json_field(anna.get("/api/example/whoami").body, "user"), "null") << "a stale cookie is nobody";
}

// A deleted account's streams and recordings stay on disk, but nobody may fetch them, after a
// restart too; its name stays reserved, so nobody inherits what was granted to it or its
// stream names; the grants it held end.
TEST(AuthUsersCommand, DeletingAUserHidesTheirMediaAndReservesTheName) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", kGoodPassword).status, 201);
  auto key = anna.post("/api/me/stream-keys", R"({"name":"public show"})");
  ASSERT_EQ(key.status, 201) << key.body;
  const std::string stream = *json_field(key.body, "stream");
  for (const std::string dir : {"/live/", "/recordings/"}) {
    const std::string folder = kek.media_dir() + dir + stream;
    ASSERT_EQ(g_mkdir_with_parents(folder.c_str(), 0755), 0);
    ASSERT_TRUE(g_file_set_contents((folder + "/old.ts").c_str(), "x", 1, nullptr));
  }
  // Someone shares a private stream with anna.
  Browser bert(kek.http_url());
  ASSERT_EQ(bert.register_user("bert", kGoodPassword).status, 201);
  auto shared = bert.post("/api/me/stream-keys", R"({"name":"family","visibility":"private"})");
  ASSERT_EQ(shared.status, 201) << shared.body;
  const std::string shared_stream = *json_field(shared.body, "stream");
  const std::string shared_id = *json_field(shared.body, "id");
  ASSERT_EQ(bert.request("PATCH", "/api/me/stream-keys/" + shared_id, R"({"allowed":["anna"]})").status, 200);
  const std::string shared_file = "/media/live/" + shared_stream + "/index.m3u8";
  ASSERT_TRUE(g_mkdir_with_parents((kek.media_dir() + "/live/" + shared_stream).c_str(), 0755) == 0);
  ASSERT_TRUE(g_file_set_contents((kek.media_dir() + shared_file.substr(6)).c_str(), "#EXTM3U\n", -1, nullptr));
  EXPECT_EQ(anna.get(shared_file).status, 200);
  auto token = anna.post("/api/media/sign", "{\"prefix\":\"live/" + shared_stream + "/\",\"ttl_s\":600}");
  ASSERT_EQ(token.status, 200) << token.body;
  const std::string signed_url = *json_field(token.body, "url_prefix") + "index.m3u8";
  EXPECT_EQ(kek::test::http_get(kek.http_url(), signed_url).status, 200);
  const std::string live = "/media/live/" + stream + "/old.ts", recording = "/media/recordings/" + stream + "/old.ts";
  EXPECT_EQ(kek::test::http_get(kek.http_url(), live).status, 200) << "public while the account exists";
  ASSERT_EQ(kek.stop(), 0);

  auto [rc, out] = run_command({KEK_EXE, "users", "delete", "anna", "--config", kek.config_path()}, 60000,
                               {std::string("KEK_ADMIN_PASSWORD=") + kAdminPassword});
  ASSERT_EQ(rc, 0) << out;
  kek::test::KekOptions again = auth_options();
  again.args = {"--config", kek.config_path()};
  KekProcess second(again);
  ASSERT_TRUE(second.ready()) << second.output();
  EXPECT_EQ(kek::test::http_get(second.http_url(), live).status, 403);
  EXPECT_EQ(kek::test::http_get(second.http_url(), recording).status, 403);
  EXPECT_EQ(kek::test::http_get(second.http_url(), signed_url).status, 403) << "the URL anna signed ended with her";
  Browser admin(second.http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  EXPECT_EQ(admin.get(live).status, 403) << "buried for everybody";
  EXPECT_EQ(Browser(second.http_url()).login("anna", kGoodPassword).status, 401);

  Browser newcomer(second.http_url());
  auto taken = newcomer.register_user("anna", kGoodPassword);
  EXPECT_EQ(taken.status, 409) << "a deleted account's name stays reserved: " << taken.body;
  EXPECT_EQ(newcomer.register_user("ANNA", kGoodPassword).status, 409);
  EXPECT_EQ(admin.post("/api/admin/groups", R"({"name":"family","members":["anna"]})").status, 400)
      << "a deleted account is nobody";
  Browser bert_again(second.http_url());
  ASSERT_EQ(bert_again.login("bert", kGoodPassword).status, 200);
  auto keys = bert_again.get("/api/me/stream-keys");
  EXPECT_EQ(json_field(keys.body, "0.allowed.0"), std::nullopt) << "the grant to anna is gone: " << keys.body;
}
