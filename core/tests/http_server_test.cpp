// The HTTP server over real loopback connections: the server runs on a GMainContext this thread
// iterates, clients (a libsoup SoupSession, or a raw socket when the exact bytes of the request
// line matter) run on a worker thread.
#include "http/server.h"

#include "http/file_lookup.h"
#include "http/mime.h"
#include "http/request_path.h"
#include "http/router.h"
#include "http/websocket.h"

#include <kek/ref.h>

#include <gtest/gtest.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kek::core {
namespace {

constexpr char kSecret[] = "TOP-SECRET-DATABASE-CONTENT";
constexpr int64_t kBodyLimit = 1024;

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  std::string error;  // transport failure, if any

  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
  bool has_header(const std::string& name) const { return headers.count(name) > 0; }
};

struct Request {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;
  bool chunked = false;  // send the body without a Content-Length
};

void write_file(const std::string& path, std::string_view content) {
  g_autoptr(GError) error = nullptr;
  ASSERT_TRUE(g_file_set_contents(path.c_str(), content.data(), static_cast<gssize>(content.size()), &error))
      << path << ": " << (error ? error->message : "");
}

// A file whose pages are not in the page cache, as after a reboot or when other files pushed
// them out: reading it waits for the disk.
void write_cold_file(const std::string& path, std::string_view content) {
  write_file(path, content);
  const int fd = g_open(path.c_str(), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(fdatasync(fd), 0);  // clean pages only can be dropped
  EXPECT_EQ(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
  g_close(fd, nullptr);
}

void remove_tree(const std::string& path) {
  GStatBuf info;
  if (g_lstat(path.c_str(), &info) != 0) return;
  if (S_ISDIR(info.st_mode)) {
    g_autoptr(GDir) dir = g_dir_open(path.c_str(), 0, nullptr);
    while (const char* name = dir ? g_dir_read_name(dir) : nullptr) remove_tree(path + "/" + name);
    g_rmdir(path.c_str());
  } else {
    g_unlink(path.c_str());
  }
}

// Parses "HTTP/1.1 404 Not Found\r\nA: b\r\n\r\nbody" as read off a raw socket.
Reply parse_raw_reply(const std::string& raw) {
  Reply reply;
  size_t head_end = raw.find("\r\n\r\n");
  std::string head = raw.substr(0, head_end);
  reply.body = head_end == std::string::npos ? "" : raw.substr(head_end + 4);
  if (head.size() > 12 && head.starts_with("HTTP/1.")) reply.status = std::stoi(head.substr(9, 3));
  size_t line_start = head.find("\r\n");
  while (line_start != std::string::npos) {
    size_t line_end = head.find("\r\n", line_start + 2);
    std::string line = head.substr(line_start + 2, line_end == std::string::npos ? std::string::npos
                                                                                 : line_end - line_start - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      g_autofree char* name = g_ascii_strdown(line.substr(0, colon).c_str(), -1);
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      reply.headers[name] = value;
    }
    line_start = line_end;
  }
  return reply;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_ = g_main_context_new();
    g_main_context_push_thread_default(context_);
    g_autofree char* root = g_dir_make_tmp("kek-http-test-XXXXXX", nullptr);
    ASSERT_NE(root, nullptr);
    root_ = root;
    media_dir_ = root_ + "/media";
    webui_dir_ = root_ + "/webui";
    ASSERT_EQ(g_mkdir_with_parents((media_dir_ + "/live/demo").c_str(), 0755), 0);
    ASSERT_EQ(g_mkdir_with_parents((webui_dir_ + "/assets").c_str(), 0755), 0);
    // The file every traversal attempt is after: beside media_dir, like var/kek.db beside var/media.
    write_file(root_ + "/kek.db", kSecret);
    start_server(webui_dir_);
  }

  void TearDown() override {
    server_.reset();
    while (g_main_context_iteration(context_, FALSE)) {
    }
    g_main_context_pop_thread_default(context_);
    g_main_context_unref(context_);
    remove_tree(root_);
  }

  void start_server(const std::string& webui_dir) {
    server_.reset();
    HttpConfig config;
    config.address = "127.0.0.1";
    config.port = 0;
    config.max_body_bytes = kBodyLimit;
    config.media_dir = media_dir_;
    config.webui_dir = webui_dir;
    config.on_disk_read = on_disk_read_;
    server_ = HttpServer::create(config);
    auto listening = server_->listen();
    ASSERT_TRUE(listening.ok()) << listening.error().message;
    ASSERT_GT(server_->port(), 0);
    port_ = server_->port();
  }

  // Runs `client` on a worker thread while this thread drives the server; `tick` runs between
  // iterations so a test can act while the request is in flight.
  template <class Client>
  auto run_client(Client client, const std::function<void()>& tick = {}) {
    using Result = decltype(client());
    std::optional<Result> result;
    std::atomic<bool> done{false};
    GMainContext* server_context = context_;
    std::thread worker([&] {
      result.emplace(client());
      done = true;
      g_main_context_wakeup(server_context);
    });
    // Wakes the loop now and then so `tick` runs even when no I/O happens.
    GSource* heartbeat = g_timeout_source_new(20);
    g_source_set_callback(heartbeat, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
    g_source_attach(heartbeat, context_);
    const gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    while (!done && g_get_monotonic_time() < deadline) {
      g_main_context_iteration(context_, TRUE);
      if (tick) tick();
    }
    g_source_destroy(heartbeat);
    g_source_unref(heartbeat);
    worker.join();
    return std::move(*result);
  }

  Reply fetch(Request request) {
    const std::string url = "http://127.0.0.1:" + std::to_string(port_) + request.path;
    return run_client([request, url] {
      Reply reply;
      GMainContext* client_context = g_main_context_new();
      g_main_context_push_thread_default(client_context);
      {
        auto session = Ref<SoupSession>::adopt(soup_session_new_with_options("timeout", 10, nullptr));
        auto message = Ref<SoupMessage>::adopt(soup_message_new(request.method.c_str(), url.c_str()));
        if (!message) {
          reply.error = "bad url " + url;
        } else {
          SoupMessageHeaders* headers = soup_message_get_request_headers(message.get());
          for (const auto& [name, value] : request.headers) soup_message_headers_append(headers, name.c_str(), value.c_str());
          if (request.body && request.chunked) {
            g_autoptr(GBytes) bytes = g_bytes_new(request.body->data(), request.body->size());
            g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes(bytes);
            soup_message_set_request_body(message.get(), "application/octet-stream", stream, -1);
          } else if (request.body) {
            g_autoptr(GBytes) bytes = g_bytes_new(request.body->data(), request.body->size());
            soup_message_set_request_body_from_bytes(message.get(), "application/json", bytes);
          }
          g_autoptr(GError) error = nullptr;
          g_autoptr(GBytes) body = soup_session_send_and_read(session.get(), message.get(), nullptr, &error);
          if (error) reply.error = error->message;
          reply.status = static_cast<int>(soup_message_get_status(message.get()));
          if (body) reply.body.assign(static_cast<const char*>(g_bytes_get_data(body, nullptr)), g_bytes_get_size(body));
          soup_message_headers_foreach(
              soup_message_get_response_headers(message.get()),
              [](const char* name, const char* value, gpointer out) {
                g_autofree char* lower = g_ascii_strdown(name, -1);
                auto& map = *static_cast<std::map<std::string, std::string>*>(out);
                map[lower] = map.count(lower) ? map[lower] + ", " + value : value;
              },
              &reply.headers);
        }
      }
      g_main_context_pop_thread_default(client_context);
      g_main_context_unref(client_context);
      return reply;
    });
  }

  Reply get(const std::string& path, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request request;
    request.path = path;
    request.headers = std::move(headers);
    return fetch(request);
  }

  // Sends exactly `bytes` (no client-side normalization of the path) and reads until the server
  // closes or `read_timeout_s` passes. Used where the literal request line matters.
  static std::string raw_exchange(int port, std::string bytes, int read_timeout_s = 10, bool read_reply = true) {
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GError) error = nullptr;
    g_autoptr(GSocketConnection) connection =
        g_socket_client_connect_to_host(client, "127.0.0.1", static_cast<guint16>(port), nullptr, &error);
    if (!connection) return std::string("connect failed: ") + error->message;
    GSocket* socket = g_socket_connection_get_socket(connection);
    g_socket_set_timeout(socket, static_cast<guint>(read_timeout_s));
    GOutputStream* out = g_io_stream_get_output_stream(G_IO_STREAM(connection));
    if (!g_output_stream_write_all(out, bytes.data(), bytes.size(), nullptr, nullptr, &error))
      return std::string("write failed: ") + error->message;
    std::string received;
    if (!read_reply) return received;
    GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(connection));
    char buffer[4096];
    for (;;) {
      gssize n = g_input_stream_read(in, buffer, sizeof buffer, nullptr, nullptr);
      if (n <= 0) break;
      received.append(buffer, static_cast<size_t>(n));
    }
    return received;
  }

  Reply raw_get(const std::string& raw_target) {
    int port = port_;
    std::string request = "GET " + raw_target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    return parse_raw_reply(run_client([port, request] { return raw_exchange(port, request); }));
  }

  struct WsResult {
    int status = 0;                      // the HTTP answer when the upgrade failed, 101 otherwise
    std::string body;                    // its body
    std::vector<std::string> received;   // text messages, in order
    int close_code = 0;                  // 0 while open when the client gave up waiting
  };

  // A libsoup WebSocket client on the worker thread: connects (with `origin` when set), sends
  // `to_send` one by one, and collects messages until `wanted` have come or the server closes.
  WsResult ws_exchange(const std::string& path, std::vector<std::string> to_send, size_t wanted,
                       const char* origin = nullptr, const std::function<void()>& tick = {}) {
    const std::string url = "ws://127.0.0.1:" + std::to_string(port_) + path;
    const std::string origin_text = origin ? origin : "";
    const bool has_origin = origin != nullptr;
    return run_client([=] {
      WsResult result;
      GMainContext* client_context = g_main_context_new();
      g_main_context_push_thread_default(client_context);
      {
        auto session = Ref<SoupSession>::adopt(soup_session_new());
        auto message = Ref<SoupMessage>::adopt(soup_message_new("GET", url.c_str()));
        struct State {
          SoupWebsocketConnection* connection = nullptr;
          bool failed = false;
          WsResult* result;
        } state{nullptr, false, &result};
        soup_session_websocket_connect_async(
            session.get(), message.get(), has_origin ? origin_text.c_str() : nullptr, nullptr, G_PRIORITY_DEFAULT,
            nullptr,
            [](GObject* source, GAsyncResult* res, gpointer data) {
              auto* st = static_cast<State*>(data);
              st->connection = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, nullptr);
              st->failed = st->connection == nullptr;
            },
            &state);
        const gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
        while (!state.connection && !state.failed && g_get_monotonic_time() < deadline)
          g_main_context_iteration(client_context, TRUE);
        result.status = static_cast<int>(soup_message_get_status(message.get()));
        if (state.connection) {
          g_signal_connect(state.connection, "message", G_CALLBACK(+[](SoupWebsocketConnection*, gint, GBytes* bytes, gpointer data) {
                             gsize size = 0;
                             const char* text = static_cast<const char*>(g_bytes_get_data(bytes, &size));
                             static_cast<WsResult*>(data)->received.emplace_back(text ? text : "", size);
                           }),
                           &result);
          for (const auto& text : to_send) soup_websocket_connection_send_text(state.connection, text.c_str());
          while (result.received.size() < wanted &&
                 soup_websocket_connection_get_state(state.connection) != SOUP_WEBSOCKET_STATE_CLOSED &&
                 g_get_monotonic_time() < deadline)
            g_main_context_iteration(client_context, TRUE);
          if (soup_websocket_connection_get_state(state.connection) == SOUP_WEBSOCKET_STATE_CLOSED)
            result.close_code = soup_websocket_connection_get_close_code(state.connection);
          g_signal_handlers_disconnect_by_data(state.connection, &result);
          g_object_unref(state.connection);
        }
        while (g_main_context_iteration(client_context, FALSE)) {
        }
      }
      g_main_context_pop_thread_default(client_context);
      g_main_context_unref(client_context);
      return result;
    }, tick);
  }

  // Iterates the server context until `condition` holds (or a few seconds pass).
  void iterate_until(const std::function<bool()>& condition) {
    const gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (!condition() && g_get_monotonic_time() < deadline) g_main_context_iteration(context_, FALSE);
  }

  GMainContext* context_ = nullptr;
  std::string root_;
  std::string media_dir_;
  std::string webui_dir_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::function<void()> on_disk_read_;  // HttpConfig::on_disk_read of the next start_server
};

// ---- routes ----

TEST_F(HttpServerTest, RouteParamsAreDecodedAndRequestIsFilledIn) {
  HttpRequest seen;
  server_->route("GET", "/api/pipelines/{id}/graph.svg", [&](const HttpRequest& request) {
    seen = request;
    return HttpResponse::json("{\"id\":\"" + request.params.at("id") + "\"}");
  });
  Reply reply = get("/api/pipelines/my%20pipe/graph.svg?from=a%26b&n=2", {{"X-Custom-Header", "Yes"}});
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_EQ(reply.body, "{\"id\":\"my pipe\"}");
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, "/api/pipelines/my pipe/graph.svg");
  EXPECT_EQ(seen.params.at("id"), "my pipe");
  EXPECT_EQ(seen.query.at("from"), "a&b");
  EXPECT_EQ(seen.query.at("n"), "2");
  EXPECT_EQ(seen.header("x-custom-header").value_or(""), "Yes");
  EXPECT_EQ(seen.header("X-Custom-Header").value_or(""), "Yes");
  for (const auto& [name, value] : seen.headers) {
    g_autofree char* lower = g_ascii_strdown(name.c_str(), -1);
    EXPECT_EQ(name, lower);
  }
  EXPECT_EQ(seen.remote, "127.0.0.1");
}

TEST_F(HttpServerTest, EncodedSlashStaysInsideOneParameter) {
  server_->route("GET", "/api/things/{id}", [](const HttpRequest& request) {
    return HttpResponse::json("\"" + request.params.at("id") + "\"");
  });
  Reply reply = get("/api/things/a%2Fb");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "\"a/b\"");
}

TEST_F(HttpServerTest, LiteralSegmentBeatsParameter) {
  server_->route("GET", "/api/things/{id}", [](const HttpRequest&) { return HttpResponse::json("\"param\""); });
  server_->route("GET", "/api/things/new", [](const HttpRequest&) { return HttpResponse::json("\"literal\""); });
  EXPECT_EQ(get("/api/things/new").body, "\"literal\"");
  EXPECT_EQ(get("/api/things/old").body, "\"param\"");
}

TEST_F(HttpServerTest, PostBodyReachesHandler) {
  server_->route("POST", "/api/echo", [](const HttpRequest& request) {
    HttpResponse response = HttpResponse::json(request.body, 201);
    response.headers.emplace_back("X-Echo", "1");
    return response;
  });
  Request request;
  request.method = "POST";
  request.path = "/api/echo";
  request.body = "{\"hello\":\"world\"}";
  Reply reply = fetch(request);
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(reply.body, "{\"hello\":\"world\"}");
  EXPECT_EQ(reply.header("x-echo"), "1");
}

TEST_F(HttpServerTest, UnknownApiPathIs404Json) {
  Reply reply = get("/api/nothing/here");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_NE(reply.body.find("\"error\""), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("\"code\":\"no_such_endpoint\""), std::string::npos) << reply.body;
  EXPECT_EQ(get("/api").status, 404);
}

TEST_F(HttpServerTest, ErrorsCarryAStableCodeBesideTheMessage) {
  server_->route("GET", "/api/taken", [](const HttpRequest&) {
    return HttpResponse::error(409, "username_taken", "the user name 'ann' is taken");
  });
  server_->route("GET", "/api/plain", [](const HttpRequest&) { return HttpResponse::error(403, "nope"); });
  server_->route("GET", "/api/from", [](const HttpRequest&) {
    return HttpResponse::from(wrap(Error{"no such thing", 404, "no_such_thing"}, "lookup"));
  });
  server_->route("POST", "/api/json", [](const HttpRequest& request) {
    auto doc = JsonDoc::parse(request.body);
    if (!doc) return HttpResponse::from(doc.error());
    return HttpResponse::json("{}");
  });
  EXPECT_EQ(get("/api/taken").body, "{\"error\":\"the user name 'ann' is taken\",\"code\":\"username_taken\"}");
  EXPECT_EQ(get("/api/plain").body, "{\"error\":\"nope\",\"code\":\"forbidden\"}") << "the status's generic code";
  Reply from = get("/api/from");
  EXPECT_EQ(from.status, 404);
  EXPECT_EQ(from.body, "{\"error\":\"lookup: no such thing\",\"code\":\"no_such_thing\"}") << "wrap keeps the reason";
  Request bad;
  bad.method = "POST";
  bad.path = "/api/json";
  bad.body = "{nope";
  Reply invalid = fetch(bad);
  EXPECT_EQ(invalid.status, 400);
  EXPECT_NE(invalid.body.find("\"code\":\"invalid_json\""), std::string::npos) << invalid.body;
  Reply dots = raw_get("/api/a%00b");
  EXPECT_EQ(dots.status, 400);
  EXPECT_NE(dots.body.find("\"code\":\"invalid_path\""), std::string::npos) << dots.body;
}

TEST_F(HttpServerTest, KnownPathWithOtherMethodIs405Json) {
  server_->route("GET", "/api/pipelines/{id}", [](const HttpRequest&) { return HttpResponse::json("{}"); });
  server_->route("DELETE", "/api/pipelines/{id}", [](const HttpRequest&) { return HttpResponse::json("{}"); });
  Request request;
  request.method = "PUT";
  request.path = "/api/pipelines/x";
  request.body = "{}";
  Reply reply = fetch(request);
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_NE(reply.body.find("\"code\":\"method_not_allowed\""), std::string::npos) << reply.body;
  EXPECT_EQ(reply.header("allow"), "GET, DELETE");
}

TEST_F(HttpServerTest, HeadUsesGetRouteWithoutBody) {
  server_->route("GET", "/api/health", [](const HttpRequest&) { return HttpResponse::json("{\"ok\":true}"); });
  Request request;
  request.method = "HEAD";
  request.path = "/api/health";
  Reply reply = fetch(request);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "");
  EXPECT_EQ(reply.header("content-length"), "11");
}

TEST_F(HttpServerTest, ThrowingHandlerIs500Json) {
  server_->route("GET", "/api/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("kaboom"); });
  Reply reply = get("/api/boom");
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_NE(reply.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(reply.body.find("kaboom"), std::string::npos) << "internals stay in the log";
  // The server is still fine afterwards.
  EXPECT_EQ(get("/api/unknown").status, 404);
}

// ---- async routes ----

TEST_F(HttpServerTest, AsyncRouteAnswersFromTheMainLoopLater) {
  server_->route_async("GET", "/api/slow/{id}", [this](const HttpRequest& request, HttpResponder respond) {
    std::string id = request.params.at("id");
    GSource* later = g_timeout_source_new(50);
    auto answer = std::make_unique<std::function<void()>>([respond, id] { respond(HttpResponse::json("\"" + id + "\"")); });
    g_source_set_callback(
        later,
        [](gpointer data) -> gboolean {
          (*static_cast<std::function<void()>*>(data))();
          return G_SOURCE_REMOVE;
        },
        answer.release(), [](gpointer data) { std::unique_ptr<std::function<void()>> owned(static_cast<std::function<void()>*>(data)); });
    g_source_attach(later, context_);
    g_source_unref(later);
  });
  Reply reply = get("/api/slow/abc");
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.body, "\"abc\"");
}

TEST_F(HttpServerTest, AsyncRouteMayAnswerSynchronously) {
  server_->route_async("GET", "/api/quick", [](const HttpRequest&, HttpResponder respond) {
    respond(HttpResponse::json("\"now\"", 202));
  });
  Reply reply = get("/api/quick");
  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.body, "\"now\"");
}

TEST_F(HttpServerTest, AsyncRouteMayAnswerFromAnotherThread) {
  std::thread helper;
  server_->route_async("GET", "/api/threaded", [&helper](const HttpRequest&, HttpResponder respond) {
    helper = std::thread([respond] { respond(HttpResponse::json("\"from a thread\"")); });
  });
  Reply reply = get("/api/threaded");
  helper.join();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "\"from a thread\"");
}

TEST_F(HttpServerTest, AsyncAnswerFromAThreadThatEndsBeforeTheHandlerReturns) {
  // The thread's answer is still on its way to the main loop when its responder copy, and then
  // the handler's, are gone: the answer must win over "dropped without an answer".
  server_->route_async("GET", "/api/threaded", [](const HttpRequest&, HttpResponder respond) {
    std::thread([respond] { respond(HttpResponse::json("\"from a thread\"")); }).join();
  });
  for (int i = 0; i < 5; ++i) {
    Reply reply = get("/api/threaded");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, "\"from a thread\"");
  }
}

TEST_F(HttpServerTest, AsyncResponderDroppedUnansweredGives500) {
  server_->route_async("GET", "/api/forgetful", [](const HttpRequest&, HttpResponder) {});
  Reply reply = get("/api/forgetful");
  EXPECT_EQ(reply.status, 500);
  EXPECT_NE(reply.body.find("\"error\""), std::string::npos);
}

TEST_F(HttpServerTest, AsyncHandlerThatThrowsGives500AndLaterAnswerIsIgnored) {
  std::optional<HttpResponder> kept;
  server_->route_async("GET", "/api/throws", [&kept](const HttpRequest&, HttpResponder respond) {
    kept = respond;
    throw std::runtime_error("async kaboom");
  });
  Reply reply = get("/api/throws");
  EXPECT_EQ(reply.status, 500);
  (*kept)(HttpResponse::json("\"too late\""));  // dropped with a warning, no crash
  kept.reset();
  EXPECT_EQ(get("/api/nope").status, 404);
}

TEST_F(HttpServerTest, AsyncAnswerAfterClientWentAwayIsDropped) {
  std::optional<HttpResponder> kept;
  server_->route_async("GET", "/api/abandoned", [&kept](const HttpRequest&, HttpResponder respond) { kept = respond; });
  int port = port_;
  // The client sends the request and hangs up without waiting for the answer.
  run_client([port] {
    return raw_exchange(port, "GET /api/abandoned HTTP/1.1\r\nHost: x\r\n\r\n", 1, /*read_reply=*/false);
  });
  iterate_until([&] { return kept.has_value(); });
  ASSERT_TRUE(kept.has_value());
  for (int i = 0; i < 20; ++i) g_main_context_iteration(context_, FALSE);
  (*kept)(HttpResponse::json("\"nobody listens\""));
  kept.reset();
  for (int i = 0; i < 20; ++i) g_main_context_iteration(context_, FALSE);
  EXPECT_EQ(get("/api/nope").status, 404);
}

TEST_F(HttpServerTest, AsyncAnswerAfterServerIsGoneIsDropped) {
  std::optional<HttpResponder> kept;
  server_->route_async("GET", "/api/pending", [&kept](const HttpRequest&, HttpResponder respond) { kept = respond; });
  int port = port_;
  std::string raw = run_client(
      [port] { return raw_exchange(port, "GET /api/pending HTTP/1.1\r\nHost: x\r\n\r\n", 5); },
      [&] {
        if (kept && server_) server_.reset();  // shut down while the request waits
      });
  ASSERT_TRUE(kept.has_value());
  (*kept)(HttpResponse::json("\"after shutdown\""));
  kept.reset();
  for (int i = 0; i < 20; ++i) g_main_context_iteration(context_, FALSE);
  EXPECT_EQ(raw.find("after shutdown"), std::string::npos);
}

TEST_F(HttpServerTest, ConnectionKeepsWorkingAfterAnAsyncAnswer) {
  server_->route_async("GET", "/api/later", [this](const HttpRequest&, HttpResponder respond) {
    GSource* idle = g_idle_source_new();
    g_source_set_callback(
        idle,
        [](gpointer data) -> gboolean {
          (*static_cast<HttpResponder*>(data))(HttpResponse::json("\"later\""));
          return G_SOURCE_REMOVE;
        },
        std::make_unique<HttpResponder>(respond).release(),
        [](gpointer data) { std::unique_ptr<HttpResponder> owned(static_cast<HttpResponder*>(data)); });
    g_source_attach(idle, context_);
    g_source_unref(idle);
  });
  int port = port_;
  // Two requests on one connection: the second is read only after the paused first is answered.
  std::string raw = run_client([port] {
    return raw_exchange(port,
                        "GET /api/later HTTP/1.1\r\nHost: x\r\n\r\n"
                        "GET /api/missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                        5);
  });
  EXPECT_EQ(raw.find("HTTP/1.1 200"), 0u) << raw;
  EXPECT_NE(raw.find("\"later\""), std::string::npos) << raw;
  EXPECT_NE(raw.find("HTTP/1.1 404"), std::string::npos) << raw;
}

TEST_F(HttpServerTest, PausedRequestDoesNotHoldUpOthers) {
  std::optional<HttpResponder> waiting;
  int others_served = 0;
  server_->route_async("GET", "/api/wait", [&](const HttpRequest&, HttpResponder respond) { waiting = respond; });
  server_->route("GET", "/api/other", [&](const HttpRequest&) {
    ++others_served;
    return HttpResponse::json("\"other\"");
  });
  int port = port_;
  auto replies = run_client(
      [port] {
        std::string first;
        std::thread slow([&] { first = raw_exchange(port, "GET /api/wait HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5); });
        g_usleep(100 * 1000);
        std::string second = raw_exchange(port, "GET /api/other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5);
        slow.join();
        return std::make_pair(parse_raw_reply(first), parse_raw_reply(second));
      },
      [&] {
        // Answer the first only once the second has been served.
        if (waiting && others_served > 0) {
          (*waiting)(HttpResponse::json("\"finally\""));
          waiting.reset();
        }
      });
  EXPECT_EQ(replies.second.status, 200);
  EXPECT_EQ(replies.second.body, "\"other\"");
  EXPECT_EQ(replies.first.status, 200);
  EXPECT_EQ(replies.first.body, "\"finally\"");
}

// ---- guards ----

TEST_F(HttpServerTest, GuardAnswersInsteadOfTheRoute) {
  int handled = 0;
  server_->route("GET", "/api/admin/users", [&](const HttpRequest&) {
    ++handled;
    return HttpResponse::json("[]");
  });
  server_->route("GET", "/api/administrators", [&](const HttpRequest&) { return HttpResponse::json("\"public\""); });
  server_->guard("/api/admin", [](const HttpRequest& request) -> std::optional<HttpResponse> {
    if (request.header("x-admin") == "yes") return std::nullopt;
    return HttpResponse::error(403, "admins only");
  });
  Reply refused = get("/api/admin/users");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("admins only"), std::string::npos);
  EXPECT_EQ(handled, 0);
  // The same path spelled with escapes or extra slashes is still guarded.
  EXPECT_EQ(get("/api/%61dmin/users").status, 403);
  EXPECT_EQ(get("/api//admin/users").status, 403);
  EXPECT_EQ(raw_get("/api/x/../admin/users").status, 403);
  EXPECT_EQ(handled, 0);

  EXPECT_EQ(get("/api/admin/users", {{"X-Admin", "yes"}}).status, 200);
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(get("/api/administrators").status, 200) << "a prefix covers whole segments only";
}

TEST_F(HttpServerTest, GuardCoversMediaToo) {
  write_file(media_dir_ + "/live/demo/index.m3u8", "#EXTM3U\n");
  server_->guard("/media/live", [](const HttpRequest& request) -> std::optional<HttpResponse> {
    if (request.query.count("token")) return std::nullopt;
    return HttpResponse::error(401, "token required");
  });
  Reply refused = get("/media/live/demo/index.m3u8");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("access-control-allow-origin"), "*");
  EXPECT_EQ(get("/media/live/demo/index.m3u8?token=t").status, 200);
}

// ---- held media requests ----

TEST_F(HttpServerTest, HeldMediaRequestIsServedTheFileWrittenMeanwhile) {
  std::optional<MediaRelease> held;
  int offered = 0;
  server_->hold_media([&](const HttpRequest& request, MediaRelease release) {
    ++offered;
    if (!request.query.count("wait")) return false;
    held = std::move(release);
    return true;
  });
  write_file(media_dir_ + "/live/demo/now.txt", "now");
  Reply now = get("/media/live/demo/now.txt");
  EXPECT_EQ(now.status, 200);
  EXPECT_EQ(now.body, "now");
  // Held: the file does not exist yet; it is written while the request waits, then released.
  bool written = false;
  const int port = port_;
  Reply reply = parse_raw_reply(run_client([port] {
    return raw_exchange(port, "GET /media/live/demo/later.txt?wait=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10);
  }, [&] {
    if (held && !written) {
      write_file(media_dir_ + "/live/demo/later.txt", "written while held");
      written = true;
      (*held)(std::nullopt);
    }
  }));
  EXPECT_TRUE(written);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, "written while held");
  // Holds are for files still to come: the existing now.txt, asked for without a query, was the
  // media fast path's and never offered; later.txt was.
  EXPECT_EQ(offered, 1);
}

TEST_F(HttpServerTest, HeldMediaRequestCanBeAnsweredByTheHold) {
  std::optional<MediaRelease> held;
  bool answer_it = false;
  server_->hold_media([&](const HttpRequest& request, MediaRelease release) {
    answer_it = request.query.count("_HLS_msn") > 0;
    held = std::move(release);
    return true;
  });
  auto release_held = [&] {
    if (!held) return;
    (*held)(answer_it ? std::optional<HttpResponse>(HttpResponse::error(400, "too far ahead")) : std::nullopt);
    held.reset();
  };
  write_file(media_dir_ + "/live/demo/index.m3u8", "#EXTM3U\n");
  const int port = port_;
  auto raw_get_held = [&](const std::string& path) {
    return parse_raw_reply(run_client([port, path] {
      return raw_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10);
    }, release_held));
  };
  Reply reply = raw_get_held("/media/live/demo/index.m3u8?_HLS_msn=99");
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("too far ahead"), std::string::npos);
  EXPECT_EQ(reply.header("access-control-allow-origin"), "*");
  // A file still missing when released gets the file server's usual 404.
  EXPECT_EQ(raw_get_held("/media/live/demo/nothing.m4s").status, 404);
}

// ---- WebSocket routes ----

TEST_F(HttpServerTest, WebSocketRouteEchoesUtf8AndSeesTheRequest) {
  std::string seen_stream;
  int closed = 0;
  server_->websocket("/api/chat/{stream}", WebSocketRoute{
      {},
      [&](const HttpRequest& request, std::shared_ptr<WebSocket> socket) {
        seen_stream = request.params.at("stream");
        socket->send("hello " + seen_stream);
        // The callback holds its own connection: the host drops it once closed.
        socket->on_message([socket](std::string_view text) {
          if (text == "bye") socket->close(1000, "bye");
          else socket->send(std::string("echo: ") + std::string(text));
        });
        socket->on_close([&closed] { ++closed; });
      }});
  WsResult result = ws_exchange("/api/chat/cam1", {"привет 👋", "bye"}, 5);
  EXPECT_EQ(result.status, 101);
  EXPECT_EQ(seen_stream, "cam1");
  ASSERT_EQ(result.received.size(), 2u);
  EXPECT_EQ(result.received[0], "hello cam1");
  EXPECT_EQ(result.received[1], "echo: привет 👋");
  EXPECT_EQ(result.close_code, 1000);
  iterate_until([&] { return closed == 1; });
  EXPECT_EQ(closed, 1);
}

TEST_F(HttpServerTest, WebSocketRouteRefusesBeforeTheUpgrade) {
  int opened = 0;
  server_->websocket("/api/chat/{stream}", WebSocketRoute{
      [](const HttpRequest& request) -> std::optional<HttpResponse> {
        if (request.params.at("stream") == "nobody") return HttpResponse::error(404, "no_such_stream", "no such stream");
        return std::nullopt;
      },
      [&](const HttpRequest&, std::shared_ptr<WebSocket>) { ++opened; }});
  WsResult refused = ws_exchange("/api/chat/nobody", {}, 1);
  EXPECT_EQ(refused.status, 404);
  // Another site's page may not open it with the visitor's cookies; the server's own page may.
  WsResult foreign = ws_exchange("/api/chat/cam1", {}, 1, "http://evil.example");
  EXPECT_EQ(foreign.status, 403);
  WsResult own = ws_exchange("/api/chat/cam1", {}, 0, ("http://127.0.0.1:" + std::to_string(port_)).c_str());
  EXPECT_EQ(own.status, 101);
  iterate_until([&] { return opened == 1; });
  EXPECT_EQ(opened, 1);
  // A plain GET is told what the endpoint is.
  Reply plain = get("/api/chat/cam1");
  EXPECT_EQ(plain.status, 400);
  EXPECT_NE(plain.body.find("\"code\":\"websocket_expected\""), std::string::npos) << plain.body;
}

TEST_F(HttpServerTest, WebSocketGuardsRunFirstAndStoppingClosesOpenSockets) {
  server_->guard("/api/private", [](const HttpRequest& request) -> std::optional<HttpResponse> {
    if (request.header("x-let-in") == "yes") return std::nullopt;
    return HttpResponse::error(401, "sign in first");
  });
  server_->websocket("/api/private/ws", WebSocketRoute{{}, [](const HttpRequest&, std::shared_ptr<WebSocket>) {}});
  EXPECT_EQ(ws_exchange("/api/private/ws", {}, 1).status, 401);

  std::shared_ptr<WebSocket> held;
  bool closed = false;
  server_->websocket("/api/held", WebSocketRoute{{}, [&](const HttpRequest&, std::shared_ptr<WebSocket> socket) {
                                                   held = socket;
                                                   socket->on_close([&closed] { closed = true; });
                                                   socket->send("ready");
                                                 }});
  // The client waits for two messages; the server stops once the connection is open.
  bool stopped = false;
  WsResult result = ws_exchange("/api/held", {}, 2, nullptr, [&] {
    if (held && !stopped) {
      stopped = true;
      server_->close();
    }
  });
  EXPECT_EQ(result.status, 101);
  EXPECT_EQ(result.received, std::vector<std::string>{"ready"});
  EXPECT_EQ(result.close_code, 1001) << "going away";
  iterate_until([&] { return closed; });
  EXPECT_TRUE(closed);
  ASSERT_TRUE(held);
  EXPECT_FALSE(held->is_open());
  held->send("after the end is ignored");
}

TEST(WebSocketOrigin, SameOriginIsTheHostTheBrowserUsed) {
  EXPECT_TRUE(http::is_same_origin(nullptr, "127.0.0.1:8080")) << "not a browser";
  EXPECT_TRUE(http::is_same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
  EXPECT_TRUE(http::is_same_origin("https://Kek.Example", "kek.example"));
  EXPECT_TRUE(http::is_same_origin("https://kek.example:443", "kek.example"));
  EXPECT_TRUE(http::is_same_origin("http://[::1]:8080", "[::1]:8080"));
  EXPECT_FALSE(http::is_same_origin("http://evil.example", "kek.example"));
  EXPECT_FALSE(http::is_same_origin("http://kek.example:9999", "kek.example:8080"));
  EXPECT_FALSE(http::is_same_origin("null", "kek.example"));
  EXPECT_FALSE(http::is_same_origin("http://kek.example", nullptr));
}

// ---- body limit ----

TEST_F(HttpServerTest, OversizedContentLengthIs413) {
  int handled = 0;
  server_->route("POST", "/api/upload", [&](const HttpRequest&) {
    ++handled;
    return HttpResponse::json("{}");
  });
  Request request;
  request.method = "POST";
  request.path = "/api/upload";
  request.body = std::string(4 * kBodyLimit, 'x');
  Reply reply = fetch(request);
  EXPECT_EQ(reply.status, 413) << reply.error;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_NE(reply.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(handled, 0);

  request.body = std::string(kBodyLimit, 'x');  // exactly the limit is fine
  EXPECT_EQ(fetch(request).status, 200);
  EXPECT_EQ(handled, 1);
}

TEST_F(HttpServerTest, OversizedContentLengthIsRefusedBeforeTheBodyIsSent) {
  server_->route("POST", "/api/upload", [](const HttpRequest&) { return HttpResponse::json("{}"); });
  int port = port_;
  // Ten gigabytes announced, nothing sent: the answer must come from the headers alone.
  std::string raw = run_client([port] {
    return raw_exchange(port,
                        "POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: 10000000000\r\nExpect: 100-continue\r\n\r\n",
                        5);
  });
  Reply reply = parse_raw_reply(raw);
  EXPECT_EQ(reply.status, 413) << raw;
  EXPECT_NE(reply.body.find("\"error\""), std::string::npos) << raw;
}

TEST_F(HttpServerTest, OversizedContentLengthWithoutExpectIsAnsweredBeforeTheBody) {
  server_->route("POST", "/api/upload", [](const HttpRequest&) { return HttpResponse::json("{}"); });
  int port = port_;
  // Most clients (browsers) send no Expect header; libsoup alone would wait for all 10 GB.
  const gint64 started = g_get_monotonic_time();
  std::string raw = run_client([port] {
    return raw_exchange(port, "POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n", 5);
  });
  Reply reply = parse_raw_reply(raw);
  EXPECT_EQ(reply.status, 413) << raw;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_EQ(reply.header("connection"), "close");
  EXPECT_EQ(reply.body, "{\"error\":\"request body is larger than 1024 bytes\",\"code\":\"body_too_large\"}");
  EXPECT_LT(g_get_monotonic_time() - started, 2 * G_USEC_PER_SEC);
}

TEST_F(HttpServerTest, ClientThatSendsItsWholeOversizedBodyStillReads413) {
  int port = port_;
  // Writes everything before reading: the server must keep draining until the answer is read.
  std::string request = "POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n" +
                        std::string(1048576, 'z');
  Reply reply = parse_raw_reply(run_client([port, request] { return raw_exchange(port, request, 5); }));
  EXPECT_EQ(reply.status, 413);
  // And the server is still there for the next one.
  EXPECT_EQ(get("/api/nope").status, 404);
}

TEST_F(HttpServerTest, OversizedChunkedBodyIs413) {
  int handled = 0;
  server_->route("POST", "/api/upload", [&](const HttpRequest& request) {
    ++handled;
    return HttpResponse::json(std::to_string(request.body.size()));
  });
  Request request;
  request.method = "POST";
  request.path = "/api/upload";
  request.chunked = true;
  request.body = std::string(64 * kBodyLimit, 'y');
  Reply reply = fetch(request);
  EXPECT_EQ(reply.status, 413) << reply.error;
  EXPECT_NE(reply.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(handled, 0);

  request.body = std::string(kBodyLimit / 2, 'y');
  Reply small = fetch(request);
  EXPECT_EQ(small.status, 200);
  EXPECT_EQ(small.body, std::to_string(kBodyLimit / 2));
}

// ---- media ----

TEST_F(HttpServerTest, MediaFilesHaveTheirMimeTypeCacheRuleAndCors) {
  struct Case {
    std::string name, type, cache;
  };
  const std::vector<Case> cases = {
      {"live/demo/index.m3u8", "application/vnd.apple.mpegurl", "no-cache"},
      {"live/demo/seg00001.ts", "video/mp2t", "public, max-age=31536000, immutable"},
      {"live/demo/chunk-1.m4s", "video/iso.segment", "public, max-age=31536000, immutable"},
      {"live/demo/init.mp4", "video/mp4", "public, max-age=60"},
      {"live/demo/manifest.mpd", "application/dash+xml", "no-cache"},
      {"live/demo/subs.vtt", "text/vtt; charset=utf-8", "public, max-age=31536000, immutable"},
      {"thumb.jpg", "image/jpeg", "public, max-age=31536000, immutable"},
      {"poster.JPEG", "image/jpeg", "public, max-age=31536000, immutable"},
      {"poster.png", "image/png", "public, max-age=60"},
      {"poster.webp", "image/webp", "public, max-age=60"},
      {"info.json", "application/json", "public, max-age=60"},
      {"graph.svg", "image/svg+xml", "public, max-age=60"},
      {"blob.unknownext", "application/octet-stream", "public, max-age=60"},
  };
  for (const auto& c : cases) {
    write_file(media_dir_ + "/" + c.name, "content of " + c.name);
    Reply reply = get("/media/" + c.name);
    EXPECT_EQ(reply.status, 200) << c.name;
    EXPECT_EQ(reply.body, "content of " + c.name);
    EXPECT_EQ(reply.header("content-type"), c.type) << c.name;
    EXPECT_EQ(reply.header("cache-control"), c.cache) << c.name;
    EXPECT_EQ(reply.header("access-control-allow-origin"), "*") << c.name;
    EXPECT_EQ(reply.header("accept-ranges"), "bytes") << c.name;
  }
}

// Private media is let in by a cookie or a token: what such a request gets is for that client
// only, so no shared cache (an edge, a CDN) may keep it and serve it to someone else.
TEST_F(HttpServerTest, MediaFetchedWithACookieOrATokenIsPrivateToTheCache) {
  write_file(media_dir_ + "/live/demo/seg00001.ts", "segment");
  write_file(media_dir_ + "/live/demo/index.m3u8", "playlist");
  EXPECT_EQ(get("/media/live/demo/seg00001.ts").header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/media/live/demo/seg00001.ts", {{"Cookie", "kek_session=abc"}}).header("cache-control"),
            "private, max-age=31536000, immutable");
  EXPECT_EQ(get("/media/live/demo/seg00001.ts", {{"Authorization", "Bearer abc"}}).header("cache-control"),
            "private, max-age=31536000, immutable");
  EXPECT_EQ(get("/media/live/demo/seg00001.ts?token=abc").header("cache-control"), "private, max-age=31536000, immutable");
  EXPECT_EQ(get("/media/~t/abc/live/demo/seg00001.ts").header("cache-control"), "private, max-age=31536000, immutable");
  EXPECT_EQ(get("/media/live/demo/index.m3u8", {{"Cookie", "kek_session=abc"}}).header("cache-control"), "no-cache");
}

TEST_F(HttpServerTest, MediaNameWithEncodedSpaceIsFound) {
  write_file(media_dir_ + "/my film.mp4", "film");
  EXPECT_EQ(get("/media/my%20film.mp4").body, "film");
}

TEST_F(HttpServerTest, MissingMediaIs404JsonWithCors) {
  Reply reply = get("/media/live/nothing.m3u8");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_EQ(reply.header("access-control-allow-origin"), "*");
  EXPECT_EQ(get("/media/live").status, 404) << "directories are not served";
  EXPECT_EQ(get("/media/").status, 404);
}

TEST_F(HttpServerTest, MediaAnswersCorsPreflight) {
  Request request;
  request.method = "OPTIONS";
  request.path = "/media/live/demo/index.m3u8";
  request.headers = {{"Origin", "https://elsewhere.example"},
                     {"Access-Control-Request-Method", "GET"},
                     {"Access-Control-Request-Headers", "range"}};
  Reply reply = fetch(request);
  EXPECT_EQ(reply.status, 204);
  EXPECT_EQ(reply.header("access-control-allow-origin"), "*");
  EXPECT_NE(reply.header("access-control-allow-methods").find("GET"), std::string::npos);
  EXPECT_EQ(reply.header("access-control-allow-headers"), "range");
}

TEST_F(HttpServerTest, MediaRefusesWritingMethods) {
  write_file(media_dir_ + "/a.ts", "ts");
  Request request;
  request.method = "POST";
  request.path = "/media/a.ts";
  request.body = "{}";
  Reply reply = fetch(request);
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.header("content-type"), "application/json");
}

TEST_F(HttpServerTest, MediaHeadGivesLengthWithoutBody) {
  write_file(media_dir_ + "/clip.mp4", "0123456789");
  Request request;
  request.method = "HEAD";
  request.path = "/media/clip.mp4";
  Reply reply = fetch(request);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("content-length"), "10");
  EXPECT_EQ(reply.header("content-type"), "video/mp4");
  EXPECT_EQ(reply.body, "");
}

TEST_F(HttpServerTest, EmptyMediaFileIsServed) {
  write_file(media_dir_ + "/empty.ts", "");
  Reply reply = get("/media/empty.ts");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "");
  EXPECT_EQ(reply.header("content-length"), "0");
}

TEST_F(HttpServerTest, ByteRanges) {
  write_file(media_dir_ + "/clip.mp4", "0123456789");
  Reply first = get("/media/clip.mp4", {{"Range", "bytes=0-3"}});
  EXPECT_EQ(first.status, 206);
  EXPECT_EQ(first.body, "0123");
  EXPECT_EQ(first.header("content-range"), "bytes 0-3/10");
  EXPECT_EQ(first.header("content-length"), "4");
  EXPECT_EQ(first.header("content-type"), "video/mp4");
  EXPECT_EQ(first.header("access-control-allow-origin"), "*");

  Reply open_ended = get("/media/clip.mp4", {{"Range", "bytes=7-"}});
  EXPECT_EQ(open_ended.status, 206);
  EXPECT_EQ(open_ended.body, "789");
  EXPECT_EQ(open_ended.header("content-range"), "bytes 7-9/10");

  Reply suffix = get("/media/clip.mp4", {{"Range", "bytes=-4"}});
  EXPECT_EQ(suffix.status, 206);
  EXPECT_EQ(suffix.body, "6789");

  Reply past_end = get("/media/clip.mp4", {{"Range", "bytes=5-100"}});
  EXPECT_EQ(past_end.status, 206);
  EXPECT_EQ(past_end.body, "56789");

  Reply unsatisfiable = get("/media/clip.mp4", {{"Range", "bytes=10-"}});
  EXPECT_EQ(unsatisfiable.status, 416);
  EXPECT_EQ(unsatisfiable.header("content-range"), "bytes */10");
  EXPECT_EQ(unsatisfiable.body.find("0123"), std::string::npos);

  // Several ranges or a malformed header: the whole file (RFC 9110 lets a server ignore Range).
  Reply several = get("/media/clip.mp4", {{"Range", "bytes=0-1,4-5"}});
  EXPECT_EQ(several.status, 200);
  EXPECT_EQ(several.body, "0123456789");
  Reply malformed = get("/media/clip.mp4", {{"Range", "bytes=abc"}});
  EXPECT_EQ(malformed.status, 200);
  EXPECT_EQ(malformed.body, "0123456789");

  // If-Range with another validator: the file changed, so all of it.
  Reply stale = get("/media/clip.mp4", {{"Range", "bytes=0-3"}, {"If-Range", "Mon, 01 Jan 2001 00:00:00 GMT"}});
  EXPECT_EQ(stale.status, 200);
  Reply fresh = get("/media/clip.mp4", {{"Range", "bytes=0-3"}, {"If-Range", first.header("last-modified")}});
  EXPECT_EQ(fresh.status, 206);
}

TEST_F(HttpServerTest, LargeFileWholeAndRangeAreExact) {
  std::string content(6 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 131) ^ (i >> 11));
  write_file(media_dir_ + "/film.mp4", content);
  Reply whole = get("/media/film.mp4");
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body.size(), content.size());
  EXPECT_TRUE(whole.body == content);
  Reply middle = get("/media/film.mp4", {{"Range", "bytes=1048576-3145727"}});
  EXPECT_EQ(middle.status, 206);
  EXPECT_EQ(middle.header("content-range"), "bytes 1048576-3145727/" + std::to_string(content.size()));
  EXPECT_TRUE(middle.body == content.substr(1048576, 2097152));
}

// A file the page cache does not hold is read on a reader thread: while that read waits for the
// disk (here held until the test lets it go), the loop answers everybody else.
TEST_F(HttpServerTest, AReadWaitingForTheDiskHoldsUpNoOtherRequest) {
  std::mutex mutex;
  std::condition_variable changed;
  int disk_reads = 0;
  bool let_go = false;
  on_disk_read_ = [&] {
    std::unique_lock lock(mutex);
    ++disk_reads;
    changed.notify_all();
    changed.wait_for(lock, std::chrono::seconds(30), [&] { return let_go; });
  };
  start_server(webui_dir_);
  std::string segment(300 * 1024, '\0');
  for (size_t i = 0; i < segment.size(); ++i) segment[i] = static_cast<char>((i * 7919) ^ (i >> 9));
  write_cold_file(media_dir_ + "/live/demo/cold.ts", segment);
  write_file(media_dir_ + "/live/demo/index.m3u8", "#EXTM3U\n");
  auto reads_so_far = [&] {
    std::lock_guard lock(mutex);
    return disk_reads;
  };

  const int port = port_;
  std::string cold_raw;
  std::atomic<bool> cold_done{false};
  GMainContext* server_context = context_;
  std::thread cold_client([&] {
    cold_raw = raw_exchange(port, "GET /media/live/demo/cold.ts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 30);
    cold_done = true;
    g_main_context_wakeup(server_context);
  });
  GSource* heartbeat = g_timeout_source_new(20);
  g_source_set_callback(heartbeat, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
  g_source_attach(heartbeat, context_);
  auto run_until = [&](const std::function<bool()>& condition) {
    const gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    while (!condition() && g_get_monotonic_time() < deadline) g_main_context_iteration(context_, TRUE);
  };
  run_until([&] { return reads_so_far() > 0 || cold_done; });
  const bool held_in_a_reader = reads_so_far() == 1 && !cold_done;
  EXPECT_TRUE(held_in_a_reader) << "the cold file was not read on a reader thread";

  // Meanwhile: a playlist (in the page cache) is answered at once.
  Reply playlist = get("/media/live/demo/index.m3u8");
  EXPECT_EQ(playlist.status, 200);
  EXPECT_EQ(playlist.body, "#EXTM3U\n");
  EXPECT_EQ(reads_so_far(), 1) << "the playlist went to a reader thread too";
  if (held_in_a_reader) {
    EXPECT_FALSE(cold_done) << "the held read was answered before it was let go";
  }

  {
    std::lock_guard lock(mutex);
    let_go = true;
    changed.notify_all();
  }
  run_until([&] { return cold_done.load(); });
  cold_client.join();
  g_source_destroy(heartbeat);
  g_source_unref(heartbeat);
  Reply cold = parse_raw_reply(cold_raw);
  EXPECT_EQ(cold.status, 200);
  EXPECT_EQ(cold.header("content-type"), "video/mp2t");
  EXPECT_EQ(cold.body.size(), segment.size());
  EXPECT_TRUE(cold.body == segment);
}

// Past the copy limit a file is sent a piece at a time (never mapped): whole, a range, HEAD.
TEST_F(HttpServerTest, AFilmPastTheCopyLimitIsSentWholeAndInRanges) {
  std::string film(9 * 1024 * 1024 + 4321, '\0');
  for (size_t i = 0; i < film.size(); ++i) film[i] = static_cast<char>((i * 2654435761u) >> 13);
  write_file(media_dir_ + "/film.mp4", film);
  Reply whole = get("/media/film.mp4");
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.header("content-type"), "video/mp4");
  EXPECT_EQ(whole.header("content-length"), std::to_string(film.size()));
  EXPECT_EQ(whole.body.size(), film.size());
  EXPECT_TRUE(whole.body == film);
  Reply middle = get("/media/film.mp4", {{"Range", "bytes=1000000-8999999"}});
  EXPECT_EQ(middle.status, 206);
  EXPECT_EQ(middle.header("content-range"), "bytes 1000000-8999999/" + std::to_string(film.size()));
  EXPECT_TRUE(middle.body == film.substr(1000000, 8000000));
  Reply tail = get("/media/film.mp4", {{"Range", "bytes=-10"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_TRUE(tail.body == film.substr(film.size() - 10));
  EXPECT_EQ(get("/media/film.mp4", {{"Range", "bytes=99999999-"}}).status, 416);
  Request head;
  head.method = "HEAD";
  head.path = "/media/film.mp4";
  Reply headed = fetch(head);
  EXPECT_EQ(headed.status, 200);
  EXPECT_EQ(headed.header("content-length"), std::to_string(film.size()));
  EXPECT_TRUE(headed.body.empty());
}

// A cold film is read on reader threads piece by piece; meanwhile the loop serves others.
TEST_F(HttpServerTest, AColdFilmHoldsUpNoOtherRequest) {
  std::mutex mutex;
  std::condition_variable changed;
  int disk_reads = 0;
  bool let_go = false;
  on_disk_read_ = [&] {
    std::unique_lock lock(mutex);
    ++disk_reads;
    changed.notify_all();
    changed.wait_for(lock, std::chrono::seconds(30), [&] { return let_go; });
  };
  start_server(webui_dir_);
  std::string film(10 * 1024 * 1024, '\0');
  for (size_t i = 0; i < film.size(); ++i) film[i] = static_cast<char>((i * 40503u) >> 7);
  write_cold_file(media_dir_ + "/cold.mp4", film);
  write_file(media_dir_ + "/live/demo/index.m3u8", "#EXTM3U\n");
  auto reads_so_far = [&] {
    std::lock_guard lock(mutex);
    return disk_reads;
  };
  const int port = port_;
  std::string cold_raw;
  std::atomic<bool> cold_done{false};
  GMainContext* server_context = context_;
  std::thread cold_client([&] {
    cold_raw = raw_exchange(port, "GET /media/cold.mp4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 30);
    cold_done = true;
    g_main_context_wakeup(server_context);
  });
  GSource* heartbeat = g_timeout_source_new(20);
  g_source_set_callback(heartbeat, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
  g_source_attach(heartbeat, context_);
  auto run_until = [&](const std::function<bool()>& condition) {
    const gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    while (!condition() && g_get_monotonic_time() < deadline) g_main_context_iteration(context_, TRUE);
  };
  run_until([&] { return reads_so_far() > 0 || cold_done; });
  EXPECT_EQ(reads_so_far(), 1) << "the film was not read on a reader thread";
  Reply playlist = get("/media/live/demo/index.m3u8");
  EXPECT_EQ(playlist.status, 200);
  EXPECT_EQ(playlist.body, "#EXTM3U\n");
  EXPECT_FALSE(cold_done) << "the film was answered while its read was held";
  {
    std::lock_guard lock(mutex);
    let_go = true;
    changed.notify_all();
  }
  run_until([&] { return cold_done.load(); });
  cold_client.join();
  g_source_destroy(heartbeat);
  g_source_unref(heartbeat);
  Reply cold = parse_raw_reply(cold_raw);
  EXPECT_EQ(cold.status, 200);
  EXPECT_EQ(cold.body.size(), film.size());
  EXPECT_TRUE(cold.body == film);
}

// A film cut short while it is sent (a mapping would have killed the process with SIGBUS): the
// answer ends early with the connection, and the server goes on.
TEST_F(HttpServerTest, AFilmCutShortWhileSentEndsItsAnswerOnly) {
  std::mutex mutex;
  std::condition_variable changed;
  bool reading = false, let_go = false;
  on_disk_read_ = [&] {
    std::unique_lock lock(mutex);
    reading = true;
    changed.notify_all();
    changed.wait_for(lock, std::chrono::seconds(30), [&] { return let_go; });
  };
  start_server(webui_dir_);
  const std::string path = media_dir_ + "/cut.mp4";
  write_cold_file(path, std::string(12 * 1024 * 1024, 'f'));
  const int port = port_;
  std::string raw;
  std::atomic<bool> done{false};
  GMainContext* server_context = context_;
  std::thread client([&] {
    raw = raw_exchange(port, "GET /media/cut.mp4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 30);
    done = true;
    g_main_context_wakeup(server_context);
  });
  GSource* heartbeat = g_timeout_source_new(20);
  g_source_set_callback(heartbeat, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
  g_source_attach(heartbeat, context_);
  auto run_until = [&](const std::function<bool()>& condition) {
    const gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    while (!condition() && g_get_monotonic_time() < deadline) g_main_context_iteration(context_, TRUE);
  };
  run_until([&] {
    std::lock_guard lock(mutex);
    return reading || done;
  });
  EXPECT_EQ(truncate(path.c_str(), 1000), 0);  // the recorder restarted and rewrote it
  {
    std::lock_guard lock(mutex);
    let_go = true;
    changed.notify_all();
  }
  run_until([&] { return done.load(); });
  client.join();
  g_source_destroy(heartbeat);
  g_source_unref(heartbeat);
  Reply cut = parse_raw_reply(raw);
  EXPECT_EQ(cut.status, 200);
  EXPECT_EQ(cut.header("content-length"), std::to_string(12 * 1024 * 1024));
  EXPECT_LT(cut.body.size(), size_t{12 * 1024 * 1024}) << "the promised length cannot have been sent";
  EXPECT_EQ(cut.body.find_first_not_of('f'), std::string::npos) << "only the file's own bytes";
  write_file(media_dir_ + "/after.txt", "still here");
  EXPECT_EQ(get("/media/after.txt").body, "still here");
}

TEST_F(HttpServerTest, LastModifiedIsTheFilesTimeInHttpDateForm) {
  write_file(media_dir_ + "/live/demo/old.ts", "old");
  const struct utimbuf when{784111777, 784111777};  // RFC 9110's example date
  ASSERT_EQ(utime((media_dir_ + "/live/demo/old.ts").c_str(), &when), 0);
  Reply reply = get("/media/live/demo/old.ts");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("last-modified"), "Sun, 06 Nov 1994 08:49:37 GMT");
  const struct utimbuf later{1764612000, 1764612000};
  ASSERT_EQ(utime((media_dir_ + "/live/demo/old.ts").c_str(), &later), 0);
  EXPECT_EQ(get("/media/live/demo/old.ts").header("last-modified"), "Mon, 01 Dec 2025 18:00:00 GMT");
}

TEST_F(HttpServerTest, TraversalNeverReturnsTheSecret) {
  write_file(media_dir_ + "/ok.ts", "fine");
  const std::vector<std::string> attempts = {
      "/media/../kek.db",
      "/media/%2e%2e/kek.db",
      "/media/%2E%2E/kek.db",
      "/media/%2E%2E%2Fkek.db",
      "/media/..%2fkek.db",
      "/media/..%2Fkek.db",
      "/media/.%2e/kek.db",
      "/media/%2e./kek.db",
      "/media/%252e%252e/kek.db",
      "/media/%252e%252e%252fkek.db",
      "/media/..%5ckek.db",
      "/media/..%5Ckek.db",
      "/media/..\\kek.db",
      "/media/%2e%2e%5ckek.db",
      "/media/live/../../kek.db",
      "/media/live/%2e%2e/%2e%2e/kek.db",
      "/media/live/..%2f..%2fkek.db",
      "/media//../kek.db",
      "/media/./../kek.db",
      "/media/%2e/%2e%2e/kek.db",
      "/media/%00/../kek.db",
      "/media/ok.ts%00/../../kek.db",
      "/media/%c0%ae%c0%ae/kek.db",
      "/media/%",
      "/media/%zz/kek.db",
      "/../kek.db",
      "/%2e%2e/kek.db",
      "/..%2fkek.db",
      "/webui/../kek.db",
      "/assets/..%2f..%2fkek.db",
      "http://127.0.0.1/media/../kek.db",
      "http://127.0.0.1/media/%2e%2e/kek.db",
  };
  for (const auto& target : attempts) {
    Reply reply = raw_get(target);
    EXPECT_EQ(reply.body.find(kSecret), std::string::npos) << target << " leaked the secret";
    EXPECT_TRUE(reply.status == 400 || reply.status == 404) << target << " -> " << reply.status;
    if (g_getenv("KEK_TEST_VERBOSE")) g_printerr("%-40s -> %d %s\n", target.c_str(), reply.status, reply.body.c_str());
  }
  // The same client still gets legitimate files.
  EXPECT_EQ(raw_get("/media/ok.ts").body, "fine");
}

TEST_F(HttpServerTest, SymlinkOutOfMediaDirIsRefused) {
  ASSERT_EQ(symlink((root_ + "/kek.db").c_str(), (media_dir_ + "/evil.ts").c_str()), 0);
  ASSERT_EQ(symlink(root_.c_str(), (media_dir_ + "/up").c_str()), 0);
  Reply file_link = get("/media/evil.ts");
  EXPECT_EQ(file_link.status, 404);
  EXPECT_EQ(file_link.body.find(kSecret), std::string::npos);
  Reply dir_link = get("/media/up/kek.db");
  EXPECT_EQ(dir_link.status, 404);
  EXPECT_EQ(dir_link.body.find(kSecret), std::string::npos);

  // A link that stays inside the media dir is fine.
  write_file(media_dir_ + "/live/demo/real.m3u8", "#EXTM3U\n");
  ASSERT_EQ(symlink((media_dir_ + "/live/demo/real.m3u8").c_str(), (media_dir_ + "/alias.m3u8").c_str()), 0);
  EXPECT_EQ(get("/media/alias.m3u8").status, 200);
}

TEST_F(HttpServerTest, HandlerFilePathIsServedWithRanges) {
  const std::string recording = root_ + "/recording.mp4";
  write_file(recording, "abcdefghij");
  server_->route("GET", "/api/recordings/{id}/file", [&](const HttpRequest&) {
    HttpResponse response;
    response.file_path = recording;
    response.headers.emplace_back("Content-Disposition", "attachment");
    return response;
  });
  Reply whole = get("/api/recordings/1/file");
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, "abcdefghij");
  EXPECT_EQ(whole.header("content-type"), "video/mp4");
  EXPECT_EQ(whole.header("content-disposition"), "attachment");
  Reply part = get("/api/recordings/1/file", {{"Range", "bytes=2-4"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "cde");

  server_->route("GET", "/api/gone", [&](const HttpRequest&) {
    HttpResponse response;
    response.file_path = root_ + "/does-not-exist.mp4";
    return response;
  });
  EXPECT_EQ(get("/api/gone").status, 404);
}

// ---- web UI ----

TEST_F(HttpServerTest, WebUiFilesAndSpaFallback) {
  write_file(webui_dir_ + "/index.html", "<!doctype html><title>KEK</title>");
  write_file(webui_dir_ + "/assets/index-3f2a1b.js", "console.log(1)");
  write_file(webui_dir_ + "/assets/index-3f2a1b.css", "body{}");
  write_file(webui_dir_ + "/assets/logo.svg", "<svg/>");
  write_file(webui_dir_ + "/assets/font.woff2", "w2");
  write_file(webui_dir_ + "/favicon.ico", "ico");

  Reply root = get("/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.body, "<!doctype html><title>KEK</title>");
  EXPECT_EQ(root.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(root.header("cache-control"), "no-cache");

  Reply route = get("/watch/42");
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, root.body);
  EXPECT_EQ(route.header("cache-control"), "no-cache");

  Reply script = get("/assets/index-3f2a1b.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/assets/index-3f2a1b.css").header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(get("/assets/logo.svg").header("content-type"), "image/svg+xml");
  EXPECT_EQ(get("/assets/font.woff2").header("content-type"), "font/woff2");
  EXPECT_EQ(get("/favicon.ico").header("cache-control"), "public, max-age=60");
  EXPECT_EQ(get("/index.html").header("cache-control"), "no-cache");

  Reply missing_asset = get("/assets/missing-123.js");
  EXPECT_EQ(missing_asset.status, 404);
  EXPECT_EQ(missing_asset.header("content-type"), "application/json");

  EXPECT_EQ(get("/api/not-a-page").status, 404) << "the API never falls back to the SPA";
  EXPECT_FALSE(get("/api/not-a-page").has_header("access-control-allow-origin"));
}

TEST_F(HttpServerTest, WebUiNotBuiltPage) {
  remove_tree(webui_dir_);
  start_server(webui_dir_);
  for (const std::string path : {"/", "/library"}) {
    Reply reply = get(path);
    EXPECT_EQ(reply.status, 200) << path;
    EXPECT_EQ(reply.header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(reply.body.find("not built"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find("scripts/setup.sh"), std::string::npos);
    EXPECT_NE(reply.body.find("npm --prefix webui ci &amp;&amp; npm --prefix webui run build"), std::string::npos);
    EXPECT_NE(reply.body.find("href=\"/api/health\""), std::string::npos);
  }
  EXPECT_EQ(get("/assets/app.js").status, 404);
}

TEST_F(HttpServerTest, ListenReportsBadAddress) {
  HttpConfig config;
  config.address = "not-an-address";
  config.port = 0;
  auto server = HttpServer::create(config);
  auto status = server->listen();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("not-an-address"), std::string::npos);
}

TEST_F(HttpServerTest, UrlNamesTheBoundPort) {
  EXPECT_EQ(server_->url(), "http://127.0.0.1:" + std::to_string(port_) + "/");
}


// ---- the pieces under the server, without a socket ----

TEST(RequestPath, DecodesEachSegmentOnce) {
  auto path = http::parse_request_path("/media/my%20film/a%2Fb/%252e%252e//");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->segments, (std::vector<std::string>{"media", "my film", "a/b", "%2e%2e"}));
  EXPECT_EQ(path->decoded, "/media/my film/a/b/%2e%2e");
  EXPECT_EQ(http::parse_request_path("/")->decoded, "/");
  EXPECT_TRUE(http::parse_request_path("/")->segments.empty());
}

TEST(RequestPath, RefusesDotSegmentsNulAndBadEscapes) {
  for (const char* raw : {"/media/../kek.db", "/media/%2e%2e/kek.db", "/media/%2E%2E/kek.db", "/media/.%2e/x",
                          "/media/%2e/x", "/media/./x", "/a/%00", "/a/%zz", "/a/%2", "/a/%", "relative"}) {
    auto path = http::parse_request_path(raw);
    ASSERT_FALSE(path.ok()) << raw;
    EXPECT_EQ(path.error().code, 400) << raw;
    EXPECT_EQ(path.error().reason, "invalid_path") << raw;
  }
}

TEST(RequestPath, FileSegmentsCarryNoSeparators) {
  EXPECT_TRUE(http::is_plain_file_segment("seg00001.ts"));
  EXPECT_TRUE(http::is_plain_file_segment("my film.mp4"));
  EXPECT_FALSE(http::is_plain_file_segment("../kek.db"));
  EXPECT_FALSE(http::is_plain_file_segment("..\\kek.db"));
  EXPECT_FALSE(http::is_plain_file_segment(".."));
  EXPECT_FALSE(http::is_plain_file_segment("."));
  EXPECT_FALSE(http::is_plain_file_segment(""));
  EXPECT_FALSE(http::is_plain_file_segment(std::string("a\0b", 3)));
}

TEST(RequestPath, PrefixIsSegmentWise) {
  std::vector<std::string> path{"api", "admin", "users"};
  EXPECT_TRUE(http::has_segment_prefix(path, {"api", "admin"}));
  EXPECT_TRUE(http::has_segment_prefix(path, {}));
  EXPECT_FALSE(http::has_segment_prefix(path, {"api", "adm"}));
  EXPECT_FALSE(http::has_segment_prefix({"api"}, {"api", "admin"}));
}

TEST(ByteRange, ParsesTheSingleRangeForms) {
  using Kind = http::RangeRequest::Kind;
  struct Case {
    const char* header;
    int64_t size;
    Kind kind;
    int64_t first, last;
  };
  const std::vector<Case> cases = {
      {"bytes=0-3", 10, Kind::partial, 0, 3},
      {"bytes=0-0", 10, Kind::partial, 0, 0},
      {"bytes=7-", 10, Kind::partial, 7, 9},
      {"bytes=5-100", 10, Kind::partial, 5, 9},
      {"bytes=-4", 10, Kind::partial, 6, 9},
      {"bytes=-50", 10, Kind::partial, 0, 9},
      {"Bytes= 1-2 ", 10, Kind::partial, 1, 2},
      {"bytes=10-", 10, Kind::unsatisfiable, 0, 0},
      {"bytes=10-20", 10, Kind::unsatisfiable, 0, 0},
      {"bytes=-0", 10, Kind::unsatisfiable, 0, 0},
      {"bytes=0-", 0, Kind::unsatisfiable, 0, 0},
      {"bytes=-1", 0, Kind::unsatisfiable, 0, 0},
      {"bytes=5-2", 10, Kind::whole, 0, 0},
      {"bytes=0-1,3-4", 10, Kind::whole, 0, 0},
      {"items=0-1", 10, Kind::whole, 0, 0},
      {"bytes=abc", 10, Kind::whole, 0, 0},
      {"bytes=-", 10, Kind::whole, 0, 0},
      {"bytes=+1-2", 10, Kind::whole, 0, 0},
      {"bytes=0-99999999999999999999999", 10, Kind::whole, 0, 0},
  };
  for (const auto& c : cases) {
    auto range = http::parse_range(c.header, c.size);
    EXPECT_EQ(range.kind, c.kind) << c.header;
    if (c.kind == Kind::partial) {
      EXPECT_EQ(range.first, c.first) << c.header;
      EXPECT_EQ(range.last, c.last) << c.header;
    }
  }
}

TEST(Router, MatchesParamsLiteralsAndMethods) {
  http::Router router;
  router.add("get", "/api/pipelines/{id}", HttpHandler([](const HttpRequest&) { return HttpResponse{}; }));
  router.add("DELETE", "/api/pipelines/{id}", HttpHandler([](const HttpRequest&) { return HttpResponse{}; }));
  router.add("GET", "/api/pipelines/{id}/graph.svg", HttpHandler([](const HttpRequest&) { return HttpResponse{}; }));

  auto found = router.match("GET", {"api", "pipelines", "demo"});
  ASSERT_EQ(found.kind, http::RouteMatch::Kind::found);
  EXPECT_EQ(found.params.at("id"), "demo");
  EXPECT_EQ(found.route->pattern, "/api/pipelines/{id}");

  auto graph = router.match("GET", {"api", "pipelines", "demo", "graph.svg"});
  ASSERT_EQ(graph.kind, http::RouteMatch::Kind::found);
  EXPECT_EQ(graph.route->pattern, "/api/pipelines/{id}/graph.svg");

  EXPECT_EQ(router.match("HEAD", {"api", "pipelines", "demo"}).kind, http::RouteMatch::Kind::found);
  auto wrong_method = router.match("POST", {"api", "pipelines", "demo"});
  EXPECT_EQ(wrong_method.kind, http::RouteMatch::Kind::method_not_allowed);
  EXPECT_EQ(wrong_method.allowed_methods, (std::vector<std::string>{"GET", "DELETE"}));
  EXPECT_EQ(router.match("GET", {"api", "pipelines"}).kind, http::RouteMatch::Kind::no_such_path);
  EXPECT_EQ(router.match("GET", {"api", "pipelines", "a", "b"}).kind, http::RouteMatch::Kind::no_such_path);
}

TEST(FileLookup, StaysInsideTheRoot) {
  g_autofree char* root_dir = g_dir_make_tmp("kek-lookup-XXXXXX", nullptr);
  const std::string root = root_dir;
  ASSERT_EQ(g_mkdir((root + "/media").c_str(), 0755), 0);
  write_file(root + "/secret", kSecret);
  write_file(root + "/media/ok.ts", "ok");
  ASSERT_EQ(symlink((root + "/secret").c_str(), (root + "/media/link.ts").c_str()), 0);

  EXPECT_TRUE(http::resolve_inside(root + "/media", {"ok.ts"}).ok());
  EXPECT_EQ(http::resolve_inside(root + "/media", {"..", "secret"}).error().code, 400);
  EXPECT_EQ(http::resolve_inside(root + "/media", {"../secret"}).error().code, 400);
  EXPECT_EQ(http::resolve_inside(root + "/media", {"link.ts"}).error().code, 404);
  EXPECT_EQ(http::resolve_inside(root + "/media", {"missing.ts"}).error().code, 404);
  EXPECT_EQ(http::resolve_inside(root + "/media", {}).error().code, 404) << "the root is a directory";
  EXPECT_EQ(http::resolve_inside("", {"ok.ts"}).error().code, 404);
  remove_tree(root);
}

// open_inside must give resolve_inside's answers, whichever way it takes (openat2 beneath the
// root, or realpath for an absolute symlink), and never block on or serve what is not a file.
TEST(FileLookup, OpensOnlyRegularFilesInsideTheRoot) {
  g_autofree char* root_dir = g_dir_make_tmp("kek-open-XXXXXX", nullptr);
  const std::string root = root_dir;
  const std::string media = root + "/media";
  ASSERT_EQ(g_mkdir_with_parents((media + "/live/cam").c_str(), 0755), 0);
  write_file(root + "/secret", kSecret);
  write_file(media + "/live/cam/ok.ts", "ok");
  ASSERT_EQ(symlink("../secret", (media + "/relative-out.ts").c_str()), 0);
  ASSERT_EQ(symlink((root + "/secret").c_str(), (media + "/absolute-out.ts").c_str()), 0);
  ASSERT_EQ(symlink("live/cam/ok.ts", (media + "/relative-in.ts").c_str()), 0);
  ASSERT_EQ(symlink((media + "/live/cam/ok.ts").c_str(), (media + "/absolute-in.ts").c_str()), 0);
  ASSERT_EQ(mkfifo((media + "/fifo.ts").c_str(), 0644), 0);

  auto read_all = [](const http::OpenedFile& file) {
    std::string text(static_cast<size_t>(file.info().st_size), '\0');
    EXPECT_EQ(pread(file.fd(), text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
    return text;
  };
  auto ok = http::open_inside(media, {"live", "cam", "ok.ts"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(read_all(*ok), "ok");
  EXPECT_EQ(ok->path(), media + "/live/cam/ok.ts");
  for (const char* inside : {"relative-in.ts", "absolute-in.ts"}) {
    auto linked = http::open_inside(media, {inside});
    ASSERT_TRUE(linked.ok()) << inside;
    EXPECT_EQ(read_all(*linked), "ok") << inside;
  }
  for (const char* outside : {"relative-out.ts", "absolute-out.ts", "fifo.ts", "missing.ts"})
    EXPECT_EQ(http::open_inside(media, {outside}).error().code, 404) << outside;
  EXPECT_EQ(http::open_inside(media, {"live"}).error().code, 404) << "a directory";
  EXPECT_EQ(http::open_inside(media, {}).error().code, 404) << "the root itself";
  EXPECT_EQ(http::open_inside(media, {"..", "secret"}).error().code, 400);
  EXPECT_EQ(http::open_inside(media, {"live/cam/ok.ts"}).error().code, 400);
  EXPECT_EQ(http::open_inside("", {"ok.ts"}).error().code, 404);
  EXPECT_EQ(http::open_inside(root + "/nowhere", {"ok.ts"}).error().code, 404);
  remove_tree(root);
}

TEST(Mime, KnowsTheStreamingTypes) {
  EXPECT_EQ(http::mime_type_for("/a/index.M3U8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(http::mime_type_for("seg.ts"), "video/mp2t");
  EXPECT_EQ(http::mime_type_for("seg.m4s"), "video/iso.segment");
  EXPECT_EQ(http::mime_type_for("manifest.mpd"), "application/dash+xml");
  EXPECT_EQ(http::mime_type_for("noext"), "application/octet-stream");
  EXPECT_EQ(http::mime_type_for("dir.d/noext"), "application/octet-stream");
  EXPECT_EQ(http::file_extension("archive.tar.GZ"), "gz");
}

}  // namespace
}  // namespace kek::core
