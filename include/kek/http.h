// HTTP as a plugin sees it: plain C++ request/response values. The host owns libsoup; a plugin
// never touches a SoupServerMessage.
#pragma once

#include <kek/error.h>
#include <kek/json.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kek {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path, e.g. "/api/pipelines/demo"
  std::map<std::string, std::string> params;  // from the route pattern: "/api/pipelines/{id}"
  std::map<std::string, std::string> query;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;  // peer address without port

  std::optional<std::string> header(std::string_view name) const;
  std::optional<std::string> cookie(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the host serves this file (mapped, with byte ranges) instead of body.
  std::string file_path;

  static HttpResponse json(std::string body, int status = 200) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  // {"error": message, "code": code} with the given status: the one error shape of the API.
  // `code` is stable and machine-readable ("username_taken", see kek::Error::reason): clients
  // translate by it. Without one, the status's generic code (status_error_code).
  static HttpResponse error(int status, std::string_view code, std::string_view message);
  static HttpResponse error(int status, std::string_view message);
  static HttpResponse from(const Error& e) { return error(e.code, error_code_of(e), e.message); }
};

// A handler answers at once...
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// ...or later, from the main loop, when some work it started has finished.
using HttpResponder = std::function<void(HttpResponse)>;
using AsyncHttpHandler = std::function<void(const HttpRequest&, HttpResponder)>;
// A guard sees every request under its prefix first and may answer it instead (403, 401...).
using HttpGuard = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

class Http {
 public:
  virtual ~Http() = default;
  // pattern: "/api/things/{id}"; {name} matches one path segment.
  virtual void route(std::string method, std::string pattern, HttpHandler handler) = 0;
  virtual void route_async(std::string method, std::string pattern, AsyncHttpHandler handler) = 0;
  virtual void guard(std::string path_prefix, HttpGuard guard) = 0;
};

// ---- inline definitions ----

inline HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  return json(json_error_body(message, code), status);
}

inline HttpResponse HttpResponse::error(int status, std::string_view message) {
  return error(status, status_error_code(status), message);
}

inline std::optional<std::string> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i)
      same = k[i] == static_cast<char>(name[i] | ((name[i] >= 'A' && name[i] <= 'Z') ? 0x20 : 0));
    if (same) return v;
  }
  return std::nullopt;
}

inline std::optional<std::string> HttpRequest::cookie(std::string_view name) const {
  auto all = header("cookie");
  if (!all) return std::nullopt;
  std::string_view rest = *all;
  while (!rest.empty()) {
    size_t end = rest.find(';');
    std::string_view item = rest.substr(0, end);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) return std::string(item.substr(eq + 1));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return std::nullopt;
}

}  // namespace kek
