// The HTTP face of kek (libsoup 3 on the main context): the JSON API routes plugins and the core
// register, /media/ files under the media root, and the built web UI with SPA fallback.
#pragma once

#include "http/connection_guard.h"

#include <kek/error.h>
#include <kek/http.h>

#include <libsoup/soup.h>

#include "http/request_log.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kek::core {

struct HttpConfig {
  std::string address = "127.0.0.1";
  int port = 8080;                          // 0: pick a free port (see HttpServer::port())
  int64_t max_body_bytes = 16 * 1024 * 1024;  // larger request bodies get 413
  std::string media_dir;                    // served under /media/
  std::string webui_dir;                    // webui/dist: index.html + assets
  // Reverse proxies whose X-Forwarded-For/-Proto/-Host are believed ("127.0.0.1", "10.0.0.0/8").
  std::vector<std::string> trusted_proxies;
  bool log_requests = true;                 // one log line per request (5xx are logged always)
  http::ConnectionLimits connections;       // slow clients, connections per address
  // The server accepts connections itself and answers plain GET/HEAD of cached /media/ files
  // straight from the socket (see http/fast_path.h); off: libsoup answers everything.
  bool media_fast_path = true;
  // Tests: runs on a reader thread before each file read that would have waited for the disk
  // (a test holds it there to stand for a slow disk).
  std::function<void()> on_disk_read;
};

class HttpServer : public Http {
 public:
  static std::unique_ptr<HttpServer> create(HttpConfig config);
  ~HttpServer() override = default;

  // Starts listening on the configured address; routes may be added before or after.
  virtual Status listen() = 0;
  // For the core only: a route whose handler answers on the message itself (event streams).
  virtual void route_raw(std::string method, std::string pattern,
                         std::function<void(SoupServerMessage*, const HttpRequest&)> handler) = 0;
  virtual void close() = 0;
  virtual int port() const = 0;  // the bound port, after listen()
  virtual std::string url() const = 0;  // "http://127.0.0.1:PORT/"
  // Sees every finished request (metrics); main thread.
  virtual void set_request_observer(http::RequestObserver observer) = 0;
};

}  // namespace kek::core
