#define G_LOG_DOMAIN "kek-http"

#include "http/connection_guard.h"

#include <kek/address_key.h>

#include <sys/socket.h>

#include <cerrno>

#include <functional>
#include <memory>

namespace kek::core::http {
namespace {

// A timer on the thread-default context that runs fn once; destroyed with its owner.
class Timer {
 public:
  Timer() = default;
  ~Timer() { stop(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void start(int seconds, std::function<void()> fn) {
    stop();
    fn_ = std::move(fn);
    source_ = g_timeout_source_new_seconds(static_cast<guint>(seconds));
    g_source_set_callback(
        source_,
        [](gpointer data) -> gboolean {
          auto* self = static_cast<Timer*>(data);
          auto fn = std::move(self->fn_);
          self->stop();  // before fn: it may destroy us
          fn();
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach(source_, g_main_context_get_thread_default());
  }
  void stop() {
    if (!source_) return;
    g_source_destroy(source_);
    g_source_unref(source_);
    source_ = nullptr;
  }
  bool running() const { return source_ != nullptr; }

 private:
  GSource* source_ = nullptr;
  std::function<void()> fn_;
};

// `loud`: a client that started a request and stalled (slowloris) is worth a line in the log;
// an idle kept-alive connection ending is routine.
void shut_down(GSocket* socket, const std::string& remote, const std::string& why, bool loud = true) {
  if (loud)
    g_message("closing a connection from %s: %s", remote.c_str(), why.c_str());
  else
    g_debug("closing a connection from %s: %s", remote.c_str(), why.c_str());
  g_socket_shutdown(socket, TRUE, TRUE, nullptr);
}

// One request's clock, attached to its message (freed with it): the headers within
// header_timeout_s of the first byte, then no pause in the body over body_timeout_s.
class RequestClock {
 public:
  RequestClock(SoupServerMessage* msg, const ConnectionLimits& limits) : msg_(msg), limits_(limits) {}

  static void attach(SoupServerMessage* msg, const ConnectionLimits& limits) {
    RequestClock* clock = std::make_unique<RequestClock>(msg, limits).release();  // the message owns it
    g_object_set_data_full(G_OBJECT(msg), "kek-request-clock", clock,
                           [](gpointer data) { std::unique_ptr<RequestClock>(static_cast<RequestClock*>(data)).reset(); });
    g_signal_connect_swapped(msg, "got-headers", G_CALLBACK(+[](RequestClock* c) { c->headers_read(); }), clock);
    g_signal_connect_swapped(msg, "got-chunk", G_CALLBACK(+[](RequestClock* c) { c->body_progress(); }), clock);
    g_signal_connect_swapped(msg, "got-body", G_CALLBACK(+[](RequestClock* c) { c->timer_.stop(); }), clock);
    g_signal_connect_swapped(msg, "finished", G_CALLBACK(+[](RequestClock* c) { c->timer_.stop(); }), clock);
    clock->arm(limits.header_timeout_s, "no complete request headers within " + std::to_string(limits.header_timeout_s) + " s");
  }

 private:
  void headers_read() {
    SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg_);
    const SoupEncoding encoding = soup_message_headers_get_encoding(headers);
    const bool has_body = encoding == SOUP_ENCODING_CHUNKED ||
                          (encoding == SOUP_ENCODING_CONTENT_LENGTH && soup_message_headers_get_content_length(headers) > 0);
    if (has_body && soup_server_message_get_status(msg_) == 0)
      arm(limits_.body_timeout_s, stalled());
    else
      timer_.stop();
  }
  void body_progress() {
    if (timer_.running()) arm(limits_.body_timeout_s, stalled());
  }
  std::string stalled() const { return "the request body paused for " + std::to_string(limits_.body_timeout_s) + " s"; }
  void arm(int seconds, std::string why) {
    timer_.start(seconds, [this, why = std::move(why)] {
      const char* remote = soup_server_message_get_remote_host(msg_);
      if (GSocket* socket = soup_server_message_get_socket(msg_)) shut_down(socket, remote ? remote : "?", why);
    });
  }

  SoupServerMessage* msg_;  // owns us
  ConnectionLimits limits_;
  Timer timer_;
};

// The peer has closed its side (end of stream is waiting to be read). libsoup 3.2 notices that on
// a kept-alive connection only some time later; between requests it means the client is gone.
bool peer_closed(GSocket* socket) {
  if (!(g_socket_condition_check(socket, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR)))) return false;
  char byte;
  const ssize_t n = recv(g_socket_get_fd(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

std::string key_of(SoupServerMessage* msg) {
  GSocketAddress* remote = soup_server_message_get_remote_address(msg);
  if (!remote || !G_IS_INET_SOCKET_ADDRESS(remote)) return "unknown";
  return kek::address_key(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)));
}

}  // namespace

struct ConnectionGuard::Connection {
  GSocket* socket = nullptr;  // weak
  std::string key;
  std::string remote;
  bool in_request = false;
  Timer idle;
};

ConnectionGuard::ConnectionGuard(ConnectionLimits limits, std::function<bool(const std::string&)> exempt)
    : limits_(limits), exempt_(std::move(exempt)) {}

ConnectionGuard::~ConnectionGuard() {
  for (const auto& [socket, c] : connections_) g_object_weak_unref(socket, &ConnectionGuard::on_socket_gone, this);
}

ConnectionGuard::Connection* ConnectionGuard::find(SoupServerMessage* msg) {
  GSocket* socket = soup_server_message_get_socket(msg);
  auto it = socket ? connections_.find(G_OBJECT(socket)) : connections_.end();
  return it == connections_.end() ? nullptr : it->second.get();
}

void ConnectionGuard::request_started(SoupServerMessage* msg) {
  GSocket* socket = soup_server_message_get_socket(msg);
  if (!socket) return;
  if (Connection* c = find(msg)) {
    c->idle.stop();  // a kept-alive connection's next request
    c->in_request = true;
  } else {
    // A new connection, not a byte read yet.
    std::string key = key_of(msg);
    const char* host = soup_server_message_get_remote_host(msg);
    const bool exempt = host && exempt_ && exempt_(host);
    if (!exempt && per_address_[key] >= limits_.max_connections_per_address) forget_closed(key);
    int& open = per_address_[key];
    if (!exempt && open >= limits_.max_connections_per_address) {
      if (warned_.insert(key).second)  // once while at the cap, not per attempt
        g_warning("refusing connections from %s: %d already open (http.max_connections_per_address)", key.c_str(),
                  open);
      g_socket_shutdown(socket, TRUE, TRUE, nullptr);
      return;
    }
    ++open;
    auto fresh = std::make_unique<Connection>();
    fresh->socket = socket;
    fresh->key = std::move(key);
    fresh->remote = host ? host : "?";
    fresh->in_request = true;
    connections_.emplace(G_OBJECT(socket), std::move(fresh));
    g_object_weak_ref(G_OBJECT(socket), &ConnectionGuard::on_socket_gone, this);
  }
  RequestClock::attach(msg, limits_);
}

void ConnectionGuard::request_finished(SoupServerMessage* msg) {
  Connection* c = find(msg);
  if (!c) return;
  c->in_request = false;
  // Kept alive (or about to be closed by libsoup, which ends the timer with the socket).
  GSocket* socket = c->socket;
  c->idle.start(limits_.header_timeout_s, [socket, c, seconds = limits_.header_timeout_s] {
    shut_down(socket, c->remote, "idle for " + std::to_string(seconds) + " s after its last request", false);
  });
}

int ConnectionGuard::open_connections(const std::string& address_key) const {
  auto it = per_address_.find(address_key);
  return it == per_address_.end() ? 0 : it->second;
}

void ConnectionGuard::on_socket_gone(gpointer data, GObject* socket) {
  auto* self = static_cast<ConnectionGuard*>(data);
  auto it = self->connections_.find(socket);
  if (it != self->connections_.end()) self->forget(it);
}

void ConnectionGuard::forget(std::unordered_map<GObject*, std::unique_ptr<Connection>>::iterator it) {
  const std::string key = it->second->key;
  connections_.erase(it);
  auto open = per_address_.find(key);
  if (open == per_address_.end()) return;
  if (--open->second <= 0) per_address_.erase(open);
  warned_.erase(key);
}

void ConnectionGuard::forget_closed(const std::string& address_key) {
  for (auto it = connections_.begin(); it != connections_.end();) {
    auto next = std::next(it);
    if (it->second->key == address_key && (g_socket_is_closed(it->second->socket) || (!it->second->in_request && peer_closed(it->second->socket)))) {
      g_object_weak_unref(it->first, &ConnectionGuard::on_socket_gone, this);
      forget(it);
    }
    it = next;
  }
}

}  // namespace kek::core::http
