// GET /api/events over real loopback connections: each client receives the events its audience
// admits (everyone, its user id, a media prefix Identity::may_view lets it see), a retry hint and
// heartbeats; a client that stops reading is dropped instead of buffered for.
#include "host/service_registry.h"
#include "http/event_stream.h"
#include "http/server.h"

#include <kek/services/identity.h>

#include <gtest/gtest.h>
#include <gio/gio.h>
#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace kek::core {
namespace {

// Identity from a header: "X-User: 7" is user 7; only user 7 may view "vod/secret/".
class FakeIdentity : public Identity {
 public:
  Result<std::optional<UserIdentity>> user_of(const HttpRequest& r) override {
    auto id = r.header("x-user");
    if (!id) return std::optional<UserIdentity>{};
    return std::optional<UserIdentity>{UserIdentity{std::stoll(*id), "u" + *id, "", false}};
  }
  Result<std::optional<UserIdentity>> find_user(const std::string&) override { return std::optional<UserIdentity>{}; }
  Result<std::optional<UserIdentity>> user_by_id(int64_t) override { return std::optional<UserIdentity>{}; }
  bool may_view(const std::optional<UserIdentity>& user, const std::string& prefix) override {
    if (prefix == "vod/secret/") return user && user->id == 7;
    return true;
  }
  bool may_open(const std::optional<UserIdentity>& user, const std::string& prefix) override {
    return may_view(user, prefix);
  }
};

class EventStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_ = g_main_context_new();
    g_main_context_push_thread_default(context_);
    services_.provide(Identity::kName, static_cast<Identity*>(&identity_));
    http::EventStreamLimits limits;
    limits.heartbeat_s = 1;
    limits.max_pending_bytes = 64 * 1024;
    hub_ = std::make_unique<http::EventStreamHub>(services_, context_, limits);
    HttpConfig config;
    config.port = 0;
    server_ = HttpServer::create(config);
    server_->route_raw("GET", "/api/events", [this](SoupServerMessage* msg, const HttpRequest& r) { hub_->serve(msg, r); });
    ASSERT_TRUE(server_->listen().ok());
    port_ = server_->port();
  }
  void TearDown() override {
    hub_.reset();
    server_.reset();
    while (g_main_context_iteration(context_, FALSE)) {
    }
    g_main_context_pop_thread_default(context_);
    g_main_context_unref(context_);
  }

  void iterate_until(const std::function<bool()>& done, int timeout_ms) {
    const gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
    while (!done() && g_get_monotonic_time() < deadline)
      if (!g_main_context_iteration(context_, FALSE)) g_usleep(1000);
  }

  // A client on a worker thread: sends the request, reads for `read_ms`, returns what came.
  struct Reader {
    std::thread thread;
    std::string received;
    std::atomic<bool> done{false};
  };
  // Reads until every string of `until` has arrived (or read_ms passes).
  std::unique_ptr<Reader> connect(const std::string& extra_headers, int read_ms, bool read = true,
                                  std::vector<std::string> until = {}) {
    auto reader = std::make_unique<Reader>();
    Reader* r = reader.get();
    const int port = port_;
    GMainContext* server_context = context_;
    r->thread = std::thread([r, port, extra_headers, read_ms, read, server_context, until] {
      g_autoptr(GSocketClient) client = g_socket_client_new();
      g_autoptr(GSocketConnection) connection =
          g_socket_client_connect_to_host(client, "127.0.0.1", static_cast<guint16>(port), nullptr, nullptr);
      if (connection) {
        GSocket* socket = g_socket_connection_get_socket(connection);
        if (!read) g_socket_set_option(socket, SOL_SOCKET, SO_RCVBUF, 4096, nullptr);
        std::string request = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
        g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(connection)), request.data(), request.size(),
                                  nullptr, nullptr, nullptr);
        const gint64 end = g_get_monotonic_time() + read_ms * 1000;
        char buffer[4096];
        while (g_get_monotonic_time() < end) {
          if (!read) {
            g_usleep(10000);
            continue;
          }
          if (!g_socket_condition_timed_wait(socket, G_IO_IN, 20000, nullptr, nullptr)) continue;
          gssize n = g_socket_receive(socket, buffer, sizeof buffer, nullptr, nullptr);
          if (n <= 0) break;
          r->received.append(buffer, static_cast<size_t>(n));
          bool all = !until.empty();
          for (const auto& marker : until) all = all && r->received.find(marker) != std::string::npos;
          if (all) break;
        }
      }
      r->done = true;
      g_main_context_wakeup(server_context);
    });
    return reader;
  }
  void finish(Reader& r) {
    iterate_until([&] { return r.done.load(); }, 20000);
    r.thread.join();
  }

  GMainContext* context_ = nullptr;
  ServiceRegistry services_;
  FakeIdentity identity_;
  std::unique_ptr<http::EventStreamHub> hub_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(EventStreamTest, EachClientGetsWhatItsAudienceAdmits) {
  // Each reads until the last event and a heartbeat (sent every second here) have come.
  const std::vector<std::string> until = {"event: end\n", ": heartbeat"};
  auto anonymous = connect("", 15000, true, until);
  auto seven = connect("X-User: 7\r\n", 15000, true, until);
  auto eight = connect("X-User: 8\r\n", 15000, true, until);
  iterate_until([&] { return hub_->clients() == 3; }, 5000);
  ASSERT_EQ(hub_->clients(), 3u);
  hub_->publish({"library.progress", R"({"id":"mine","progress":43})", {false, 7, ""}});
  hub_->publish({"library.ready", R"({"id":"secret"})", {false, 0, "vod/secret/"}});
  hub_->publish({"library.ready", R"({"id":"open"})", {false, 0, "vod/open/"}});
  hub_->publish({"notice", "{\"text\":\"line\\nbreak\"}", {true, 0, ""}});
  hub_->publish({"end", "{}", {true, 0, ""}});
  finish(*anonymous);
  finish(*seven);
  finish(*eight);
  for (auto* r : {anonymous.get(), seven.get(), eight.get()}) {
    EXPECT_NE(r->received.find("HTTP/1.1 200"), std::string::npos) << r->received;
    EXPECT_NE(r->received.find("text/event-stream"), std::string::npos) << r->received;
    EXPECT_NE(r->received.find("retry: 3000"), std::string::npos) << r->received;
    EXPECT_NE(r->received.find("event: library.ready\ndata: {\"id\":\"open\"}\n\n"), std::string::npos) << r->received;
    EXPECT_NE(r->received.find("event: notice\n"), std::string::npos) << r->received;
    EXPECT_NE(r->received.find(": heartbeat"), std::string::npos) << "a heartbeat every second here";
  }
  EXPECT_NE(seven->received.find("data: {\"id\":\"mine\",\"progress\":43}"), std::string::npos) << seven->received;
  EXPECT_NE(seven->received.find("{\"id\":\"secret\"}"), std::string::npos) << seven->received;
  for (auto* r : {anonymous.get(), eight.get()}) {
    EXPECT_EQ(r->received.find("\"mine\""), std::string::npos) << r->received;
    EXPECT_EQ(r->received.find("\"secret\""), std::string::npos) << r->received;
  }
  iterate_until([&] { return hub_->clients() == 0; }, 5000);
  EXPECT_EQ(hub_->clients(), 0u) << "closed connections leave the hub";
}

TEST_F(EventStreamTest, ClientThatStopsReadingIsDropped) {
  auto stalled = connect("", 2000, /*read=*/false);
  iterate_until([&] { return hub_->clients() == 1; }, 5000);
  ASSERT_EQ(hub_->clients(), 1u);
  const std::string big = "{\"pad\":\"" + std::string(8000, 'x') + "\"}";
  for (int i = 0; i < 2000 && hub_->clients() > 0; ++i) {
    hub_->publish({"pad", big, {true, 0, ""}});
    iterate_until([] { return false; }, 1);
  }
  EXPECT_EQ(hub_->clients(), 0u) << "16 MB for a client that reads nothing: it must have been dropped";
  finish(*stalled);
}

}  // namespace
}  // namespace kek::core
