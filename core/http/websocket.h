// WebSocket routes: the upgrade of a matched GET (Origin check, RFC 6455 handshake by libsoup)
// and the kek::WebSocket a plugin holds, over libsoup's SoupWebsocketConnection.
#pragma once

#include <kek/http.h>

#include <libsoup/soup.h>

#include <memory>
#include <string_view>
#include <vector>

namespace kek::core::http {

// The connections that are open, so that the server can close them when it stops (libsoup
// forgets a connection once it is stolen for a WebSocket).
class OpenWebSockets {
 public:
  void add(std::weak_ptr<WebSocket> socket);
  void close_all();

 private:
  std::vector<std::weak_ptr<WebSocket>> sockets_;
};

// Whether a browser's Origin header names this server (the Host it was asked under). No Origin
// (a client that is not a browser) counts as same-origin.
bool is_same_origin(const char* origin, const char* host);

// Answers `msg` for `route`: its check's refusal, 403 for another origin, 400 for a request
// that is not a WebSocket handshake, else 101, after which route.open gets the connection.
void upgrade_to_websocket(SoupServerMessage* msg, std::shared_ptr<const WebSocketRoute> route,
                          HttpRequest request, std::shared_ptr<OpenWebSockets> open);

}  // namespace kek::core::http
