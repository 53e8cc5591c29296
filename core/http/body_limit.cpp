// libsoup 3 (checked on 3.2.3) lets a got-headers handler set the status, which skips the
// handlers; but unless the client sent "Expect: 100-continue", it still reads the whole body
// before it writes that answer, however large the body is. So for those clients we take the
// connection from libsoup, write the 413 ourselves and close it.
#define G_LOG_DOMAIN "kek-http"

#include "http/body_limit.h"

#include "http/connection_guard.h"
#include "http/respond.h"
#include "http/streaming_body.h"

#include <kek/json.h>
#include <kek/ref.h>

#include <memory>
#include <string>

namespace kek::core::http {
namespace {

// After answering we keep reading (and dropping) what the client still sends, for a moment:
// closing a socket with unread input makes the kernel reset the connection, which can destroy
// our answer before the client has read it (the "lingering close" of nginx and Apache).
constexpr guint kLingerMilliseconds = 2000;
constexpr int64_t kLingerMaxBytes = 16 * 1024 * 1024;

// A connection taken from libsoup: writes one answer, lingers, closes, and frees itself.
class RefusedConnection {
 public:
  // `stolen` is adopted; `socket` is the one under it, for the half-close.
  static void start(GIOStream* stolen, GSocket* socket, std::string answer) {
    auto self = std::make_unique<RefusedConnection>(stolen, socket, std::move(answer));
    self->write_answer();
    self.release();  // owned by the pending callbacks until close() completes
  }

  RefusedConnection(GIOStream* stolen, GSocket* socket, std::string answer)
      : stream_(Ref<GIOStream>::adopt(stolen)),
        socket_(Ref<GSocket>::share(socket)),
        answer_(std::move(answer)),
        cancel_(Ref<GCancellable>::adopt(g_cancellable_new())),
        context_(g_main_context_ref_thread_default()) {
    // The deadline only cancels: the pending operation then fails and closes the connection.
    deadline_ = g_timeout_source_new(kLingerMilliseconds);
    g_source_set_callback(
        deadline_,
        [](gpointer cancellable) -> gboolean {
          g_cancellable_cancel(static_cast<GCancellable*>(cancellable));
          return G_SOURCE_REMOVE;
        },
        cancel_.get(), nullptr);
    g_source_attach(deadline_, context_);
  }

  ~RefusedConnection() {
    g_source_destroy(deadline_);
    g_source_unref(deadline_);
    g_main_context_unref(context_);
  }
  RefusedConnection(const RefusedConnection&) = delete;
  RefusedConnection& operator=(const RefusedConnection&) = delete;

 private:

  void write_answer() {
    g_output_stream_write_all_async(
        g_io_stream_get_output_stream(stream_.get()), answer_.data(), answer_.size(), G_PRIORITY_DEFAULT,
        cancel_.get(),
        [](GObject* out, GAsyncResult* result, gpointer data) {
          auto* self = static_cast<RefusedConnection*>(data);
          if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(out), result, nullptr, nullptr)) {
            self->close();
            return;
          }
          // Tell the client the answer is complete, then drain what it is still sending.
          if (self->socket_) g_socket_shutdown(self->socket_.get(), FALSE, TRUE, nullptr);
          self->read_more();
        },
        this);
  }

  void read_more() {
    g_input_stream_read_async(
        g_io_stream_get_input_stream(stream_.get()), buffer_, sizeof buffer_, G_PRIORITY_DEFAULT, cancel_.get(),
        [](GObject* in, GAsyncResult* result, gpointer data) {
          auto* self = static_cast<RefusedConnection*>(data);
          gssize n = g_input_stream_read_finish(G_INPUT_STREAM(in), result, nullptr);
          self->drained_ += n > 0 ? n : 0;
          if (n > 0 && self->drained_ < kLingerMaxBytes)
            self->read_more();
          else
            self->close();
        },
        this);
  }

  void close() {
    g_io_stream_close_async(stream_.get(), G_PRIORITY_DEFAULT, nullptr,
                            [](GObject* stream, GAsyncResult* result, gpointer data) {
                              g_io_stream_close_finish(G_IO_STREAM(stream), result, nullptr);
                              std::unique_ptr<RefusedConnection> done(static_cast<RefusedConnection*>(data));
                            },
                            this);
  }

  Ref<GIOStream> stream_;
  Ref<GSocket> socket_;
  std::string answer_;
  Ref<GCancellable> cancel_;
  GMainContext* context_;
  GSource* deadline_ = nullptr;
  int64_t drained_ = 0;
  char buffer_[16 * 1024];
};

std::string too_large_message(int64_t max_bytes) {
  return "request body is larger than " + std::to_string(max_bytes) + " bytes";
}

// What libsoup would have written, for a connection it no longer owns.
std::string raw_413_answer(SoupServerMessage* msg, int64_t max_bytes) {
  std::string body = json_error_body(too_large_message(max_bytes), "body_too_large");
  std::string answer = "HTTP/1.1 413 Payload Too Large\r\n";
  const char* date = soup_message_headers_get_one(soup_server_message_get_response_headers(msg), "Date");
  if (date) answer += std::string("Date: ") + date + "\r\n";
  answer += "Server: kek\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
  return answer;
}

void refuse(SoupServerMessage* msg, int64_t max_bytes) {
  GUri* uri = soup_server_message_get_uri(msg);
  g_debug("%s %s -> 413 (body over %" G_GINT64_FORMAT " bytes), from %s", soup_server_message_get_method(msg),
          uri ? g_uri_get_path(uri) : "?", max_bytes, soup_server_message_get_remote_host(msg));

  SoupMessageHeaders* request_headers = soup_server_message_get_request_headers(msg);
  const bool client_waits_for_continue =
      soup_message_headers_get_expectations(request_headers) & SOUP_EXPECTATION_CONTINUE;
  const bool body_started = soup_server_message_get_request_body(msg)->length > 0;
  if (!client_waits_for_continue || body_started) {
    std::string answer = raw_413_answer(msg, max_bytes);
    auto socket = Ref<GSocket>::share(socket_of(msg));
    if (GIOStream* stolen = soup_server_message_steal_connection(msg)) {
      RefusedConnection::start(stolen, socket.get(), std::move(answer));
      return;
    }
  }
  // The client waits for our go-ahead before sending the body: libsoup answers in its place and
  // the body never comes. (Also the fallback should the connection not be ours to take.)
  SoupMessageBody* request_body = soup_server_message_get_request_body(msg);
  soup_message_body_set_accumulate(request_body, FALSE);
  soup_message_body_truncate(request_body);
  respond_error(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "body_too_large", too_large_message(max_bytes));
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
}

void free_limit(gpointer limit, GClosure*) { g_free(limit); }

void on_got_chunk(SoupServerMessage* msg, GBytes*, gpointer limit) {
  if (soup_server_message_get_status(msg) != 0) return;  // already answered
  if (is_streaming_body(msg)) return;                    // the route's own limit applies
  const int64_t max_bytes = *static_cast<gint64*>(limit);
  if (soup_server_message_get_request_body(msg)->length > max_bytes) refuse(msg, max_bytes);
}

}  // namespace

void check_body_limit(SoupServerMessage* msg, int64_t max_bytes) {
  if (soup_server_message_get_status(msg) != 0) return;  // libsoup already refused it
  if (is_streaming_body(msg)) return;                    // the route's own limit applies
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  const SoupEncoding encoding = soup_message_headers_get_encoding(headers);
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH) {
    if (soup_message_headers_get_content_length(headers) > max_bytes) refuse(msg, max_bytes);
    return;
  }
  if (encoding != SOUP_ENCODING_CHUNKED) return;  // no body at all
  // A chunked body announces no length: count it as it arrives.
  g_signal_connect_data(msg, "got-chunk", G_CALLBACK(on_got_chunk), g_memdup2(&max_bytes, sizeof(gint64)),
                        free_limit, GConnectFlags(0));
}

}  // namespace kek::core::http
