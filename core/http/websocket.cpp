#define G_LOG_DOMAIN "kek-http"

#include "http/websocket.h"

#include "http/respond.h"

#include <kek/ref.h>

#include <exception>
#include <string>
#include <utility>

namespace kek::core::http {
namespace {

// Dead peers (a laptop closed mid-chat) are noticed by the pings.
constexpr guint kKeepaliveSeconds = 30;

class SoupWebSocket final : public WebSocket, public std::enable_shared_from_this<SoupWebSocket> {
 public:
  explicit SoupWebSocket(Ref<SoupWebsocketConnection> connection) : connection_(std::move(connection)) {}
  ~SoupWebSocket() override { g_signal_handlers_disconnect_by_data(connection_.get(), this); }
  SoupWebSocket(const SoupWebSocket&) = delete;
  SoupWebSocket& operator=(const SoupWebSocket&) = delete;

  // Open from now on: the connection keeps itself alive until it closes.
  void start() {
    self_ = shared_from_this();
    g_signal_connect(connection_.get(), "message", G_CALLBACK(&SoupWebSocket::on_soup_message), this);
    g_signal_connect(connection_.get(), "closed", G_CALLBACK(&SoupWebSocket::on_soup_closed), this);
    g_signal_connect(connection_.get(), "error", G_CALLBACK(&SoupWebSocket::on_soup_error), this);
  }

  void send(std::string_view text) override {
    if (!is_open()) return;
    g_autoptr(GBytes) bytes = g_bytes_new(text.data(), text.size());
    soup_websocket_connection_send_message(connection_.get(), SOUP_WEBSOCKET_DATA_TEXT, bytes);
  }

  void close(int code, std::string_view reason) override {
    if (!is_open()) return;
    const std::string data(reason);
    soup_websocket_connection_close(connection_.get(), static_cast<gushort>(code), data.empty() ? nullptr : data.c_str());
  }

  bool is_open() const override {
    return soup_websocket_connection_get_state(connection_.get()) == SOUP_WEBSOCKET_STATE_OPEN;
  }

  void on_message(std::function<void(std::string_view)> handler) override { message_handler_ = std::move(handler); }
  void on_close(std::function<void()> handler) override {
    if (closed_) {
      if (handler) handler();
      return;
    }
    close_handler_ = std::move(handler);
  }

 private:
  static void on_soup_message(SoupWebsocketConnection*, gint type, GBytes* message, SoupWebSocket* self) {
    if (type != SOUP_WEBSOCKET_DATA_TEXT) {
      self->close(SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA, "text messages only");
      return;
    }
    if (!self->message_handler_) return;
    gsize size = 0;
    const auto* data = static_cast<const char*>(g_bytes_get_data(message, &size));
    // Nothing may unwind into libsoup: a throwing handler ends this connection, not the process.
    try {
      auto keep = self->shared_from_this();
      auto handler = self->message_handler_;  // the handler may replace itself while it runs
      handler(std::string_view(data ? data : "", size));
    } catch (const std::exception& e) {
      g_warning("websocket %s: %s", self->path().c_str(), e.what());
      self->close(SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "internal error");
    } catch (...) {
      g_warning("websocket %s: unknown exception", self->path().c_str());
      self->close(SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "internal error");
    }
  }

  static void on_soup_closed(SoupWebsocketConnection*, SoupWebSocket* self) {
    auto keep = std::move(self->self_);  // the last reference may be this one
    self->closed_ = true;
    self->message_handler_ = nullptr;
    auto handler = std::move(self->close_handler_);
    self->close_handler_ = nullptr;
    if (!handler) return;
    try {
      handler();
    } catch (const std::exception& e) {
      g_warning("websocket %s: on_close: %s", self->path().c_str(), e.what());
    } catch (...) {
      g_warning("websocket %s: on_close: unknown exception", self->path().c_str());
    }
  }

  static void on_soup_error(SoupWebsocketConnection*, GError* error, SoupWebSocket* self) {
    g_debug("websocket %s: %s", self->path().c_str(), error ? error->message : "error");
  }

  std::string path() const {
    GUri* uri = soup_websocket_connection_get_uri(connection_.get());
    return uri ? g_uri_get_path(uri) : "?";
  }

  Ref<SoupWebsocketConnection> connection_;
  std::shared_ptr<SoupWebSocket> self_;
  std::function<void(std::string_view)> message_handler_;
  std::function<void()> close_handler_;
  bool closed_ = false;
};

// What the 101's "wrote-informational" needs to finish the upgrade.
struct PendingUpgrade {
  std::shared_ptr<const WebSocketRoute> route;
  HttpRequest request;
  std::shared_ptr<OpenWebSockets> open;
};

void complete_upgrade(SoupServerMessage* msg, gpointer data) {
  // The closure owns the data (freed when it goes, after this emission); take what we need, and
  // run once only: the message may say more later.
  auto owned = std::make_unique<PendingUpgrade>(std::move(*static_cast<PendingUpgrade*>(data)));
  g_signal_handlers_disconnect_by_func(msg, reinterpret_cast<gpointer>(&complete_upgrade), data);

  GUri* uri = soup_server_message_get_uri(msg);
  const char* origin = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Origin");
  auto hold = Ref<SoupServerMessage>::share(msg);
  auto stream = Ref<GIOStream>::adopt(soup_server_message_steal_connection(msg));
  if (!stream) {
    g_warning("websocket %s: the connection could not be taken over", uri ? g_uri_get_path(uri) : "?");
    return;
  }
  auto connection = Ref<SoupWebsocketConnection>::adopt(
      soup_websocket_connection_new(stream.get(), uri, SOUP_WEBSOCKET_CONNECTION_SERVER, origin, nullptr, nullptr));
  soup_websocket_connection_set_max_incoming_payload_size(connection.get(), owned->route->max_message_bytes);
  soup_websocket_connection_set_keepalive_interval(connection.get(), kKeepaliveSeconds);
  auto socket = std::make_shared<SoupWebSocket>(std::move(connection));
  socket->start();
  owned->open->add(socket);
  try {
    owned->route->open(owned->request, socket);
  } catch (const std::exception& e) {
    g_warning("websocket %s: %s", owned->request.path.c_str(), e.what());
    socket->close(SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "internal error");
  } catch (...) {
    g_warning("websocket %s: unknown exception", owned->request.path.c_str());
    socket->close(SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "internal error");
  }
}

std::string lower(std::string_view text) {
  g_autofree char* down = g_ascii_strdown(text.data(), static_cast<gssize>(text.size()));
  return down;
}

}  // namespace

void OpenWebSockets::add(std::weak_ptr<WebSocket> socket) {
  std::erase_if(sockets_, [](const std::weak_ptr<WebSocket>& s) { return s.expired(); });
  sockets_.push_back(std::move(socket));
}

void OpenWebSockets::close_all() {
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& weak : sockets)
    if (auto socket = weak.lock()) socket->close(SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "the server is stopping");
}

bool is_same_origin(const char* origin, const char* host) {
  if (!origin) return true;
  if (!host) return false;
  g_autoptr(GUri) uri = g_uri_parse(origin, G_URI_FLAGS_NONE, nullptr);
  if (!uri || !g_uri_get_host(uri)) return false;  // "null" (a sandboxed frame, a file) is no origin of ours
  std::string authority = g_uri_get_host(uri);
  if (authority.find(':') != std::string::npos) authority = "[" + authority + "]";
  const int port = g_uri_get_port(uri);
  const std::string scheme = lower(g_uri_get_scheme(uri) ? g_uri_get_scheme(uri) : "");
  const bool default_port = port == -1 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  const std::string wanted = lower(host);
  if (lower(authority) == wanted && default_port) return true;
  if (port != -1 && lower(authority + ":" + std::to_string(port)) == wanted) return true;
  return false;
}

void upgrade_to_websocket(SoupServerMessage* msg, std::shared_ptr<const WebSocketRoute> route, HttpRequest request,
                          std::shared_ptr<OpenWebSockets> open) {
  if (route->check) {
    if (auto refusal = route->check(request)) {
      respond(msg, *refusal);
      return;
    }
  }
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  if (!is_same_origin(soup_message_headers_get_one(headers, "Origin"), soup_message_headers_get_one(headers, "Host"))) {
    respond_error(msg, 403, "cross_origin", "a WebSocket from another site's page is refused");
    return;
  }
  GError* error = nullptr;
  if (!soup_websocket_server_check_handshake(msg, nullptr, nullptr, nullptr, &error)) {
    std::string why = error ? error->message : "not a WebSocket handshake";
    g_clear_error(&error);
    respond_error(msg, 400, "websocket_expected", "this endpoint speaks WebSocket: " + why);
    return;
  }
  if (!soup_websocket_server_process_handshake(msg, nullptr, nullptr, nullptr, nullptr)) {
    respond_error(msg, 400, "websocket_expected", "the WebSocket handshake failed");
    return;
  }
  auto pending = std::make_unique<PendingUpgrade>(PendingUpgrade{std::move(route), std::move(request), std::move(open)});
  g_signal_connect_data(msg, "wrote-informational", G_CALLBACK(&complete_upgrade), pending.release(),
                        [](gpointer data, GClosure*) { std::unique_ptr<PendingUpgrade>(static_cast<PendingUpgrade*>(data)); },
                        GConnectFlags(0));
}

}  // namespace kek::core::http
