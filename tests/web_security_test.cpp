// The web face against a real `kek serve` with accounts (issue 15, item 5): security headers
// on every response, state changes refused from other sites (the login CSRF a cross-site
// text/plain form could do), Secure cookies over TLS, and X-Forwarded-* believed only from a
// trusted proxy.
#include "support/browser.h"
#include "support/http_client.h"
#include "support/kek_process.h"

#include <gtest/gtest.h>
#include <glib/gstdio.h>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;
using kek::auth::test::kAdminPassword;

namespace {

const char* kPassword = "a-long-enough-secret";

KekOptions with_accounts(const std::string& http_yaml = {}) {
  KekOptions o;
  o.extra_yaml = http_yaml + "plugins:\n  - {name: auth}\n";
  o.env = {std::string("KEK_ADMIN_PASSWORD=") + kAdminPassword};
  return o;
}

std::string host_of(const std::string& url) {  // "http://127.0.0.1:PORT/" -> "127.0.0.1:PORT"
  return url.substr(7, url.size() - 8);
}

}  // namespace

TEST(WebSecurity, EveryResponseCarriesTheSecurityHeaders) {
  KekProcess kek(with_accounts());
  ASSERT_TRUE(kek.ready()) << kek.output();
  g_mkdir_with_parents((kek.media_dir() + "/live/x").c_str(), 0755);
  ASSERT_TRUE(g_file_set_contents((kek.media_dir() + "/live/x/index.m3u8").c_str(), "#EXTM3U\n", -1, nullptr));
  for (const char* path : {"/api/health", "/api/nothing-here", "/media/live/x/index.m3u8", "/media/none.ts", "/",
                           "/live/someone"}) {
    auto r = http_get(kek.http_url(), path);
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << path;
    EXPECT_EQ(r.header("referrer-policy"), "same-origin") << path;
    EXPECT_NE(r.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos) << path;
  }
  EXPECT_NE(http_get(kek.http_url(), "/").header("content-security-policy").find("script-src 'self'"), std::string::npos);
  // An error answered before any route or guard, and a guard's refusal, carry them too.
  auto refused = http_request("POST", kek.http_url(), "/api/auth/login", {}, "{}", "text/plain");
  EXPECT_EQ(refused.header("x-content-type-options"), "nosniff");
}

TEST(WebSecurity, LoginAndOtherStateChangesFromOtherSitesAreRefused) {
  KekProcess kek(with_accounts());
  ASSERT_TRUE(kek.ready()) << kek.output();
  const std::string login = std::string(R"({"username":"admin","password":")") + kAdminPassword + "\"}";
  // The attack: a form on another site posts text/plain whose body reads as JSON.
  auto form = http_request("POST", kek.http_url(), "/api/auth/login", {{"Origin", "https://evil.example"}}, login,
                           "text/plain");
  EXPECT_EQ(form.status, 403) << form.body;
  EXPECT_TRUE(form.header("set-cookie").empty()) << "nobody was signed in";
  EXPECT_NE(form.body.find("cross_origin"), std::string::npos) << form.body;
  auto old_browser = http_request("POST", kek.http_url(), "/api/auth/login", {}, login, "text/plain");
  EXPECT_EQ(old_browser.status, 415) << "no Origin, but a form: " << old_browser.body;
  auto urlencoded = http_request("POST", kek.http_url(), "/api/auth/register", {}, "username=x&password=y",
                                 "application/x-www-form-urlencoded");
  EXPECT_EQ(urlencoded.status, 415);
  auto foreign_json = http_request("POST", kek.http_url(), "/api/auth/login", {{"Origin", "http://127.0.0.1:1"}}, login);
  EXPECT_EQ(foreign_json.status, 403) << "another port is another origin";
  // Our own page (same origin), and tools without an Origin that send JSON.
  auto own = http_request("POST", kek.http_url(), "/api/auth/login", {{"Origin", "http://" + host_of(kek.http_url())}},
                          login, "text/plain");
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(http_request("POST", kek.http_url(), "/api/auth/login", {}, login).status, 200);
  // A signed-in user's state change from another site, even with the CSRF token stolen.
  Browser b(kek.http_url());
  ASSERT_EQ(b.register_user("ursula", kPassword).status, 201);
  EXPECT_EQ(b.request("PATCH", "/api/me", R"({"bio":"x"})", {{"Origin", "https://evil.example"}}).status, 403);
  EXPECT_EQ(b.request("PATCH", "/api/me", R"({"bio":"x"})", {{"Origin", "http://" + host_of(kek.http_url())}}).status, 200);
}

TEST(WebSecurity, CookiesAreSecureOverTlsAndForwardedHeadersNeedATrustedProxy) {
  const std::string login = std::string(R"({"username":"admin","password":")") + kAdminPassword + "\"}";
  const std::vector<std::pair<std::string, std::string>> via_proxy = {{"X-Forwarded-For", "203.0.113.9"},
                                                                      {"X-Forwarded-Proto", "https"}};
  {
    // Nobody trusted: a client cannot claim to be another address, nor TLS.
    KekProcess kek(with_accounts());
    ASSERT_TRUE(kek.ready()) << kek.output();
    Browser b(kek.http_url());
    auto r = b.request("POST", "/api/auth/login", login, via_proxy);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("set-cookie").find("Secure"), std::string::npos) << r.header("set-cookie");
    EXPECT_EQ(json_field(b.get("/api/auth/sessions").body, "0.remote"), "127.0.0.1");
  }
  KekProcess kek(with_accounts("http: {address: 127.0.0.1, port: 0, trusted_proxies: [127.0.0.1]}\n"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  auto r = b.request("POST", "/api/auth/login", login, via_proxy);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.header("set-cookie").find("; Secure"), std::string::npos) << r.header("set-cookie");
  EXPECT_NE(r.header("set-cookie").find("HttpOnly"), std::string::npos);
  EXPECT_EQ(json_field(b.get("/api/auth/sessions").body, "0.remote"), "203.0.113.9") << "the client behind the proxy";
  Browser plain(kek.http_url());
  auto direct = plain.request("POST", "/api/auth/login", login, {{"X-Forwarded-For", "203.0.113.10"}});
  EXPECT_EQ(direct.header("set-cookie").find("Secure"), std::string::npos) << "plain HTTP through the proxy";
  // The proxy's public name counts as our origin.
  auto proxied = http_request("POST", kek.http_url(), "/api/auth/login",
                              {{"Origin", "https://kek.example.org"}, {"X-Forwarded-Host", "kek.example.org"},
                               {"X-Forwarded-Proto", "https"}},
                              login);
  EXPECT_EQ(proxied.status, 200) << proxied.body;
}

// A bad trusted_proxies entry is a config error that names the key.
TEST(WebSecurity, TrustedProxiesAreCheckedWithTheConfig) {
  KekOptions o = with_accounts("http: {address: 127.0.0.1, port: 0, trusted_proxies: [\"my-proxy\"]}\n");
  o.wait_ready = false;
  KekProcess kek(o);
  EXPECT_EQ(kek.wait_exit(30000), 2) << kek.output();
  EXPECT_NE(kek.output().find("http.trusted_proxies"), std::string::npos) << kek.output();
}
