// Streamed request bodies (Http::route_streaming) over real loopback connections: the body goes
// to the sink chunk by chunk with reading paused while a write is pending, the route's own limit
// replaces the global one, refusals come before the body, and a client that goes away mid-body
// aborts the sink. Clients are raw sockets on a worker thread; the server runs on this thread.
#include "http/server.h"

#include <kek/ref.h>

#include <gtest/gtest.h>
#include <gio/gio.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace kek::core {
namespace {

constexpr int64_t kGlobalLimit = 1024;

int64_t rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages = 0, resident = 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return int64_t{resident} * 4096;
}

// What a sink saw, for the asserts.
struct SinkLog {
  int64_t bytes = 0;
  uint64_t checksum = 0;  // position-weighted, so order matters
  int writes = 0;
  bool overlapped = false;  // a write arrived while the previous one was pending
  int64_t held_peak = 0;    // bytes of chunks handed over and not yet released
  int64_t rss_peak = 0;
  bool finished = false;
  std::string aborted;
  bool created = false;
};

class RecordingSink : public BodySink {
 public:
  RecordingSink(std::shared_ptr<SinkLog> log, std::optional<Error> fail_at_second = std::nullopt)
      : log_(std::move(log)), fail_(std::move(fail_at_second)) {
    log_->created = true;
  }
  void write(BodyChunk chunk, std::function<void(Status)> done) override {
    if (pending_) log_->overlapped = true;
    pending_ = true;
    ++log_->writes;
    for (size_t i = 0; i < chunk.size(); ++i)
      log_->checksum += static_cast<uint64_t>(chunk.data()[i]) * static_cast<uint64_t>(log_->bytes + i + 1);
    log_->bytes += static_cast<int64_t>(chunk.size());
    held_ += static_cast<int64_t>(chunk.size());
    log_->held_peak = std::max(log_->held_peak, held_);
    if (log_->writes % 64 == 0) log_->rss_peak = std::max(log_->rss_peak, rss_bytes());
    // Finish the "write" later, from the main loop, as a real asynchronous write would.
    auto* job = new Job{this, std::move(chunk), std::move(done)};
    GSource* idle = g_idle_source_new();
    g_source_set_callback(idle, [](gpointer p) -> gboolean {
      std::unique_ptr<Job> j(static_cast<Job*>(p));
      j->sink->pending_ = false;
      j->sink->held_ -= static_cast<int64_t>(j->chunk.size());
      if (j->sink->fail_ && j->sink->log_->writes >= 2) {
        j->done(*j->sink->fail_);
        return G_SOURCE_REMOVE;
      }
      j->done({});
      return G_SOURCE_REMOVE;
    }, job, nullptr);
    g_source_attach(idle, g_main_context_get_thread_default());
    g_source_unref(idle);
  }
  void finish(HttpResponder respond) override {
    log_->finished = true;
    respond(HttpResponse::json("{\"bytes\":" + std::to_string(log_->bytes) + "}", 201));
  }
  void abort(const std::string& reason) override { log_->aborted = reason.empty() ? "?" : reason; }

 private:
  struct Job {
    RecordingSink* sink;
    BodyChunk chunk;
    std::function<void(Status)> done;
  };
  std::shared_ptr<SinkLog> log_;
  std::optional<Error> fail_;
  bool pending_ = false;
  int64_t held_ = 0;
};

class StreamingBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_ = g_main_context_new();
    g_main_context_push_thread_default(context_);
    HttpConfig config;
    config.port = 0;
    config.max_body_bytes = kGlobalLimit;
    server_ = HttpServer::create(config);
    ASSERT_TRUE(server_->listen().ok());
    port_ = server_->port();
  }
  void TearDown() override {
    server_.reset();
    while (g_main_context_iteration(context_, FALSE)) {
    }
    g_main_context_pop_thread_default(context_);
    g_main_context_unref(context_);
  }

  void add_route(int64_t limit, std::function<std::variant<HttpResponse, std::shared_ptr<BodySink>>()> decide) {
    server_->route_streaming("PATCH", "/api/up/{id}", limit,
                             [decide](const HttpRequest& r) -> std::variant<HttpResponse, std::shared_ptr<BodySink>> {
                               if (!r.body.empty()) return HttpResponse::error(500, "body was accumulated");
                               return decide();
                             });
  }

  // Runs `client` on a worker thread while this thread drives the server, then a little longer
  // until `settled` holds (the sink's abort comes after the client is done).
  std::string run_client(const std::function<std::string()>& client, const std::function<bool()>& settled = {}) {
    std::string result;
    std::atomic<bool> done{false};
    GMainContext* server_context = context_;
    std::thread worker([&] {
      result = client();
      done = true;
      g_main_context_wakeup(server_context);
    });
    const gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    while ((!done || (settled && !settled())) && g_get_monotonic_time() < deadline)
      g_main_context_iteration(context_, FALSE) || (g_usleep(500), true);
    worker.join();
    return result;
  }

  // Sends the request head, then `total` bytes of a known pattern (or only `send` of them, then
  // closes), and reads the answer.
  static std::string send_upload(int port, int64_t total, int64_t send, const std::string& extra_headers = "") {
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketConnection) connection =
        g_socket_client_connect_to_host(client, "127.0.0.1", static_cast<guint16>(port), nullptr, nullptr);
    if (!connection) return "connect failed";
    g_socket_set_timeout(g_socket_connection_get_socket(connection), 30);
    GOutputStream* out = g_io_stream_get_output_stream(G_IO_STREAM(connection));
    std::string head = "PATCH /api/up/one HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(total) +
                       "\r\n" + extra_headers + "\r\n";
    if (!g_output_stream_write_all(out, head.data(), head.size(), nullptr, nullptr, nullptr)) return "write failed";
    std::string block(64 * 1024, '\0');
    int64_t sent = 0;
    while (sent < send) {
      const int64_t n = std::min<int64_t>(static_cast<int64_t>(block.size()), send - sent);
      for (int64_t i = 0; i < n; ++i) block[static_cast<size_t>(i)] = static_cast<char>((sent + i) * 7 % 251);
      if (!g_output_stream_write_all(out, block.data(), static_cast<gsize>(n), nullptr, nullptr, nullptr))
        return "body write failed after " + std::to_string(sent);
      sent += n;
    }
    if (send < total) {
      g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
      return "closed";
    }
    std::string received;
    GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(connection));
    char buffer[4096];
    while (received.find("\r\n\r\n") == std::string::npos || received.find('}') == std::string::npos) {
      gssize n = g_input_stream_read(in, buffer, sizeof buffer, nullptr, nullptr);
      if (n <= 0) break;
      received.append(buffer, static_cast<size_t>(n));
    }
    return received;
  }

  static uint64_t pattern_checksum(int64_t total) {
    uint64_t sum = 0;
    for (int64_t i = 0; i < total; ++i) sum += static_cast<uint64_t>(static_cast<uint8_t>(static_cast<char>(i * 7 % 251))) * static_cast<uint64_t>(i + 1);
    return sum;
  }

  GMainContext* context_ = nullptr;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(StreamingBodyTest, BodyReachesTheSinkInOrderAndTheSinkAnswers) {
  auto log = std::make_shared<SinkLog>();
  add_route(int64_t{1} << 30, [log] { return std::make_shared<RecordingSink>(log); });
  const int64_t total = 3 * 1024 * 1024 + 17;  // far over the global 1 KiB limit
  const int port = port_;
  std::string answer = run_client([port, total] { return send_upload(port, total, total); });
  EXPECT_NE(answer.find("HTTP/1.1 201"), std::string::npos) << answer;
  EXPECT_NE(answer.find("{\"bytes\":" + std::to_string(total) + "}"), std::string::npos) << answer;
  EXPECT_EQ(log->bytes, total);
  EXPECT_EQ(log->checksum, pattern_checksum(total));
  EXPECT_GT(log->writes, 1);
  EXPECT_FALSE(log->overlapped);
  EXPECT_TRUE(log->finished);
  EXPECT_EQ(log->aborted, "");
}

TEST_F(StreamingBodyTest, HugeBodyCostsBoundedMemory) {
  auto log = std::make_shared<SinkLog>();
  add_route(int64_t{8} << 30, [log] { return std::make_shared<RecordingSink>(log); });
  const int64_t total = int64_t{256} * 1024 * 1024;
  const int64_t rss_before = rss_bytes();
  const int port = port_;
  std::string answer = run_client([port, total] { return send_upload(port, total, total); });
  EXPECT_NE(answer.find("HTTP/1.1 201"), std::string::npos) << answer.substr(0, 200);
  EXPECT_EQ(log->bytes, total);
  EXPECT_FALSE(log->overlapped) << "a write was handed over while the previous one was pending";
  // One chunk at a time: libsoup reads at most a few tens of KiB per chunk.
  EXPECT_LE(log->held_peak, 1024 * 1024);
  // 256 MiB went through; the process grew by far less than that.
  EXPECT_LT(log->rss_peak - rss_before, 48 * 1024 * 1024) << "RSS grew from " << rss_before << " to " << log->rss_peak;
}

TEST_F(StreamingBodyTest, OverTheRouteLimitIs413NamingItAndNoSinkIsMade) {
  auto log = std::make_shared<SinkLog>();
  add_route(4096, [log] { return std::make_shared<RecordingSink>(log); });
  const int port = port_;
  std::string answer = run_client([port] { return send_upload(port, 8192, 8192); });
  EXPECT_NE(answer.find("HTTP/1.1 413"), std::string::npos) << answer;
  EXPECT_NE(answer.find("4096 bytes"), std::string::npos) << answer;
  EXPECT_FALSE(log->created);
}

TEST_F(StreamingBodyTest, HandlerRefusalIsTheAnswerAndTheBodyIsDropped) {
  auto log = std::make_shared<SinkLog>();
  add_route(int64_t{1} << 30, [] { return HttpResponse::error(409, "offset mismatch"); });
  const int port = port_;
  std::string answer = run_client([port] { return send_upload(port, 200000, 200000); });
  EXPECT_NE(answer.find("HTTP/1.1 409"), std::string::npos) << answer;
  EXPECT_NE(answer.find("offset mismatch"), std::string::npos) << answer;
}

TEST_F(StreamingBodyTest, GuardsRunBeforeTheHandler) {
  auto log = std::make_shared<SinkLog>();
  add_route(int64_t{1} << 30, [log] { return std::make_shared<RecordingSink>(log); });
  server_->guard("/api/up/", [](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.header("x-token") == std::optional<std::string>("yes")) return std::nullopt;
    return HttpResponse::error(403, "no token");
  });
  const int port = port_;
  std::string refused = run_client([port] { return send_upload(port, 5000, 5000); });
  EXPECT_NE(refused.find("HTTP/1.1 403"), std::string::npos) << refused;
  EXPECT_FALSE(log->created);
  std::string allowed = run_client([port] { return send_upload(port, 5000, 5000, "X-Token: yes\r\n"); });
  EXPECT_NE(allowed.find("HTTP/1.1 201"), std::string::npos) << allowed;
}

TEST_F(StreamingBodyTest, ClientGoneMidBodyAbortsTheSinkAfterItsWrites) {
  auto log = std::make_shared<SinkLog>();
  add_route(int64_t{1} << 30, [log] { return std::make_shared<RecordingSink>(log); });
  const int port = port_;
  std::string result = run_client([port] { return send_upload(port, 4 * 1024 * 1024, 1024 * 1024); },
                                  [log] { return !log->aborted.empty(); });
  EXPECT_EQ(result, "closed");
  EXPECT_FALSE(log->finished);
  EXPECT_NE(log->aborted.find("went away"), std::string::npos) << log->aborted;
  EXPECT_GT(log->bytes, 0);
  EXPECT_LE(log->bytes, 1024 * 1024);
}

TEST_F(StreamingBodyTest, WriteFailureIsTheAnswer) {
  auto log = std::make_shared<SinkLog>();
  add_route(int64_t{1} << 30, [log] {
    return std::make_shared<RecordingSink>(log, Error{"No space left on device", 507});
  });
  const int port = port_;
  std::string answer = run_client([port] { return send_upload(port, 2 * 1024 * 1024, 2 * 1024 * 1024); },
                                  [log] { return !log->aborted.empty(); });
  EXPECT_NE(answer.find("HTTP/1.1 507"), std::string::npos) << answer;
  EXPECT_NE(answer.find("No space left on device"), std::string::npos) << answer;
  EXPECT_FALSE(log->finished);
  EXPECT_NE(log->aborted, "");
}

}  // namespace
}  // namespace kek::core
