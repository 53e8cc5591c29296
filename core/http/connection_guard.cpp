#define G_LOG_DOMAIN "kek-http"

#include "http/connection_guard.h"

#include <kek/address_key.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include <functional>
#include <memory>
#include <utility>

namespace kek::core::http {
namespace {

// A connection's clock. Moving the deadline is an assignment: the timer under it is armed for
// the deadline of the moment and, when it fires early (the deadline moved on meanwhile), armed
// again for the rest. So a kept-alive connection's requests make no timer each, and do not
// wake the loop (g_source_set_ready_time would, on every call).
class Deadline {
 public:
  explicit Deadline(std::function<void()> fire) : fire_(std::move(fire)) {}
  ~Deadline() { disarm(); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  void in(int seconds) {
    at_us_ = g_get_monotonic_time() + int64_t{seconds} * G_USEC_PER_SEC;
    if (!source_) arm(at_us_);
    else if (at_us_ < armed_for_us_) arm(at_us_);  // sooner than the timer: rare (a shorter wait)
  }
  void off() { at_us_ = -1; }

 private:
  void arm(int64_t when_us) {
    disarm();
    const int64_t left_ms = std::max<int64_t>(0, (when_us - g_get_monotonic_time() + 999) / 1000);
    armed_for_us_ = when_us;
    source_ = g_timeout_source_new(static_cast<guint>(std::min<int64_t>(left_ms, G_MAXUINT)));
    g_source_set_callback(
        source_,
        [](gpointer data) -> gboolean {
          static_cast<Deadline*>(data)->expired();
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach(source_, g_main_context_get_thread_default());
  }
  void disarm() {
    if (!source_) return;
    g_source_destroy(source_);
    g_source_unref(source_);
    source_ = nullptr;
  }
  void expired() {
    // The source is being dispatched and goes after this returns: drop it first.
    g_source_unref(std::exchange(source_, nullptr));
    if (at_us_ < 0) return;  // nothing to wait for now; armed again when there is
    if (g_get_monotonic_time() < at_us_) {
      arm(at_us_);
      return;
    }
    at_us_ = -1;
    auto fire = fire_;  // a copy: it may destroy us
    fire();
  }

  std::function<void()> fire_;
  GSource* source_ = nullptr;
  int64_t at_us_ = -1;         // the deadline, monotonic; -1: none
  int64_t armed_for_us_ = -1;  // what the timer was armed for
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

bool has_body(SoupServerMessage* msg) {
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  const SoupEncoding encoding = soup_message_headers_get_encoding(headers);
  return encoding == SOUP_ENCODING_CHUNKED ||
         (encoding == SOUP_ENCODING_CONTENT_LENGTH && soup_message_headers_get_content_length(headers) > 0);
}

// The peer has closed its side (end of stream is waiting to be read). libsoup 3.2 notices that on
// a kept-alive connection only some time later; between requests it means the client is gone.
bool peer_closed(GSocket* socket) {
  if (!(g_socket_condition_check(socket, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR)))) return false;
  char byte;
  const ssize_t n = recv(g_socket_get_fd(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

std::string key_of(GSocketAddress* remote) {
  if (!remote || !G_IS_INET_SOCKET_ADDRESS(remote)) return "unknown";
  return kek::address_key(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)));
}

std::string key_of(SoupServerMessage* msg) { return key_of(soup_server_message_get_remote_address(msg)); }

GQuark socket_quark() {
  static const GQuark quark = g_quark_from_static_string("kek-handed-over-socket");
  return quark;
}

}  // namespace

GSocket* socket_of(SoupServerMessage* msg) {
  if (GSocket* socket = soup_server_message_get_socket(msg)) return socket;
  GSocketAddress* remote = soup_server_message_get_remote_address(msg);
  return remote ? static_cast<GSocket*>(g_object_get_qdata(G_OBJECT(remote), socket_quark())) : nullptr;
}

void keep_socket_on(GSocketAddress* remote, GSocket* socket) {
  g_object_set_qdata_full(G_OBJECT(remote), socket_quark(), g_object_ref(socket), g_object_unref);
}

struct ConnectionGuard::Connection {
  // What the connection's deadline is for.
  enum class Waiting { nothing, headers, body, next_request };

  Connection(GSocket* socket, std::string key, std::string remote, const ConnectionLimits& limits)
      : socket(socket), key(std::move(key)), remote(std::move(remote)), deadline([this, limits] { expired(limits); }) {}

  void wait_for(Waiting what, int seconds) {
    waiting = what;
    deadline.in(seconds);
  }
  void wait_for_nothing() {
    waiting = Waiting::nothing;
    deadline.off();
  }
  void expired(const ConnectionLimits& limits) {
    switch (std::exchange(waiting, Waiting::nothing)) {
      case Waiting::nothing:
        return;
      case Waiting::headers:
        shut_down(socket, remote, "no complete request headers within " + std::to_string(limits.header_timeout_s) + " s");
        return;
      case Waiting::body:
        shut_down(socket, remote, "the request body paused for " + std::to_string(limits.body_timeout_s) + " s");
        return;
      case Waiting::next_request:
        shut_down(socket, remote, "idle for " + std::to_string(limits.header_timeout_s) + " s after its last request",
                  false);
        return;
    }
  }

  GSocket* socket = nullptr;  // weak
  std::string key;
  std::string remote;
  bool in_request = false;
  Waiting waiting = Waiting::nothing;
  Deadline deadline;
};

ConnectionGuard::ConnectionGuard(ConnectionLimits limits, std::function<bool(const std::string&)> exempt)
    : limits_(limits), exempt_(std::move(exempt)) {}

ConnectionGuard::~ConnectionGuard() {
  for (const auto& [socket, c] : connections_) g_object_weak_unref(socket, &ConnectionGuard::on_socket_gone, this);
}

ConnectionGuard::Connection* ConnectionGuard::find(GSocket* socket) {
  auto it = socket ? connections_.find(G_OBJECT(socket)) : connections_.end();
  return it == connections_.end() ? nullptr : it->second.get();
}

ConnectionGuard::Connection* ConnectionGuard::find(SoupServerMessage* msg) { return find(socket_of(msg)); }

ConnectionGuard::Connection* ConnectionGuard::admit(GSocket* socket, const std::string& key, const char* host) {
  const bool exempt = host && exempt_ && exempt_(host);
  if (!exempt && per_address_[key] >= limits_.max_connections_per_address) forget_closed(key);
  int& open = per_address_[key];
  if (!exempt && open >= limits_.max_connections_per_address) {
    if (warned_.insert(key).second)  // once while at the cap, not per attempt
      g_warning("refusing connections from %s: %d already open (http.max_connections_per_address)", key.c_str(),
                open);
    return nullptr;
  }
  ++open;
  auto fresh = std::make_unique<Connection>(socket, key, host ? host : "?", limits_);
  Connection* c = fresh.get();
  connections_.emplace(G_OBJECT(socket), std::move(fresh));
  g_object_weak_ref(G_OBJECT(socket), &ConnectionGuard::on_socket_gone, this);
  return c;
}

bool ConnectionGuard::accepted(GSocket* socket, GSocketAddress* remote, const std::string& host) {
  Connection* c = admit(socket, key_of(remote), host.empty() ? nullptr : host.c_str());
  if (!c) return false;
  // Its first request must come within the header time, as on libsoup's own connections.
  c->in_request = true;
  c->wait_for(Connection::Waiting::headers, limits_.header_timeout_s);
  return true;
}

void ConnectionGuard::answering(GSocket* socket) {
  if (Connection* c = find(socket)) {
    c->in_request = true;
    c->wait_for_nothing();
  }
}

void ConnectionGuard::answered(GSocket* socket) {
  if (Connection* c = find(socket)) {
    c->in_request = false;
    c->wait_for(Connection::Waiting::next_request, limits_.header_timeout_s);
  }
}

void ConnectionGuard::request_started(SoupServerMessage* msg) {
  Connection* c = find(msg);
  if (!c) {
    GSocket* socket = socket_of(msg);
    if (!socket) return;
    // A new connection, not a byte read yet.
    c = admit(socket, key_of(msg), soup_server_message_get_remote_host(msg));
    if (!c) {
      g_socket_shutdown(socket, TRUE, TRUE, nullptr);
      return;
    }
  }
  // The first request of a connection, or a kept-alive connection's next one.
  c->in_request = true;
  c->wait_for(Connection::Waiting::headers, limits_.header_timeout_s);
}

void ConnectionGuard::headers_read(SoupServerMessage* msg) {
  Connection* c = find(msg);
  if (!c) return;
  if (!has_body(msg) || soup_server_message_get_status(msg) != 0) {
    c->wait_for_nothing();  // the answer is being made: no clock on that
    return;
  }
  c->wait_for(Connection::Waiting::body, limits_.body_timeout_s);
  // Every piece of the body starts the clock again (the message ends before the guard does).
  g_signal_connect(msg, "got-chunk", G_CALLBACK(+[](SoupServerMessage* m, GBytes*, ConnectionGuard* self) {
                     if (Connection* c = self->find(m); c && c->waiting == Connection::Waiting::body)
                       c->deadline.in(self->limits_.body_timeout_s);
                   }),
                   this);
}

void ConnectionGuard::body_read(SoupServerMessage* msg) {
  if (Connection* c = find(msg)) c->wait_for_nothing();
}

void ConnectionGuard::request_finished(SoupServerMessage* msg) {
  Connection* c = find(msg);
  if (!c) return;
  c->in_request = false;
  // Kept alive (or about to be closed by libsoup, which ends the deadline with the socket).
  c->wait_for(Connection::Waiting::next_request, limits_.header_timeout_s);
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
