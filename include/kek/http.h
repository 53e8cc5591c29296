// HTTP as a plugin sees it: plain C++ request/response values. The host owns libsoup; a plugin
// never touches a SoupServerMessage.
#pragma once

#include <kek/error.h>
#include <kek/json.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <glib.h>

namespace kek {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path, e.g. "/api/pipelines/demo"
  std::map<std::string, std::string> params;  // from the route pattern: "/api/pipelines/{id}"
  std::map<std::string, std::string> query;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The client's address without port: the peer, or the client a trusted reverse proxy
  // (http.trusted_proxies) names in X-Forwarded-For.
  std::string remote;
  // Whether the client reached the server over TLS (directly, or per X-Forwarded-Proto from a
  // trusted proxy): cookies set in the answer should be Secure then.
  bool secure = false;

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

// ---- streamed request bodies (uploads) ----

// One piece of a request body as libsoup read it; keeps its bytes alive while it exists.
class BodyChunk {
 public:
  explicit BodyChunk(GBytes* bytes) : bytes_(g_bytes_ref(bytes)) {}
  BodyChunk(BodyChunk&& o) noexcept : bytes_(std::exchange(o.bytes_, nullptr)) {}
  BodyChunk& operator=(BodyChunk&& o) noexcept { std::swap(bytes_, o.bytes_); return *this; }
  BodyChunk(const BodyChunk& o) : bytes_(o.bytes_ ? g_bytes_ref(o.bytes_) : nullptr) {}
  ~BodyChunk() { if (bytes_) g_bytes_unref(bytes_); }
  const uint8_t* data() const { return static_cast<const uint8_t*>(g_bytes_get_data(bytes_, nullptr)); }
  size_t size() const { return bytes_ ? g_bytes_get_size(bytes_) : 0; }

 private:
  GBytes* bytes_;
};

// Receives a request body piece by piece, on the main loop, in order. The core reads nothing
// more from the client while a write is pending (backpressure), so a body of any size costs
// one chunk of memory.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // Handle `chunk` (write it out, off the main loop) and call done() once it is safe; an error
  // passed to done ends the request with that error as the answer (e.g. 507 disk full).
  virtual void write(BodyChunk chunk, std::function<void(Status)> done) = 0;
  // The whole body arrived and every write is done: answer the request (now or later).
  virtual void finish(HttpResponder respond) = 0;
  // The body will not be complete (the client went away, the connection broke mid-body, or a
  // write failed). Called once, after any pending write has finished; nothing to answer.
  virtual void abort(const std::string& reason) = 0;
};

// Called when the request's headers arrive, before any of its body (the guards already ran):
// answer at once to refuse it (413, 409, 403...: the body is then never kept), or hand back a
// sink for the body.
using StreamingHttpHandler =
    std::function<std::variant<HttpResponse, std::shared_ptr<BodySink>>(const HttpRequest&)>;

// One WebSocket connection (RFC 6455, text messages) as a plugin sees it. Main loop only. The
// host keeps it alive while it is open; callbacks are dropped once it has closed, so a callback
// may hold the shared_ptr to its own connection without keeping it forever.
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Queues one text message (valid UTF-8); ignored once the connection is closing or closed.
  virtual void send(std::string_view text) = 0;
  // Starts the closing handshake: 1000 normal, 1008 policy violation, 1011 server error.
  virtual void close(int code = 1000, std::string_view reason = {}) = 0;
  virtual bool is_open() const = 0;
  // Each text message the client sends. A binary message closes the connection (1003); one
  // larger than the route's max_message_bytes too (1009).
  virtual void on_message(std::function<void(std::string_view text)> handler) = 0;
  // Once, when the connection has closed (either side, or lost).
  virtual void on_close(std::function<void()> handler) = 0;
};

struct WebSocketRoute {
  // Before the upgrade, after the guards: an answer refuses it (404 for no such stream...);
  // nullopt accepts. May be empty (accept all).
  std::function<std::optional<HttpResponse>(const HttpRequest&)> check;
  // After the upgrade: the request (params, cookies, remote) and the open connection.
  std::function<void(const HttpRequest&, std::shared_ptr<WebSocket>)> open;
  size_t max_message_bytes = 64 * 1024;
};

// ---- media requests held until their file is ready ----

// Lets a held media request go: nullopt serves the file as /media/ serves any file (looked up
// now, so it may be one that did not exist when the request came), a response answers that
// instead (400, 503...). Main loop; the first call counts.
using MediaRelease = std::function<void(std::optional<HttpResponse>)>;
// Sees each GET/HEAD under /media/ after the guards. Returns false to let the file server answer
// now, or true to hold the request (the main loop runs on: no thread waits) and call `release`
// later. A client that goes away meanwhile is dropped; a late release is then ignored.
using MediaHold = std::function<bool(const HttpRequest&, MediaRelease release)>;

class Http {
 public:
  virtual ~Http() = default;
  // pattern: "/api/things/{id}"; {name} matches one path segment.
  virtual void route(std::string method, std::string pattern, HttpHandler handler) = 0;
  virtual void route_async(std::string method, std::string pattern, AsyncHttpHandler handler) = 0;
  virtual void guard(std::string path_prefix, HttpGuard guard) = 0;
  // A route whose body is streamed to a sink (HttpRequest::body stays empty). The server's
  // max_body_bytes does not apply to it: max_body_bytes here does (413 naming it, checked from
  // Content-Length before the body is read, and as a chunked body grows).
  virtual void route_streaming(std::string method, std::string pattern, int64_t max_body_bytes,
                               StreamingHttpHandler handler) = 0;
  // A WebSocket endpoint at GET `pattern` ("/api/chat/{stream}"). The host refuses a browser
  // upgrade whose Origin is not the server's own (403 cross_origin), so a page elsewhere cannot
  // act with the visitor's cookies; clients that send no Origin (not browsers) are let in.
  virtual void websocket(std::string pattern, WebSocketRoute route) = 0;
  // Adds a hold on media requests (see MediaHold); each is asked in the order added, the first
  // that holds a request owns it. Used for LL-HLS blocking playlist reloads.
  virtual void hold_media(MediaHold hold) { (void)hold; }
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
