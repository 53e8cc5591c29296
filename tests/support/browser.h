// A test client that behaves like the web UI: keeps the kek_session cookie between requests
// and sends the CSRF token it was given on state-changing ones.
#pragma once

#include "support/http_client.h"
#include "support/kek_process.h"

#include <json-glib/json-glib.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kek::auth::test {

using kek::test::HttpResult;

// The node at a dotted path ("user.username", "items.0.id") under root; nullptr when absent.
inline JsonNode* json_node_at(JsonNode* node, const std::string& path) {
  size_t start = 0;
  while (node && start <= path.size()) {
    size_t end = path.find('.', start);
    std::string part = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (JSON_NODE_HOLDS_OBJECT(node)) {
      node = json_object_get_member(json_node_get_object(node), part.c_str());
    } else if (JSON_NODE_HOLDS_ARRAY(node)) {
      JsonArray* a = json_node_get_array(node);
      if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return nullptr;
      guint i = static_cast<guint>(std::stoul(part));
      node = i < json_array_get_length(a) ? json_array_get_element(a, i) : nullptr;
    } else {
      return nullptr;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return node;
}

// A member by dotted path ("user.username"), as text; nullopt when absent or not a scalar.
inline std::optional<std::string> json_field(const std::string& body, const std::string& path) {
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, body.data(), static_cast<gssize>(body.size()), nullptr)) return std::nullopt;
  JsonNode* node = json_node_at(json_parser_get_root(parser), path);
  if (!node || !JSON_NODE_HOLDS_VALUE(node)) {
    if (node && JSON_NODE_HOLDS_NULL(node)) return std::string("null");
    return std::nullopt;
  }
  switch (json_node_get_value_type(node)) {
    case G_TYPE_STRING: return std::string(json_node_get_string(node));
    case G_TYPE_INT64: return std::to_string(json_node_get_int(node));
    case G_TYPE_BOOLEAN: return std::string(json_node_get_boolean(node) ? "true" : "false");
    default: return std::nullopt;
  }
}

// A number member by dotted path (integer or not); nullopt when absent or not a number.
inline std::optional<double> json_number(const std::string& body, const std::string& path) {
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, body.data(), static_cast<gssize>(body.size()), nullptr)) return std::nullopt;
  JsonNode* node = json_node_at(json_parser_get_root(parser), path);
  if (!node || !JSON_NODE_HOLDS_VALUE(node)) return std::nullopt;
  if (json_node_get_value_type(node) == G_TYPE_INT64) return static_cast<double>(json_node_get_int(node));
  if (json_node_get_value_type(node) == G_TYPE_DOUBLE) return json_node_get_double(node);
  return std::nullopt;
}

inline size_t json_array_length(const std::string& body) {
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, body.data(), static_cast<gssize>(body.size()), nullptr)) return 0;
  JsonNode* root = json_parser_get_root(parser);
  return root && JSON_NODE_HOLDS_ARRAY(root) ? json_array_get_length(json_node_get_array(root)) : 0;
}

// JSON string literal for building bodies by hand (escapes quotes, backslashes, controls).
inline std::string quoted(const std::string& text) {
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_VALUE);
  json_node_set_string(node, text.c_str());
  g_autofree char* out = json_to_string(node, FALSE);
  return out;
}

class Browser {
 public:
  explicit Browser(std::string base_url) : base_(std::move(base_url)) {}

  HttpResult request(const std::string& method, const std::string& path, const std::string& body = {},
                     std::vector<std::pair<std::string, std::string>> headers = {},
                     const std::string& content_type = "application/json") {
    if (!cookie_.empty()) headers.emplace_back("Cookie", "kek_session=" + cookie_);
    if (send_csrf && !csrf_.empty() && method != "GET" && method != "HEAD")
      headers.emplace_back("X-CSRF-Token", csrf_);
    headers.emplace_back("User-Agent", "auth-test");
    HttpResult r = kek::test::http_request(method, base_, path, headers, body, content_type);
    const std::string set_cookie = r.header("set-cookie");
    if (set_cookie.rfind("kek_session=", 0) == 0) {
      last_set_cookie = set_cookie;
      std::string value = set_cookie.substr(12, set_cookie.find(';') - 12);
      cookie_ = value;
      if (value.empty()) csrf_.clear();
    }
    if (auto token = json_field(r.body, "csrf_token"); token && !token->empty()) csrf_ = *token;
    return r;
  }
  HttpResult get(const std::string& path) { return request("GET", path); }
  HttpResult post(const std::string& path, const std::string& body = "{}") { return request("POST", path, body); }

  HttpResult login(const std::string& username, const std::string& password) {
    return post("/api/auth/login", "{\"username\":" + quoted(username) + ",\"password\":" + quoted(password) + "}");
  }
  HttpResult register_user(const std::string& username, const std::string& password,
                           const std::string& email = "someone@example.com", const std::string& invite = {}) {
    std::string body = "{\"username\":" + quoted(username) + ",\"email\":" + quoted(email) +
                       ",\"password\":" + quoted(password);
    if (!invite.empty()) body += ",\"invite\":" + quoted(invite);
    return post("/api/auth/register", body + "}");
  }

  const std::string& cookie() const { return cookie_; }
  void set_cookie(std::string value) { cookie_ = std::move(value); }
  const std::string& csrf() const { return csrf_; }
  void forget_csrf() { csrf_.clear(); }

  bool send_csrf = true;
  std::string last_set_cookie;

 private:
  std::string base_;
  std::string cookie_;
  std::string csrf_;
};

inline constexpr const char* kAdminPassword = "correct-horse-battery";

// kek serve with only the auth plugin (args as a YAML flow map body, e.g. "session_seconds: 2").
inline kek::test::KekOptions auth_options(const std::string& args = {}) {
  kek::test::KekOptions o;
  o.extra_yaml = "plugins:\n  - {name: auth, args: {" + args + "}}\n";
  o.env = {std::string("KEK_ADMIN_PASSWORD=") + kAdminPassword};
  return o;
}

}  // namespace kek::auth::test
