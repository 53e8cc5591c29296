// libsoup glue: one catch-all SoupServer handler that splits requests into /api/ (the router),
// /media/ (files under media_dir) and the web UI, after the guards and the body limit.
#define G_LOG_DOMAIN "kek-http"

#include "http/server.h"

#include "http/body_limit.h"
#include "http/cross_site.h"
#include "http/connection_guard.h"
#include "http/fast_path.h"
#include "http/file_lookup.h"
#include "http/file_read.h"
#include "http/file_stream.h"
#include "http/forwarded.h"
#include "http/mime.h"
#include "http/request_path.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/security_headers.h"
#include "http/streaming_body.h"
#include "http/websocket.h"

#include <kek/ref.h>

#include <libsoup/soup.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace kek::core {
namespace {

enum class Area { api, media, webui };

// Connections waiting to be accepted (the kernel caps it at net.core.somaxconn).
constexpr int kListenBacklog = 1024;

// What libsoup says in the Server header (soup_server_new's "server-header").
constexpr char kServerHeader[] = "kek";

// The fast path answers files up to this size from memory (one read, one send with the head);
// larger ones are sent from the file (sendfile) after a check that their pages are cached.
constexpr off_t kFastCopyUpTo = 64 * 1024;

// A request target the fast path takes as it is: "/media/" and plain segments, each a name of
// unreserved and sub-delimiter characters and %XX escapes, never empty, "." or ".."; no query,
// no fragment. Anything else goes to libsoup, whose URI parsing is the reference.
bool plain_media_target(std::string_view target) {
  if (!target.starts_with("/media/")) return false;
  std::string_view rest = target.substr(1);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (size_t i = 0; i < segment.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(segment[i]);
      if (g_ascii_isalnum(c) || std::string_view("-._~!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos)
        continue;
      if (c == '%' && i + 2 < segment.size() && g_ascii_isxdigit(segment[i + 1]) && g_ascii_isxdigit(segment[i + 2])) {
        i += 2;
        continue;
      }
      return false;
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return true;
}

// A Host value libsoup reads as a plain authority (a name or address and a port).
bool plain_host(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host)
    if (!g_ascii_isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') return false;
  return true;
}

Area area_of(const std::vector<std::string>& segments) {
  if (!segments.empty() && segments.front() == "api") return Area::api;
  // Prometheus' conventional path, routed like the API.
  if (segments.size() == 1 && segments.front() == "metrics") return Area::api;
  if (!segments.empty() && segments.front() == "media") return Area::media;
  return Area::webui;
}

bool is_read_method(std::string_view method) { return method == "GET" || method == "HEAD"; }

// A decoded path may hold any bytes; what goes back inside a JSON message must be UTF-8.
std::string printable(std::string_view text) {
  g_autofree char* valid = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
  return valid;
}

// forwarded_host: set to what a trusted proxy says the client asked for (X-Forwarded-Host).
HttpRequest build_request(SoupServerMessage* msg, const http::RequestPath& path, GHashTable* query, bool over_tls,
                          const http::TrustedProxies& proxies, std::string* forwarded_host) {
  HttpRequest request;
  request.method = soup_server_message_get_method(msg);
  request.path = path.decoded;
  if (query) {
    GHashTableIter iter;
    gpointer key = nullptr;
    gpointer value = nullptr;
    g_hash_table_iter_init(&iter, query);
    while (g_hash_table_iter_next(&iter, &key, &value))
      request.query[static_cast<const char*>(key)] = value ? static_cast<const char*>(value) : "";
  }
  soup_message_headers_foreach(
      soup_server_message_get_request_headers(msg),
      [](const char* name, const char* value, gpointer headers) {
        g_autofree char* lower = g_ascii_strdown(name, -1);
        static_cast<decltype(HttpRequest::headers)*>(headers)->emplace_back(lower, value);
      },
      &request.headers);
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  if (body->length > 0 && soup_message_body_get_accumulate(body)) {
    g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
    gsize size = 0;
    const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    request.body.assign(data, size);
  }
  const char* remote = soup_server_message_get_remote_host(msg);
  auto client = http::forwarded_client(remote ? remote : "", over_tls, request.headers, proxies);
  request.remote = std::move(client.client);
  request.secure = client.secure;
  if (forwarded_host) *forwarded_host = std::move(client.host);
  return request;
}

std::string html_escape(std::string_view text) {
  g_autofree char* escaped = g_markup_escape_text(text.data(), static_cast<gssize>(text.size()));
  return escaped;
}

void respond_webui_not_built(SoupServerMessage* msg, const std::string& webui_dir) {
  std::string page =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>KEK: web UI not built</title></head>\n<body>\n"
      "<h1>The KEK web UI is not built</h1>\n"
      "<p>The server is running, but <code>" + html_escape(webui_dir.empty() ? "(no webui_dir set)" : webui_dir) +
      "</code> has no <code>index.html</code>.</p>\n"
      "<p>Build it with <code>scripts/setup.sh</code>, or by hand:</p>\n"
      "<pre>npm --prefix webui ci &amp;&amp; npm --prefix webui run build</pre>\n"
      "<p>The API works meanwhile: <a href=\"/api/health\">/api/health</a>.</p>\n"
      "</body></html>\n";
  HttpResponse response;
  response.content_type = "text/html; charset=utf-8";
  response.body = std::move(page);
  response.headers = {{"Cache-Control", std::string(http::kNoCache)}};
  http::respond(msg, response);
}

// ---- async answers ----

// One request whose handler answers later. The responder copies own it (through AnswerToken),
// so it lives exactly as long as someone may still answer; it holds the message, never the
// server, so an answer that arrives after the server is gone is simply dropped.
class AsyncExchange {
 public:
  AsyncExchange(SoupServerMessage* msg, GMainContext* context)
      : msg_(Ref<SoupServerMessage>::share(msg)), context_(g_main_context_ref(context)) {
    // "finished" covers a normal end; "disconnected" a connection closed under a paused message
    // (the server shutting down), after which libsoup must not be asked to resume it.
    auto mark_gone = G_CALLBACK(+[](AsyncExchange* self) { self->gone_ = true; });
    finished_handler_ = g_signal_connect_swapped(msg, "finished", mark_gone, this);
    disconnected_handler_ = g_signal_connect_swapped(msg, "disconnected", mark_gone, this);
  }
  ~AsyncExchange() {
    g_signal_handler_disconnect(msg_.get(), finished_handler_);
    g_signal_handler_disconnect(msg_.get(), disconnected_handler_);
    g_main_context_unref(context_);
  }
  AsyncExchange(const AsyncExchange&) = delete;
  AsyncExchange& operator=(const AsyncExchange&) = delete;

  GMainContext* context() const { return context_; }
  std::string path() const {
    GUri* uri = soup_server_message_get_uri(msg_.get());
    return uri ? g_uri_get_path(uri) : "?";
  }

  // Any thread. The first answer wins at the moment it is given, not when it reaches the main
  // loop: an answer handed over from a worker thread is still on its way when that thread's
  // responder copy is dropped, and must not lose to the "dropped without an answer" 500.
  bool claim() { return !claimed_.exchange(true); }

  // Main thread, after the handler returned: hold the message until the answer is applied.
  void handler_returned() {
    if (applied_ || gone_) return;
    soup_server_message_pause(msg_.get());
    paused_ = true;
  }

  // Main thread, for the answer that won claim().
  void apply(const HttpResponse& response) {
    answer([&response](SoupServerMessage* msg) { http::respond(msg, response); });
  }

  // Main thread: `write` answers on the message, unless the client is gone.
  template <class Write>
  void answer(const Write& write) {
    applied_ = true;
    if (gone_) {
      g_debug("%s: the connection is gone; the answer is dropped", path().c_str());
      return;
    }
    write(msg_.get());
    if (paused_) {
      paused_ = false;
      soup_server_message_unpause(msg_.get());
    }
  }

 private:
  Ref<SoupServerMessage> msg_;
  GMainContext* context_;
  gulong finished_handler_ = 0;
  gulong disconnected_handler_ = 0;
  std::atomic<bool> claimed_{false};
  bool applied_ = false;
  bool paused_ = false;
  bool gone_ = false;
};

// libsoup may only be touched from the server's context: an answer given on another thread
// is carried there (g_main_context_invoke runs it at once when we already own the context).
void deliver(std::shared_ptr<AsyncExchange> exchange, HttpResponse response) {
  struct Delivery {
    std::shared_ptr<AsyncExchange> exchange;
    HttpResponse response;
  };
  auto delivery = std::make_unique<Delivery>(Delivery{exchange, std::move(response)});
  g_main_context_invoke_full(
      exchange->context(), G_PRIORITY_DEFAULT,
      [](gpointer data) -> gboolean {
        auto* job = static_cast<Delivery*>(data);
        job->exchange->apply(job->response);
        return G_SOURCE_REMOVE;
      },
      delivery.release(), [](gpointer data) { std::unique_ptr<Delivery> owned(static_cast<Delivery*>(data)); });
}

// Shared by all copies of one responder; its destructor notices when the last copy is gone.
struct AnswerToken {
  explicit AnswerToken(std::shared_ptr<AsyncExchange> exchange) : exchange(std::move(exchange)) {}
  ~AnswerToken() {
    if (!exchange->claim()) return;
    g_warning("%s: the handler dropped the request without answering", exchange->path().c_str());
    deliver(exchange, HttpResponse::error(500, "the request was dropped without an answer"));
  }
  AnswerToken(const AnswerToken&) = delete;
  AnswerToken& operator=(const AnswerToken&) = delete;

  void answer(HttpResponse response) const {
    if (!exchange->claim()) {
      g_warning("%s: answered twice; the second answer is dropped", exchange->path().c_str());
      return;
    }
    deliver(exchange, std::move(response));
  }

  std::shared_ptr<AsyncExchange> exchange;
};

struct Guard {
  std::vector<std::string> prefix;
  HttpGuard check;
};

class HttpServerImpl final : public HttpServer {
 public:
  explicit HttpServerImpl(HttpConfig config) : config_(std::move(config)), connections_(config_.connections, [this](const std::string& remote) { return proxies_.contains(remote); }) {
    // The config loader has checked the list; a bad entry here trusts nobody.
    if (auto proxies = http::TrustedProxies::parse(config_.trusted_proxies)) proxies_ = std::move(*proxies);
    else g_warning("http.trusted_proxies: %s", proxies.error().message.c_str());
    // raw-paths: we decode the path ourselves, segment by segment (see request_path.h), so an
    // encoded "/" or ".." cannot change what the router, the guards and the file server see.
    server_ = Ref<SoupServer>::adopt(soup_server_new("server-header", kServerHeader, "raw-paths", TRUE, nullptr));
    soup_server_add_handler(server_.get(), nullptr, &HttpServerImpl::on_request, this, nullptr);
    g_signal_connect(server_.get(), "request-started", G_CALLBACK(&HttpServerImpl::on_request_started), this);
    g_signal_connect(server_.get(), "request-read",
                     G_CALLBACK(+[](SoupServer*, SoupServerMessage* msg, HttpServerImpl* self) {
                       self->connections_.body_read(msg);
                     }), this);
    g_signal_connect(server_.get(), "request-finished",
                     G_CALLBACK(+[](SoupServer*, SoupServerMessage* msg, HttpServerImpl* self) {
                       http::uncork(msg);
                       http::finish_request(msg, false, self->config_.log_requests, self->observer_);
                       self->connections_.request_finished(msg);
                     }), this);
    g_signal_connect(server_.get(), "request-aborted",
                     G_CALLBACK(+[](SoupServer*, SoupServerMessage* msg, HttpServerImpl* self) {
                       http::uncork(msg);
                       http::finish_request(msg, true, self->config_.log_requests, self->observer_);
                       self->connections_.request_finished(msg);
                     }), this);
  }

  ~HttpServerImpl() override {
    close();
    // Nothing may call back into this object once it is gone, even if libsoup keeps the server.
    soup_server_remove_handler(server_.get(), "/");
    g_signal_handlers_disconnect_by_data(server_.get(), this);
    server_.reset();
    if (context_) g_main_context_unref(context_);
  }

  void route(std::string method, std::string pattern, HttpHandler handler) override {
    router_.add(std::move(method), pattern, std::move(handler));
  }
  void route_async(std::string method, std::string pattern, AsyncHttpHandler handler) override {
    router_.add(std::move(method), pattern, std::move(handler));
  }
  void route_raw(std::string method, std::string pattern,
                 std::function<void(SoupServerMessage*, const HttpRequest&)> handler) override {
    router_.add(std::move(method), pattern, http::RawRoute{std::move(handler)});
  }
  void route_streaming(std::string method, std::string pattern, int64_t max_body_bytes,
                       StreamingHttpHandler handler) override {
    router_.add(std::move(method), pattern, http::StreamingRoute{max_body_bytes, std::move(handler)});
  }
  void websocket(std::string pattern, WebSocketRoute route) override {
    router_.add("GET", pattern, std::make_shared<const WebSocketRoute>(std::move(route)));
  }
  void hold_media(MediaHold hold) override { media_holds_.push_back(std::move(hold)); }
  void guard(std::string path_prefix, HttpGuard check) override {
    auto prefix = http::parse_request_path(path_prefix);
    if (!prefix) {
      g_warning("guard for '%s' ignored: %s", path_prefix.c_str(), prefix.error().message.c_str());
      return;
    }
    guards_.push_back(std::make_shared<const Guard>(Guard{std::move(prefix->segments), std::move(check)}));
  }

  Status listen() override {
    std::string host = config_.address == "localhost" ? "127.0.0.1" : config_.address;
    g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(host.c_str());
    if (!ip) return Error{"http: listen address '" + config_.address + "' is not an IP address", 400};
    if (config_.port < 0 || config_.port > 65535)
      return Error{"http: port " + std::to_string(config_.port) + " is out of range", 400};
    g_autoptr(GSocketAddress) where = g_inet_socket_address_new(ip, static_cast<guint16>(config_.port));

    // The listening socket and every connection run on the thread-default context of now.
    if (context_) g_main_context_unref(context_);
    context_ = g_main_context_ref_thread_default();
    GError* error = nullptr;
    // Our own socket, for its backlog: GLib's default of 10 drops the SYNs of hundreds of
    // clients arriving together (a chat after a restart), who then wait seconds to connect.
    g_autoptr(GSocket) socket = g_socket_new(g_socket_address_get_family(where), G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, &error);
    if (socket) g_socket_set_listen_backlog(socket, kListenBacklog);
    const bool fast = config_.media_fast_path && !over_tls();
    if (!socket || !g_socket_bind(socket, where, TRUE, &error) || !g_socket_listen(socket, &error) ||
        !(fast ? listen_for_handed_over(&error)
               : soup_server_listen_socket(server_.get(), socket, SoupServerListenOptions(0), &error))) {
      Error failure{"http: cannot listen on " + host + ":" + std::to_string(config_.port) + ": " + error->message, 500};
      g_clear_error(&error);
      return failure;
    }
    if (fast) {
      // As libsoup's listener does: answers leave at once, not after the client's next ACK.
      g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, TRUE, nullptr);
      // A client gone mid-answer must be an error from send(), never a signal that ends us.
      std::signal(SIGPIPE, SIG_IGN);
      fast_path_.start(socket, context_);
    }
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(socket, nullptr);
    port_ = bound && G_IS_INET_SOCKET_ADDRESS(bound) ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound))
                                                     : config_.port;
    g_debug("listening on %s", url().c_str());
    return {};
  }

  void close() override {
    fast_path_.stop();
    if (server_) soup_server_disconnect(server_.get());
    quiet_listener_.reset();
    quiet_peer_.reset();
    websockets_->close_all();
  }

  int port() const override { return port_; }
  void set_request_observer(http::RequestObserver observer) override { observer_ = std::move(observer); }

  std::string url() const override {
    std::string host = config_.address;
    if (host == "0.0.0.0" || host == "localhost") host = "127.0.0.1";
    if (host == "::") host = "::1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(port_) + "/";
  }

 private:
  // libsoup keeps a connection handed to it (soup_server_accept_iostream) alive between
  // requests only while it has a listener: it gets one that nobody can reach, one end of a
  // socket pair whose other end (kept here) never sends.
  bool listen_for_handed_over(GError** error) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socketpair: %s", g_strerror(errno));
      return false;
    }
    GSocket* listener = g_socket_new_from_fd(pair[0], error);
    GSocket* peer = listener ? g_socket_new_from_fd(pair[1], error) : nullptr;
    if (!listener || !peer) {
      if (listener) g_object_unref(listener);
      else ::close(pair[0]);
      ::close(pair[1]);
      return false;
    }
    quiet_listener_ = Ref<GSocket>::adopt(listener);
    quiet_peer_ = Ref<GSocket>::adopt(peer);
    return soup_server_listen_socket(server_.get(), listener, SoupServerListenOptions(0), error);
  }

  http::FastPath::Hooks fast_path_hooks() {
    http::FastPath::Hooks hooks;
    hooks.answer = [this](const http::RequestHead& head, const std::string& peer) {
      try {
        return fast_media_answer(head, peer);
      } catch (const std::exception& e) {
        g_warning("media fast path: %s", e.what());
        return std::optional<http::FastAnswer>();  // libsoup answers it, as ever
      }
    };
    hooks.hand_over = [this](GIOStream* stream, GSocketAddress* local, GSocketAddress* remote) {
      GError* error = nullptr;
      if (!soup_server_accept_iostream(server_.get(), stream, local, remote, &error)) {
        g_warning("cannot hand a connection to libsoup: %s", error ? error->message : "?");
        g_clear_error(&error);
        g_io_stream_close(stream, nullptr, nullptr);
      }
    };
    hooks.finished = [this](const http::RequestRecord& record) {
      http::report_request(record, config_.log_requests, observer_);
    };
    return hooks;
  }

  // The fast path's answer to a head, or nullopt for libsoup's: a GET or HEAD under /media/ (no
  // query, no path token) of an existing regular file the guards admit, or the guards' plain
  // refusal of it, answered with the bytes libsoup would send (dispatch, serve_media,
  // respond_with_file). Bytes the page cache lacks are left for the fast path to read in.
  std::optional<http::FastAnswer> fast_media_answer(const http::RequestHead& head, const std::string& peer) {
    const bool get = head.method == "GET";
    if ((!get && head.method != "HEAD") || head.minor_version != 1 || !plain_media_target(head.target))
      return std::nullopt;
    // Fields that change how libsoup reads or answers the request are its business, and so is
    // any field sent twice (libsoup's list joining is the reference).
    std::string_view range_header, if_range, host;
    bool has_range = false, has_if_range = false, has_host = false, close_after = false;
    for (size_t i = 0; i < head.headers.size(); ++i) {
      const auto& [name, value] = head.headers[i];
      for (size_t j = 0; j < i; ++j)
        if (g_ascii_strncasecmp(head.headers[j].first.data(), name.data(), name.size()) == 0 &&
            head.headers[j].first.size() == name.size())
          return std::nullopt;
      auto is = [&name](std::string_view other) {
        return name.size() == other.size() && g_ascii_strncasecmp(name.data(), other.data(), other.size()) == 0;
      };
      if (is("host")) {
        has_host = true;
        host = value;
      } else if (is("range")) {
        has_range = true;
        range_header = value;
      } else if (is("if-range")) {
        has_if_range = true;
        if_range = value;
      } else if (is("connection")) {
        close_after = http::header_has_token(value, "close");
        if (!close_after && !http::header_has_token(value, "keep-alive")) return std::nullopt;
      } else if (is("content-length") || is("transfer-encoding") || is("expect") || is("upgrade")) {
        return std::nullopt;
      }
    }
    if (!has_host || !plain_host(host)) return std::nullopt;
    auto path = http::parse_request_path(head.target);
    if (!path || path->segments.size() < 2 || path->segments[0] != "media" || path->segments[1] == "~t")
      return std::nullopt;

    // The guards first, as dispatch runs them for this request (it has no query): a refused
    // request costs no file I/O, and its refusal is answered here.
    HttpRequest request;
    request.method = std::string(head.method);
    request.path = path->decoded;
    request.headers.reserve(head.headers.size());
    for (const auto& [name, value] : head.headers) {
      g_autofree char* lower = g_ascii_strdown(name.data(), static_cast<gssize>(name.size()));
      request.headers.emplace_back(lower, std::string(value));
    }
    auto client = http::forwarded_client(peer, false, request.headers, proxies_);
    request.remote = std::move(client.client);
    request.secure = client.secure;
    http::FastAnswer answer;
    answer.close_after = close_after;
    answer.method = std::string(head.method);
    answer.path = "/media";
    for (size_t i = 1; i < path->segments.size(); ++i) answer.path += "/" + path->segments[i];
    if (auto refusal = run_guards(path->segments, request)) {
      // Fields of its own or a file: libsoup's to answer (and the guards run there again).
      if (!refusal->headers.empty() || !refusal->file_path.empty()) return std::nullopt;
      const std::string_view type = !refusal->content_type.empty() ? std::string_view(refusal->content_type)
                                    : refusal->body.empty()        ? std::string_view()
                                                                   : std::string_view("application/octet-stream");
      begin_fast_head(answer.head, static_cast<unsigned>(refusal->status), head.target);
      if (!type.empty()) answer.head.append("Content-Type: ").append(type).append("\r\n");
      answer.head.append("Content-Length: ").append(std::to_string(refusal->body.size())).append("\r\n\r\n");
      if (get) answer.body.reset(g_bytes_new(refusal->body.data(), refusal->body.size()));
      answer.status = static_cast<unsigned>(refusal->status);
      answer.logged_bytes = static_cast<int64_t>(refusal->body.size());
      return answer;
    }

    std::vector<std::string> inside(path->segments.begin() + 1, path->segments.end());
    auto file = http::open_inside(media_root_, inside);
    if (!file) return std::nullopt;  // missing (a hold may want it), a directory, refused: libsoup's
    const off_t size = file->info().st_size;
    if (size > http::kCopyFilesUpTo) return std::nullopt;  // films are streamed (file_stream.h)

    const std::string last_modified = http::http_date(file->info().st_mtime);
    http::RangeRequest range;
    if (has_range && get && (!has_if_range || if_range == last_modified)) range = http::parse_range(range_header, size);
    if (range.kind == http::RangeRequest::Kind::unsatisfiable) return std::nullopt;
    const bool partial = range.kind == http::RangeRequest::Kind::partial;
    const off_t first = partial ? range.first : 0;
    const size_t length = get ? static_cast<size_t>(partial ? range.last - range.first + 1 : size) : 0;
    const std::string_view cache = http::media_cache_control(file->path());
    const std::string cache_control = carries_credentials(request) ? http::personal_cache_control(cache) : std::string(cache);

    std::string& h = answer.head;
    begin_fast_head(h, partial ? 206 : 200, head.target);
    h.append("Content-Type: ").append(http::mime_type_for(file->path())).append("\r\n");
    h.append("Cache-Control: ").append(cache_control).append("\r\nAccept-Ranges: bytes\r\n");
    if (!last_modified.empty()) h.append("Last-Modified: ").append(last_modified).append("\r\n");
    if (partial)
      h.append("Content-Range: bytes ")
          .append(std::to_string(range.first))
          .append("-")
          .append(std::to_string(range.last))
          .append("/")
          .append(std::to_string(size))
          .append("\r\n");
    const size_t content_length = partial ? length : static_cast<size_t>(size);
    h.append("Content-Length: ").append(std::to_string(content_length)).append("\r\n\r\n");
    answer.status = partial ? 206 : 200;
    answer.logged_bytes = static_cast<int64_t>(content_length);
    if (!get || length == 0) return answer;

    // The bytes: a small body is read now, as far as the page cache holds it; a larger one is
    // sent from the file. What the cache lacks, the fast path has read on a reader thread first.
    if (size <= kFastCopyUpTo) {
      auto piece = std::make_shared<http::PieceRead>(file->fd(), first, length);
      if (piece->done()) {
        if (piece->got() < length) return std::nullopt;  // cut short meanwhile: libsoup says what it is now
        answer.body = piece->take();
        return answer;
      }
      answer.unread = std::move(piece);
    } else {
      answer.cold = !http::in_page_cache(file->fd(), first, length);
    }
    answer.file = std::make_shared<http::OpenedFile>(std::move(*file));
    answer.offset = first;
    answer.length = length;
    return answer;
  }

  // An answer head as libsoup writes it, up to the fields of the answer itself: the status line
  // with libsoup's reason phrase, Server, Date, the security fields and the CORS of /media/.
  void begin_fast_head(std::string& h, unsigned status, std::string_view target) {
    h.reserve(640);
    h.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(soup_status_get_phrase(status));
    h.append("\r\nServer: ").append(kServerHeader).append("\r\nDate: ").append(date_now()).append("\r\n");
    for (const auto& [name, value] : http::security_fields(target)) h.append(name).append(": ").append(value).append("\r\n");
    for (const auto& [name, value] : http::kMediaCorsFields) h.append(name).append(": ").append(value).append("\r\n");
  }

  // The Date header's value, made once a second.
  const std::string& date_now() {
    const time_t now = time(nullptr);
    if (now != date_for_) {
      date_for_ = now;
      date_ = http::http_date(now);
    }
    return date_;
  }

  static void on_request_started(SoupServer*, SoupServerMessage* msg, gpointer self) {
    http::note_request_started(msg);
    static_cast<HttpServerImpl*>(self)->connections_.request_started(msg);
    g_signal_connect(msg, "got-headers", G_CALLBACK(&HttpServerImpl::on_got_headers), self);
  }

  // The one got-headers handler of a message, in this order: a streaming route takes the body
  // before the global limit looks at it; then the body's clock, unless it was refused.
  static void on_got_headers(SoupServerMessage* msg, gpointer data) {
    auto* self = static_cast<HttpServerImpl*>(data);
    g_signal_handlers_disconnect_by_func(msg, reinterpret_cast<gpointer>(&HttpServerImpl::on_got_headers), self);
    try {
      self->begin_streaming(msg);
    } catch (const std::exception& e) {
      g_warning("%s: %s", g_uri_get_path(soup_server_message_get_uri(msg)), e.what());
      http::refuse_streaming_body(msg, HttpResponse::error(500, "internal server error"));
    }
    http::check_body_limit(msg, self->config_.max_body_bytes);
    self->connections_.headers_read(msg);
  }

  // A request for a streaming route gets its sink now, before any of its body is read.
  void begin_streaming(SoupServerMessage* msg) {
    if (soup_server_message_get_status(msg) != 0) return;
    GUri* uri = soup_server_message_get_uri(msg);
    const char* raw_path = g_uri_get_path(uri);
    if (!g_str_has_prefix(raw_path, "/api/")) return;
    auto path = http::parse_request_path(raw_path);
    if (!path) return;
    const std::string method = soup_server_message_get_method(msg);
    auto match = router_.match(method, path->segments);
    if (match.kind != http::RouteMatch::Kind::found) return;
    const auto* streaming = std::get_if<http::StreamingRoute>(&match.route->handler);
    if (!streaming) return;
    const char* raw_query = g_uri_get_query(uri);
    GHashTable* query = raw_query ? soup_form_decode(raw_query) : nullptr;
    std::string forwarded_host;
    HttpRequest request = build_request(msg, *path, query, over_tls(), proxies_, &forwarded_host);
    if (query) g_hash_table_unref(query);
    request.params = std::move(match.params);
    if (auto refusal = check_request(path->segments, request, forwarded_host)) {
      http::add_security_headers(msg, raw_path);
      http::refuse_streaming_body(msg, *refusal);
      return;
    }
    http::start_streaming_body(msg, *streaming, std::move(request));
  }

  static void on_request(SoupServer*, SoupServerMessage* msg, const char*, GHashTable* query, gpointer self) {
    static_cast<HttpServerImpl*>(self)->handle(msg, query);
  }

  // The one place exceptions stop: nothing may unwind into libsoup's C callback.
  void handle(SoupServerMessage* msg, GHashTable* query) {
    try {
      dispatch(msg, query);
    } catch (const std::exception& e) {
      g_warning("%s %s: %s", soup_server_message_get_method(msg),
                g_uri_get_path(soup_server_message_get_uri(msg)), e.what());
      http::respond_error(msg, 500, "internal server error");
    } catch (...) {
      g_warning("%s %s: unknown exception", soup_server_message_get_method(msg),
                g_uri_get_path(soup_server_message_get_uri(msg)));
      http::respond_error(msg, 500, "internal server error");
    }
  }

  void dispatch(SoupServerMessage* msg, GHashTable* query) {
    http::add_security_headers(msg, g_uri_get_path(soup_server_message_get_uri(msg)));
    // A streamed body has ended: its guards ran when the headers came; its sink answers.
    if (auto body = http::streaming_body_of(msg)) {
      run_async(msg, [body](const HttpRequest&, HttpResponder respond) { body->finish(std::move(respond)); },
                body->request());
      return;
    }
    const std::string_view method = soup_server_message_get_method(msg);
    const char* raw_path = g_uri_get_path(soup_server_message_get_uri(msg));
    if (g_str_has_prefix(raw_path, "/media/")) http::add_cors_headers(msg);
    auto path = http::parse_request_path(raw_path);
    if (!path) {
      http::respond_error(msg, path.error());
      return;
    }
    // /media/~t/<token>/live/x/index.m3u8: a signed-URL token carried in the path, so that the
    // relative segment URLs of a playlist (which VLC, ffmpeg and hls.js resolve without the
    // query string) carry it too. Guards see it as the query parameter "token".
    std::optional<std::string> path_token;
    if (path->segments.size() >= 4 && path->segments[0] == "media" && path->segments[1] == "~t") {
      path_token = path->segments[2];
      path->segments.erase(path->segments.begin() + 1, path->segments.begin() + 3);
      path->decoded.clear();
      for (const auto& segment : path->segments) path->decoded += "/" + segment;
    }
    const Area area = area_of(path->segments);
    note_area(msg, area, *path, path_token.has_value());
    // A preflight carries no credentials, so it is answered before any guard could refuse it.
    if (area == Area::media && method == "OPTIONS") {
      http::respond_cors_preflight(msg);
      return;
    }

    std::string forwarded_host;
    HttpRequest request = build_request(msg, *path, query, over_tls(), proxies_, &forwarded_host);
    if (path_token) request.query["token"] = *path_token;
    // Matched before the guards so that a refused request is logged under its route too.
    http::RouteMatch match;
    if (area == Area::api) {
      match = router_.match(request.method, path->segments);
      if (match.route) http::note_route(msg, "api", g_intern_string(match.route->pattern.c_str()));
    }
    if (auto refusal = check_request(path->segments, request, forwarded_host)) {
      http::respond(msg, *refusal);
      return;
    }
    switch (area) {
      case Area::api:
        dispatch_api(msg, *path, std::move(request), std::move(match));
        return;
      case Area::media: {
        const bool personal = path_token.has_value() || carries_credentials(request);
        if (!hold_media_request(msg, *path, request, personal)) serve_media(msg, *path, personal);
        return;
      }
      case Area::webui:
        serve_webui(msg, *path);
        return;
    }
  }

  // The request log's view of the path: API routes are named by their pattern (set when
  // matched), media and web UI paths are logged with a signed-URL token replaced.
  static void note_area(SoupServerMessage* msg, Area area, const http::RequestPath& path, bool had_token) {
    switch (area) {
      case Area::api:
        http::note_route(msg, "api", "{unmatched}");
        return;
      case Area::media: {
        std::string shown = had_token ? "/media/~t/{token}" : "/media";
        for (size_t i = 1; i < path.segments.size(); ++i) shown += "/" + path.segments[i];
        http::note_route(msg, "media", "/media/{file}", std::move(shown));
        return;
      }
      case Area::webui:
        http::note_route(msg, "webui", "/{file}", path.decoded.empty() ? "/" : path.decoded);
        return;
    }
  }

  bool over_tls() const { return soup_server_is_https(server_.get()); }

  // What every request passes before its handler: the API refuses cross-site state changes
  // (forms, foreign origins: see cross_site.h), then the plugins' guards.
  std::optional<HttpResponse> check_request(const std::vector<std::string>& segments, const HttpRequest& request,
                                            const std::string& forwarded_host) {
    if (!segments.empty() && (segments.front() == "api" || segments.front() == "metrics"))
      if (auto refusal = http::cross_site_refusal(request, forwarded_host)) return refusal;
    return run_guards(segments, request);
  }

  std::optional<HttpResponse> run_guards(const std::vector<std::string>& segments, const HttpRequest& request) {
    // A copy of the list: a guard may add guards while it runs.
    const auto guards = guards_;
    for (const auto& guard : guards) {
      if (!http::has_segment_prefix(segments, guard->prefix)) continue;
      if (auto refusal = guard->check(request)) return refusal;
    }
    return std::nullopt;
  }

  void dispatch_api(SoupServerMessage* msg, const http::RequestPath& path, HttpRequest request,
                    http::RouteMatch match) {
    switch (match.kind) {
      case http::RouteMatch::Kind::no_such_path:
        http::respond_error(msg, 404, "no_such_endpoint", "no such endpoint: " + printable(path.decoded));
        return;
      case http::RouteMatch::Kind::method_not_allowed: {
        std::string allowed;
        for (const auto& method : match.allowed_methods) allowed += (allowed.empty() ? "" : ", ") + method;
        http::respond_error(msg, 405,
                            request.method + " is not allowed on " + printable(path.decoded) + " (allowed: " + allowed + ")");
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", allowed.c_str());
        return;
      }
      case http::RouteMatch::Kind::found:
        break;
    }
    request.params = std::move(match.params);
    if (const auto* handler = std::get_if<HttpHandler>(&match.route->handler)) {
      http::respond(msg, (*handler)(request));
      return;
    }
    if (const auto* websocket = std::get_if<std::shared_ptr<const WebSocketRoute>>(&match.route->handler)) {
      http::upgrade_to_websocket(msg, *websocket, std::move(request), websockets_);
      return;
    }
    if (const auto* handler = std::get_if<AsyncHttpHandler>(&match.route->handler)) {
      run_async(msg, *handler, request);
      return;
    }
    if (const auto* raw = std::get_if<http::RawRoute>(&match.route->handler)) {
      raw->handler(msg, request);
      return;
    }
    // A streaming route the got-headers step did not take (it cannot be reached otherwise).
    http::respond_error(msg, 500, "internal server error");
  }

  void run_async(SoupServerMessage* msg, const AsyncHttpHandler& handler, const HttpRequest& request) {
    auto exchange = std::make_shared<AsyncExchange>(msg, context_ ? context_ : g_main_context_default());
    {
      auto token = std::make_shared<const AnswerToken>(exchange);
      HttpResponder responder = [token](HttpResponse response) { token->answer(std::move(response)); };
      token.reset();
      try {
        handler(request, responder);
      } catch (const std::exception& e) {
        g_warning("%s %s: %s", request.method.c_str(), request.path.c_str(), e.what());
        if (exchange->claim()) exchange->apply(HttpResponse::error(500, "internal server error"));
      } catch (...) {
        g_warning("%s %s: unknown exception", request.method.c_str(), request.path.c_str());
        if (exchange->claim()) exchange->apply(HttpResponse::error(500, "internal server error"));
      }
      exchange->handler_returned();
    }  // our responder copy goes here; if it was the last one, unanswered, the token answers 500
  }

  // Offers a media read to the holds (MediaHold); true if one holds it. The message is paused
  // until its release, which serves the file as serve_media would, or the hold's own answer.
  bool hold_media_request(SoupServerMessage* msg, const http::RequestPath& path, const HttpRequest& request,
                          bool personal) {
    if (media_holds_.empty() || !is_read_method(soup_server_message_get_method(msg)) || path.segments.size() < 2)
      return false;
    const auto holds = media_holds_;  // a copy: a hold may add holds while it runs
    for (const auto& hold : holds) {
      auto exchange = std::make_shared<AsyncExchange>(msg, context_ ? context_ : g_main_context_default());
      auto token = std::make_shared<const AnswerToken>(exchange);
      std::vector<std::string> inside(path.segments.begin() + 1, path.segments.end());
      MediaRelease release = [token, inside = std::move(inside), root = config_.media_dir,
                              personal](std::optional<HttpResponse> answer) {
        token->answer(answer ? std::move(*answer) : media_file_answer(root, inside, personal));
      };
      if (!hold(request, std::move(release))) {
        exchange->claim();  // not held: nobody answers through it
        continue;
      }
      token.reset();
      exchange->handler_returned();
      return true;
    }
    return false;
  }

  // What serve_media answers for a file, as a response a held request is released with.
  static HttpResponse media_file_answer(const std::string& root, const std::vector<std::string>& inside,
                                        bool personal) {
    auto file = http::resolve_inside(root, inside);
    if (!file) return HttpResponse::from(file.error());
    HttpResponse r;
    r.file_path = *file;
    if (personal) r.headers = {{"Cache-Control", http::personal_cache_control(http::media_cache_control(*file))}};
    return r;
  }

  // personal: the request carried what a guard may have let it in by (a cookie, a token), so the
  // answer is for this client only and no shared cache may keep it for others.
  void serve_media(SoupServerMessage* msg, const http::RequestPath& path, bool personal) {
    std::string_view method = soup_server_message_get_method(msg);
    if (!is_read_method(method)) {
      http::respond_error(msg, 405, std::string(method) + " is not allowed on media");
      soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET, HEAD, OPTIONS");
      return;
    }
    std::vector<std::string> inside(path.segments.begin() + 1, path.segments.end());
    if (inside.empty()) {
      http::respond_error(msg, 404, "not found");
      return;
    }
    auto file = http::open_inside(media_root_, inside);
    if (!file) {
      http::respond_error(msg, file.error());
      return;
    }
    const std::string_view cache = http::media_cache_control(file->path());
    serve_file(msg, std::move(*file), personal ? http::personal_cache_control(cache) : std::string(cache));
  }

  // What the page cache holds is answered now; a read that would wait for the disk is finished
  // on a reader thread while the loop goes on with everybody else, the message paused.
  void serve_file(SoupServerMessage* msg, http::OpenedFile file, std::string cache_control) {
    if (file.info().st_size > http::kCopyFilesUpTo && soup_server_message_get_method(msg) == SOUP_METHOD_GET) {
      http::stream_file(msg, std::move(file), cache_control, readers_, context_ ? context_ : g_main_context_default());
      return;
    }
    http::FileRead read(file);
    if (read.done()) {
      http::respond_with_file(msg, file, read.take().get(), cache_control);
      return;
    }
    struct Job {
      http::OpenedFile file;
      http::FileRead read;
      std::string cache_control;
      std::shared_ptr<AsyncExchange> exchange;
    };
    auto exchange = std::make_shared<AsyncExchange>(msg, context_ ? context_ : g_main_context_default());
    auto job = std::make_shared<Job>(Job{std::move(file), std::move(read), std::move(cache_control), exchange});
    readers_.run([job] { job->read.finish(job->file.fd()); }, exchange->context(), [job] {
      job->exchange->answer([&job](SoupServerMessage* m) {
        http::respond_with_file(m, job->file, job->read.take().get(), job->cache_control);
      });
    });
    exchange->handler_returned();
  }

  static bool carries_credentials(const HttpRequest& request) {
    return request.header("cookie") || request.header("authorization") || request.query.contains("token");
  }

  void serve_webui(SoupServerMessage* msg, const http::RequestPath& path) {
    std::string_view method = soup_server_message_get_method(msg);
    if (!is_read_method(method)) {
      http::respond_error(msg, 405, std::string(method) + " is not allowed here");
      soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET, HEAD");
      return;
    }
    if (!path.segments.empty()) {
      auto file = http::open_inside(webui_root_, path.segments);
      if (file) {
        const bool is_index = path.segments.back() == "index.html";
        serve_file(msg, std::move(*file), std::string(http::webui_cache_control(path.decoded, is_index)));
        return;
      }
      if (file.error().code != 404) {
        http::respond_error(msg, file.error());
        return;
      }
      // A missing file is a 404; a missing page is a client-side route of the SPA.
      if (!http::file_extension(path.segments.back()).empty()) {
        http::respond_error(msg, 404, "not found");
        return;
      }
    }
    auto index = http::open_inside(webui_root_, {"index.html"});
    if (!index) {
      respond_webui_not_built(msg, config_.webui_dir);
      return;
    }
    serve_file(msg, std::move(*index), std::string(http::kNoCache));
  }

  HttpConfig config_;
  http::ServedRoot media_root_{config_.media_dir};
  http::ServedRoot webui_root_{config_.webui_dir};
  http::TrustedProxies proxies_;
  http::ConnectionGuard connections_;  // destroyed after server_, whose sockets it counts
  Ref<SoupServer> server_;
  http::FastPath fast_path_{connections_, readers_, fast_path_hooks()};  // destroyed before server_
  Ref<GSocket> quiet_listener_;
  Ref<GSocket> quiet_peer_;
  time_t date_for_ = 0;
  std::string date_;
  http::Router router_;
  std::vector<std::shared_ptr<const Guard>> guards_;
  std::vector<MediaHold> media_holds_;
  std::shared_ptr<http::OpenWebSockets> websockets_ = std::make_shared<http::OpenWebSockets>();
  http::FileReaders readers_{config_.on_disk_read};  // destroyed first: waits for the reads under way
  http::RequestObserver observer_;
  GMainContext* context_ = nullptr;
  int port_ = 0;
};

}  // namespace

std::unique_ptr<HttpServer> HttpServer::create(HttpConfig config) {
  return std::make_unique<HttpServerImpl>(std::move(config));
}

}  // namespace kek::core
