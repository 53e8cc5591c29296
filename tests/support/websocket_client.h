// A WebSocket client for integration tests (libsoup's), blocking: every call runs its own main
// context until what it waits for happened or the time is up. One client per thread.
#pragma once

#include <kek/ref.h>

#include <libsoup/soup.h>

#include <functional>
#include <string>
#include <vector>

namespace kek::test {

class WebSocketClient {
 public:
  // url: "ws://127.0.0.1:PORT/api/chat/x"; cookie: the kek_session value (empty: none).
  WebSocketClient(const std::string& url, const std::string& cookie = {}, const std::string& origin = {},
                  int timeout_ms = 10000);
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  bool connected() const { return connection_ != nullptr; }
  int status() const { return status_; }  // the HTTP status of the upgrade (101 when it worked)
  void send(const std::string& text);
  // Runs until pred(received()) holds or timeout_ms pass (or the connection closed).
  bool wait(const std::function<bool(const std::vector<std::string>&)>& pred, int timeout_ms = 10000);
  // Waits for a message containing `needle`.
  bool wait_for_text(const std::string& needle, int timeout_ms = 10000);
  const std::vector<std::string>& received() const { return received_; }
  bool closed() const;
  void close();

 private:
  GMainContext* context_ = nullptr;
  Ref<SoupSession> session_;
  SoupWebsocketConnection* connection_ = nullptr;
  std::vector<std::string> received_;
  int status_ = 0;
};

inline WebSocketClient::WebSocketClient(const std::string& url, const std::string& cookie, const std::string& origin,
                                        int timeout_ms) {
  context_ = g_main_context_new();
  g_main_context_push_thread_default(context_);
  session_ = Ref<SoupSession>::adopt(soup_session_new());
  auto message = Ref<SoupMessage>::adopt(soup_message_new("GET", url.c_str()));
  if (!message) {
    g_main_context_pop_thread_default(context_);
    return;
  }
  if (!cookie.empty())
    soup_message_headers_append(soup_message_get_request_headers(message.get()), "Cookie",
                                ("kek_session=" + cookie).c_str());
  struct Pending {
    SoupWebsocketConnection* connection = nullptr;
    bool done = false;
  } pending;
  soup_session_websocket_connect_async(
      session_.get(), message.get(), origin.empty() ? nullptr : origin.c_str(), nullptr, G_PRIORITY_DEFAULT, nullptr,
      [](GObject* source, GAsyncResult* result, gpointer data) {
        auto* p = static_cast<Pending*>(data);
        p->connection = soup_session_websocket_connect_finish(SOUP_SESSION(source), result, nullptr);
        p->done = true;
      },
      &pending);
  const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(timeout_ms) * 1000;
  while (!pending.done && g_get_monotonic_time() < deadline) g_main_context_iteration(context_, TRUE);
  status_ = static_cast<int>(soup_message_get_status(message.get()));
  connection_ = pending.connection;
  if (connection_) {
    soup_websocket_connection_set_max_incoming_payload_size(connection_, 16 * 1024 * 1024);
    g_signal_connect(connection_, "message", G_CALLBACK(+[](SoupWebsocketConnection*, gint, GBytes* bytes, gpointer self) {
                       gsize size = 0;
                       const char* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
                       static_cast<WebSocketClient*>(self)->received_.emplace_back(data ? data : "", size);
                     }),
                     this);
  }
  g_main_context_pop_thread_default(context_);
}

inline WebSocketClient::~WebSocketClient() {
  g_main_context_push_thread_default(context_);
  if (connection_) {
    g_signal_handlers_disconnect_by_data(connection_, this);
    if (soup_websocket_connection_get_state(connection_) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(connection_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    const gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (soup_websocket_connection_get_state(connection_) != SOUP_WEBSOCKET_STATE_CLOSED &&
           g_get_monotonic_time() < deadline)
      g_main_context_iteration(context_, FALSE);
    g_object_unref(connection_);
  }
  session_.reset();
  while (g_main_context_iteration(context_, FALSE)) {
  }
  g_main_context_pop_thread_default(context_);
  g_main_context_unref(context_);
}

inline void WebSocketClient::send(const std::string& text) {
  if (!connection_ || closed()) return;
  g_main_context_push_thread_default(context_);
  soup_websocket_connection_send_text(connection_, text.c_str());
  g_main_context_pop_thread_default(context_);
}

inline bool WebSocketClient::closed() const {
  return !connection_ || soup_websocket_connection_get_state(connection_) == SOUP_WEBSOCKET_STATE_CLOSED;
}

inline void WebSocketClient::close() {
  if (!connection_ || closed()) return;
  g_main_context_push_thread_default(context_);
  soup_websocket_connection_close(connection_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
  g_main_context_pop_thread_default(context_);
}

inline bool WebSocketClient::wait(const std::function<bool(const std::vector<std::string>&)>& pred, int timeout_ms) {
  g_main_context_push_thread_default(context_);
  const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(timeout_ms) * 1000;
  bool ok = pred(received_);
  while (!ok && !closed() && g_get_monotonic_time() < deadline) {
    // A short sleep at most, so the deadline is kept even when nothing arrives.
    GSource* tick = g_timeout_source_new(50);
    g_source_set_callback(tick, [](gpointer) -> gboolean { return G_SOURCE_REMOVE; }, nullptr, nullptr);
    g_source_attach(tick, context_);
    g_main_context_iteration(context_, TRUE);
    g_source_destroy(tick);
    g_source_unref(tick);
    ok = pred(received_);
  }
  g_main_context_pop_thread_default(context_);
  return ok || pred(received_);
}

inline bool WebSocketClient::wait_for_text(const std::string& needle, int timeout_ms) {
  return wait([&](const std::vector<std::string>& got) {
    for (const auto& m : got)
      if (m.find(needle) != std::string::npos) return true;
    return false;
  }, timeout_ms);
}

}  // namespace kek::test
