// What one HTTP client may hold (libsoup 3.2 emits request-started for a connection the moment it
// is accepted, and again at the first byte of each further request on a kept-alive one):
//  - one address holds at most max_connections_per_address connections; more are shut down at
//    once, before a byte of them is read (a trusted reverse proxy is exempt);
//  - a connection must send its first request within header_timeout_s, and a kept-alive one its
//    next request within the same time (else it is closed as idle);
//  - a request's headers must be complete header_timeout_s after it started, and its body must
//    not pause longer than body_timeout_s (slowloris: headers or a body trickled a byte at a
//    time to hold a connection forever).
// A connection it ends is shut down; libsoup then sees the peer gone and cleans up. Each
// connection has one timer for its life, moved as it goes from one wait to the next.
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <unordered_map>

namespace kek::core::http {

struct ConnectionLimits {
  int header_timeout_s = 20;  // and the idle time of a connection between requests
  int body_timeout_s = 30;    // the longest pause inside a request body
  // Per IPv4 address / IPv6 /64 (kek::address_key). Behind a reverse proxy every client has the
  // proxy's address: raise it to cover the proxy's connections.
  int max_connections_per_address = 64;
};

// The socket under a message's connection: libsoup's own, or for a connection the fast path
// handed to libsoup (which then has no GSocket for it) the one kept on its remote address.
GSocket* socket_of(SoupServerMessage* msg);
// The fast path, handing a connection over: `remote` (the address given to libsoup with it)
// keeps `socket` for socket_of.
void keep_socket_on(GSocketAddress* remote, GSocket* socket);

class ConnectionGuard {
 public:
  // exempt(remote address): never refused by the per-address cap (http.trusted_proxies: every
  // client behind a reverse proxy comes from its address).
  explicit ConnectionGuard(ConnectionLimits limits, std::function<bool(const std::string&)> exempt = {});
  ~ConnectionGuard();
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  // SoupServer::request-started: a new connection, or the first bytes of a further request.
  void request_started(SoupServerMessage* msg);
  // The message's got-headers (after any refusal was set): a body to come is clocked.
  void headers_read(SoupServerMessage* msg);
  // SoupServer::request-read: the whole request is in.
  void body_read(SoupServerMessage* msg);
  // SoupServer::request-finished / request-aborted: a kept-alive connection is idle again.
  void request_finished(SoupServerMessage* msg);

  // The /media/ fast path accepts connections itself (see fast_path.h): a new one, not a byte
  // read yet; false when its address is at the cap (the caller closes it). Once handed to
  // libsoup, its messages are found through socket_of. host: the remote address as text.
  bool accepted(GSocket* socket, GSocketAddress* remote, const std::string& host);
  // The fast path has a whole request head and answers it / has finished its answer.
  void answering(GSocket* socket);
  void answered(GSocket* socket);

  int open_connections(const std::string& address_key) const;

  struct Connection;

 private:
  static void on_socket_gone(gpointer self, GObject* socket);
  Connection* find(SoupServerMessage* msg);
  Connection* find(GSocket* socket);
  // Counts a new connection, or refuses it (false) when its address is at the cap.
  Connection* admit(GSocket* socket, const std::string& key, const char* host);
  void forget(std::unordered_map<GObject*, std::unique_ptr<Connection>>::iterator it);
  // libsoup closes a connection's socket at once but may free it later: count those as gone.
  void forget_closed(const std::string& address_key);

  ConnectionLimits limits_;
  std::function<bool(const std::string&)> exempt_;
  std::unordered_map<GObject*, std::unique_ptr<Connection>> connections_;  // by GSocket (weak)
  std::map<std::string, int> per_address_;
  std::set<std::string> warned_;  // addresses told about once while at their cap
};

}  // namespace kek::core::http
