// What a stranger can hold of the HTTP server: slow headers and slow bodies time out, one address
// gets a bounded number of connections, the body limit holds on every route. Real loopback
// sockets: the server runs on a context this thread iterates, raw clients on worker threads.
#include "http/server.h"

#include <kek/ref.h>

#include <gtest/gtest.h>
#include <glib/gstdio.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace kek::core {
namespace {

constexpr int64_t kBodyLimit = 1024;

// A raw client connection (blocking, with a read timeout) used from a worker thread.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    g_autoptr(GSocketClient) client = g_socket_client_new();
    connection_ = g_socket_client_connect_to_host(client, "127.0.0.1", static_cast<guint16>(port), nullptr, nullptr);
    if (connection_) g_socket_set_timeout(g_socket_connection_get_socket(connection_), 8);
  }
  ~RawConnection() {
    if (connection_) g_object_unref(connection_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return connection_ != nullptr; }
  bool send(const std::string& bytes) {
    return g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(connection_)), bytes.data(),
                                     bytes.size(), nullptr, nullptr, nullptr);
  }
  // Reads until the server closes (or the 8 s timeout). Returns what came, and whether it closed.
  std::pair<std::string, bool> read_until_closed() {
    std::string got;
    char buffer[4096];
    for (;;) {
      GError* error = nullptr;
      gssize n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(connection_)), buffer, sizeof buffer,
                                     nullptr, &error);
      if (n > 0) {
        got.append(buffer, static_cast<size_t>(n));
        continue;
      }
      const bool timed_out = error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      g_clear_error(&error);
      return {got, !timed_out};
    }
  }
  // Reads until `needle` has come (true), the server closes or the 8 s timeout (false).
  bool read_until(const std::string& needle, std::string& got) {
    char buffer[4096];
    while (got.find(needle) == std::string::npos) {
      gssize n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(connection_)), buffer, sizeof buffer,
                                     nullptr, nullptr);
      if (n <= 0) return false;
      got.append(buffer, static_cast<size_t>(n));
    }
    return true;
  }
  // One whole response to a request sent on a kept-alive connection (Content-Length bodies).
  std::string read_response() {
    std::string got;
    char c;
    while (got.find("\r\n\r\n") == std::string::npos) {
      gssize n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(connection_)), &c, 1, nullptr, nullptr);
      if (n <= 0) return got;
      got += c;
    }
    size_t at = got.find("Content-Length: ");
    size_t length = at == std::string::npos ? 0 : std::stoul(got.substr(at + 16));
    std::string body(length, '\0');
    gsize read = 0;
    g_input_stream_read_all(g_io_stream_get_input_stream(G_IO_STREAM(connection_)), body.data(), length, &read,
                            nullptr, nullptr);
    return got + body.substr(0, read);
  }

 private:
  GSocketConnection* connection_ = nullptr;
};

class HttpLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_ = g_main_context_new();
    g_main_context_push_thread_default(context_);
    g_autofree char* root = g_dir_make_tmp("kek-http-limits-XXXXXX", nullptr);
    root_ = root;
  }
  void TearDown() override {
    server_.reset();
    while (g_main_context_iteration(context_, FALSE)) {
    }
    g_main_context_pop_thread_default(context_);
    g_main_context_unref(context_);
    g_rmdir(root_.c_str());
  }

  void start(http::ConnectionLimits limits, std::vector<std::string> trusted_proxies = {}) {
    HttpConfig config;
    config.trusted_proxies = std::move(trusted_proxies);
    config.address = "127.0.0.1";
    config.port = 0;
    config.max_body_bytes = kBodyLimit;
    config.media_dir = root_;
    config.webui_dir = root_;
    config.connections = limits;
    server_ = HttpServer::create(config);
    server_->route("GET", "/api/ping", [](const HttpRequest&) { return HttpResponse::json("{\"pong\":true}"); });
    server_->route("POST", "/api/echo", [](const HttpRequest& r) { return HttpResponse::json("{\"got\":" + std::to_string(r.body.size()) + "}"); });
    ASSERT_TRUE(server_->listen().ok());
    port_ = server_->port();
  }

  // Runs `client` on a worker thread while this thread drives the server.
  void run_client(const std::function<void()>& client) {
    std::atomic<bool> done{false};
    std::thread worker([&] {
      client();
      done = true;
      g_main_context_wakeup(context_);
    });
    GSource* heartbeat = g_timeout_source_new(20);
    g_source_set_callback(heartbeat, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
    g_source_attach(heartbeat, context_);
    const gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    while (!done && g_get_monotonic_time() < deadline) g_main_context_iteration(context_, TRUE);
    g_source_destroy(heartbeat);
    g_source_unref(heartbeat);
    worker.join();
  }

  static double seconds_since(gint64 start) { return static_cast<double>(g_get_monotonic_time() - start) / G_USEC_PER_SEC; }

  GMainContext* context_ = nullptr;
  std::string root_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

// Slowloris: the request line and one header, then a byte now and then, never the blank line.
TEST_F(HttpLimitsTest, SlowHeadersAreCutOffAtTheHeaderTimeout) {
  start({.header_timeout_s = 1, .body_timeout_s = 30, .max_connections_per_address = 64});
  bool closed = false;
  double took = 0;
  run_client([&] {
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    const gint64 start = g_get_monotonic_time();
    c.send("GET /api/ping HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 12 && c.send("X"); ++i) g_usleep(250 * 1000);  // 3 s of trickle
    closed = c.read_until_closed().second;
    took = seconds_since(start);
  });
  EXPECT_TRUE(closed) << "the server closes a connection whose headers never end";
  EXPECT_LT(took, 5.0);
}

TEST_F(HttpLimitsTest, AStalledBodyIsCutOffAtTheBodyTimeout) {
  start({.header_timeout_s = 20, .body_timeout_s = 1, .max_connections_per_address = 64});
  bool closed = false;
  std::string answer;
  double took = 0;
  run_client([&] {
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    const gint64 start = g_get_monotonic_time();
    c.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"a\":");
    auto [got, was_closed] = c.read_until_closed();
    answer = got;
    closed = was_closed;
    took = seconds_since(start);
  });
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.find("\"got\""), std::string::npos) << "the handler never ran: " << answer;
  EXPECT_LT(took, 5.0);
}

// A body that keeps coming is not "stalled", however long it takes in all.
TEST_F(HttpLimitsTest, ABodyThatKeepsComingIsRead) {
  start({.header_timeout_s = 20, .body_timeout_s = 1, .max_connections_per_address = 64});
  std::string answer;
  run_client([&] {
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    c.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8\r\nConnection: close\r\n\r\n");
    for (int i = 0; i < 8; ++i) {
      g_usleep(400 * 1000);  // 3.2 s in all, never 1 s without a byte
      c.send(std::string(1, "[1,2,3 ]"[i]));
    }
    answer = c.read_until_closed().first;
  });
  EXPECT_NE(answer.find("{\"got\":8}"), std::string::npos) << answer;
}

// A kept-alive connection serves request after request; idle, it ends after the header timeout.
TEST_F(HttpLimitsTest, KeptAliveConnectionsServeThenIdleOut) {
  start({.header_timeout_s = 1, .body_timeout_s = 30, .max_connections_per_address = 64});
  std::vector<std::string> answers;
  bool closed = false;
  run_client([&] {
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    for (int i = 0; i < 3; ++i) {
      c.send("GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n");
      answers.push_back(c.read_response());
      g_usleep(500 * 1000);  // within the timeout between requests
    }
    closed = c.read_until_closed().second;
  });
  ASSERT_EQ(answers.size(), 3u);
  for (const auto& a : answers) EXPECT_NE(a.find("{\"pong\":true}"), std::string::npos) << a;
  EXPECT_TRUE(closed);
}

TEST_F(HttpLimitsTest, ConnectionsPerAddressAreCapped) {
  start({.header_timeout_s = 20, .body_timeout_s = 30, .max_connections_per_address = 3});
  std::vector<std::string> answers;
  std::string fourth;
  bool fourth_closed = false;
  std::string after;
  run_client([&] {
    std::vector<std::unique_ptr<RawConnection>> held;
    for (int i = 0; i < 3; ++i) {
      held.push_back(std::make_unique<RawConnection>(port_));
      held.back()->send("GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n");
      answers.push_back(held.back()->read_response());  // kept alive: still open
    }
    {
      RawConnection extra(port_);
      extra.send("GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n");
      std::tie(fourth, fourth_closed) = extra.read_until_closed();
    }
    held.clear();
    // Once the server has seen the three go (a moment), the address may connect again.
    for (int i = 0; i < 50 && after.find("pong") == std::string::npos; ++i) {
      g_usleep(100 * 1000);
      RawConnection again(port_);
      again.send("GET /api/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      after = again.read_until_closed().first;
    }
  });
  ASSERT_EQ(answers.size(), 3u);
  for (const auto& a : answers) EXPECT_NE(a.find("{\"pong\":true}"), std::string::npos) << a;
  EXPECT_TRUE(fourth_closed);
  EXPECT_EQ(fourth.find("pong"), std::string::npos) << "the fourth connection is not served: " << fourth;
  EXPECT_NE(after.find("{\"pong\":true}"), std::string::npos) << "slots are given back: " << after;
}

// An upgraded WebSocket is not an idle HTTP connection: the header timeout does not end it.
TEST_F(HttpLimitsTest, AWebSocketOutlivesTheHeaderTimeout) {
  start({.header_timeout_s = 1, .body_timeout_s = 30, .max_connections_per_address = 64});
  struct Late {
    std::shared_ptr<WebSocket> socket;
    gint64 opened_us = 0;
    bool sent = false;
  } late;
  server_->websocket("/api/ws", WebSocketRoute{{}, [&](const HttpRequest&, std::shared_ptr<WebSocket> socket) {
    late.socket = socket;
    late.opened_us = g_get_monotonic_time();
  }});
  // 2.5 s after the upgrade (well past the 1 s timeout) the server speaks.
  GSource* timer = g_timeout_source_new(100);
  g_source_set_callback(timer, [](gpointer data) -> gboolean {
    auto* l = static_cast<Late*>(data);
    if (l->socket && !l->sent && g_get_monotonic_time() - l->opened_us > 2500 * 1000) {
      l->socket->send("late");
      l->sent = true;
    }
    return G_SOURCE_CONTINUE;
  }, &late, nullptr);
  g_source_attach(timer, context_);
  std::string got;
  bool came = false;
  run_client([&] {
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    c.send("GET /api/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    came = c.read_until("late", got);
  });
  g_source_destroy(timer);
  g_source_unref(timer);
  EXPECT_NE(got.find(" 101 "), std::string::npos) << got;
  EXPECT_TRUE(came) << "the upgraded connection was cut: " << got;
  if (late.socket) late.socket->close();
}

// Behind a reverse proxy every client comes from the proxy's address: a trusted proxy is not capped.
TEST_F(HttpLimitsTest, ATrustedProxyIsNotCapped) {
  start({.header_timeout_s = 20, .body_timeout_s = 30, .max_connections_per_address = 2}, {"127.0.0.1"});
  std::vector<std::string> answers;
  run_client([&] {
    std::vector<std::unique_ptr<RawConnection>> held;
    for (int i = 0; i < 4; ++i) {
      held.push_back(std::make_unique<RawConnection>(port_));
      held.back()->send("GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n");
      answers.push_back(held.back()->read_response());  // kept alive: all four open at once
    }
  });
  ASSERT_EQ(answers.size(), 4u);
  for (const auto& a : answers) EXPECT_NE(a.find("{\"pong\":true}"), std::string::npos) << a;
}

// max_body_bytes holds wherever the request goes: a route, an unknown API path, media, the web UI.
TEST_F(HttpLimitsTest, TheBodyLimitHoldsOnEveryRoute) {
  start({});
  for (const char* path : {"/api/echo", "/api/no-such-route", "/media/live/x/index.m3u8", "/", "/some/page"}) {
    std::string answer;
    run_client([&] {
      RawConnection c(port_);
      ASSERT_TRUE(c.connected());
      c.send(std::string("POST ") + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kBodyLimit + 1) +
             "\r\nConnection: close\r\n\r\n" + std::string(kBodyLimit + 1, 'x'));
      answer = c.read_until_closed().first;
    });
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << path << ": " << answer;
  }
}

}  // namespace
}  // namespace kek::core
