// What every HTTP request passes through before plugins see it: the real client behind trusted
// proxies (forwarded.h), the refusal of cross-site state changes (cross_site.h), and the
// security headers' policy per area (security_headers.h).
#include "http/cross_site.h"
#include "http/forwarded.h"
#include "http/security_headers.h"

#include <gtest/gtest.h>

namespace kek::core::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

TrustedProxies proxies(std::vector<std::string> entries) {
  auto parsed = TrustedProxies::parse(entries);
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() ? *parsed : TrustedProxies{};
}

TEST(TrustedProxies, AddressesAndNetworksOnly) {
  EXPECT_TRUE(TrustedProxies::parse({"127.0.0.1", "::1", "10.0.0.0/8", "fd00::/8"}).ok());
  EXPECT_EQ(TrustedProxies::parse({"localhost"}).error().code, 400);
  EXPECT_EQ(TrustedProxies::parse({"10.0.0.0/33"}).error().code, 400);
  auto p = proxies({"10.0.0.0/8", "::1"});
  EXPECT_TRUE(p.contains("10.1.2.3"));
  EXPECT_TRUE(p.contains("::1"));
  EXPECT_FALSE(p.contains("11.0.0.1"));
  EXPECT_FALSE(p.contains("not an address"));
}

TEST(Forwarded, BelievedOnlyFromATrustedProxy) {
  const Headers claimed = {{"x-forwarded-for", "203.0.113.9"}, {"x-forwarded-proto", "https"},
                           {"x-forwarded-host", "kek.example.org"}};
  // Nobody trusted: the peer is the client, whatever it claims.
  auto direct = forwarded_client("198.51.100.4", false, claimed, proxies({}));
  EXPECT_EQ(direct.client, "198.51.100.4");
  EXPECT_FALSE(direct.secure);
  EXPECT_TRUE(direct.host.empty());
  EXPECT_EQ(forwarded_client("198.51.100.4", false, claimed, proxies({"127.0.0.1"})).client, "198.51.100.4")
      << "a peer that is not the trusted proxy";
  auto proxied = forwarded_client("127.0.0.1", false, claimed, proxies({"127.0.0.1"}));
  EXPECT_EQ(proxied.client, "203.0.113.9");
  EXPECT_TRUE(proxied.secure);
  EXPECT_EQ(proxied.host, "kek.example.org");
  EXPECT_TRUE(forwarded_client("127.0.0.1", true, {}, proxies({})).secure) << "TLS straight to us";
}

TEST(Forwarded, ReadsTheChainFromTheRightAndStopsAtTheFirstStranger) {
  auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  // The client forged the leftmost entry; the proxies appended what they saw.
  EXPECT_EQ(forwarded_client("127.0.0.1", false, {{"x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.5"}}, p).client,
            "203.0.113.9");
  EXPECT_EQ(forwarded_client("127.0.0.1", false, {{"x-forwarded-for", "1.2.3.4"}, {"x-forwarded-for", "203.0.113.9"}}, p)
                .client,
            "203.0.113.9")
      << "repeated headers are one list";
  EXPECT_EQ(forwarded_client("127.0.0.1", false, {{"x-forwarded-for", "[2001:db8::7]:5000"}}, p).client, "2001:db8::7");
  EXPECT_EQ(forwarded_client("127.0.0.1", false, {{"x-forwarded-for", "203.0.113.9:4711"}}, p).client, "203.0.113.9");
  EXPECT_EQ(forwarded_client("127.0.0.1", false, {{"x-forwarded-for", "garbage, 10.0.0.5"}}, p).client, "10.0.0.5")
      << "no further than the last proxy we trust";
  EXPECT_EQ(forwarded_client("127.0.0.1", false, {{"x-forwarded-for", "<script>"}}, p).client, "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", false, {}, p).client, "127.0.0.1");
}

HttpRequest api_request(std::string method, Headers headers) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = "/api/auth/login";
  r.remote = "127.0.0.1";
  r.headers = std::move(headers);
  return r;
}

int refusal(const HttpRequest& r, const std::string& forwarded_host = {}) {
  auto refused = cross_site_refusal(r, forwarded_host);
  return refused ? refused->status : 0;
}

TEST(CrossSite, FormsAndForeignOriginsCannotChangeState) {
  const Headers host = {{"host", "kek.example.org"}};
  auto with = [&](Headers extra) {
    Headers h = host;
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
  };
  // The login CSRF of the issue: a cross-site text/plain form carrying a JSON-looking body.
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "text/plain"}, {"origin", "https://evil.example"}}))), 403);
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "text/plain;charset=UTF-8"}}))), 415) << "no Origin: a form is refused";
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "application/x-www-form-urlencoded"}}))), 415);
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "Multipart/Form-Data; boundary=x"}}))), 415);
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "application/json"}, {"origin", "null"}}))), 403);
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "application/json"}, {"sec-fetch-site", "cross-site"}}))), 403);
  EXPECT_EQ(refusal(api_request("DELETE", with({{"origin", "http://kek.example.org.evil.example"}}))), 403);
  EXPECT_EQ(refusal(api_request("POST", with({{"origin", "https://kek.example.org:8443"}}))), 403) << "another port";
  // What the web UI and tools send.
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "application/json"}}))), 0);
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "text/plain"}, {"origin", "https://kek.example.org"}}))), 0)
      << "our own page may send anything";
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "image/png"}, {"origin", "http://KEK.example.org"}}))), 0);
  EXPECT_EQ(refusal(api_request("POST", with({{"content-type", "image/png"}}))), 0) << "curl uploading an avatar";
  EXPECT_EQ(refusal(api_request("POST", with({}))), 0) << "no body, no Origin: not a browser form";
  EXPECT_EQ(refusal(api_request("GET", with({{"origin", "https://evil.example"}}))), 0) << "reads change nothing";
  // Host with a port; behind a trusted proxy, the host the client asked it for.
  EXPECT_EQ(refusal(api_request("POST", {{"host", "127.0.0.1:8080"}, {"origin", "http://127.0.0.1:8080"}})), 0);
  EXPECT_EQ(refusal(api_request("POST", {{"host", "127.0.0.1:8080"}, {"origin", "http://127.0.0.1:5173"}})), 403);
  EXPECT_EQ(refusal(api_request("POST", {{"host", "[::1]:8080"}, {"origin", "http://[::1]:8080"}})), 0);
  EXPECT_EQ(refusal(api_request("POST", {{"host", "127.0.0.1:8080"}, {"origin", "https://kek.example.org"}}),
                    "kek.example.org"),
            0);
}

TEST(SecurityHeaders, APolicyPerArea) {
  const std::string webui(content_security_policy("/live/demo"));
  EXPECT_NE(webui.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(webui.find("unsafe-eval"), std::string::npos);
  EXPECT_NE(webui.find("media-src 'self' blob:"), std::string::npos) << "hls.js and dash.js play from blob: URLs";
  EXPECT_NE(webui.find("worker-src 'self' blob:"), std::string::npos);
  EXPECT_NE(webui.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(content_security_policy("/"), webui);
  EXPECT_EQ(content_security_policy("/api/health"), "default-src 'none'; frame-ancestors 'none'");
  EXPECT_NE(std::string(content_security_policy("/media/live/x/index.m3u8")).find("frame-ancestors 'none'"),
            std::string::npos);
  // The embeddable player: the web UI's sources, framed by any site.
  const std::string embed(content_security_policy("/embed/live/demo"));
  EXPECT_EQ(embed.substr(0, embed.find("frame-ancestors")), webui.substr(0, webui.find("frame-ancestors")));
  EXPECT_NE(embed.find("frame-ancestors *"), std::string::npos);
  EXPECT_EQ(std::string(content_security_policy("/embedded")), webui) << "only the /embed/ folder";
}

}  // namespace
}  // namespace kek::core::http
