#define G_LOG_DOMAIN "kek-rtmp"
#include "connection.h"

#include "server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <kek/address_key.h>
#include <kek/worker.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <vector>

namespace kek::rtmp {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr int kMaxReadsPerWakeup = 16;  // fairness: one busy publisher cannot starve the others

std::string peer_address(GSocketConnection* connection) {
  g_autoptr(GSocketAddress) addr = g_socket_connection_get_remote_address(connection, nullptr);
  if (!addr || !G_IS_INET_SOCKET_ADDRESS(addr)) return "unknown";
  g_autofree char* ip = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
  return std::string(ip) + ":" + std::to_string(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(addr)));
}

// One read buffer per thread (the main loop's, each worker's), not one per connection.
std::vector<uint8_t>& read_buffer() {
  thread_local std::vector<uint8_t> buffer(kReadChunk);
  return buffer;
}

// One read without blocking, on the main loop or a worker: how much arrived (0: nothing is
// waiting now), or why the connection is over (a read error, the peer closed it).
Result<size_t> receive_some(GSocket* socket, std::vector<uint8_t>& buffer) {
  GError* err = nullptr;
  const gssize n = g_socket_receive_with_blocking(socket, reinterpret_cast<gchar*>(buffer.data()), buffer.size(), FALSE,
                                                  nullptr, &err);
  if (n > 0) return static_cast<size_t>(n);
  if (n == 0) return Status::failure("peer closed the connection");
  const bool would_block = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  std::string why = std::string("read error: ") + err->message;
  g_error_free(err);
  if (would_block) return size_t{0};
  return Status::failure(std::move(why));
}

// A call from a worker to the main loop that the worker waits for.
struct MainCall {
  std::mutex mutex;
  std::condition_variable cv;
  std::function<void()> fn;
  bool running = false;  // the main loop took it: the worker waits for it to end
  bool done = false;
  bool cancelled = false;
};
}  // namespace

std::string Connection::address_key_of(GSocketConnection* connection) {
  g_autoptr(GSocketAddress) addr = g_socket_connection_get_remote_address(connection, nullptr);
  if (!addr || !G_IS_INET_SOCKET_ADDRESS(addr)) return "unknown";
  return kek::address_key(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
}

Connection::Connection(Server& server, PushPool& pool, uint64_t id, GSocketConnection* connection,
                       SessionConfig config, std::string address_key)
    : server_(server),
      pool_(pool),
      id_(id),
      connection_(G_SOCKET_CONNECTION(g_object_ref(connection))),
      socket_(g_socket_connection_get_socket(connection)),
      session_(*this, config),
      remote_(peer_address(connection)),
      address_key_(std::move(address_key)),
      last_activity_us_(g_get_monotonic_time()),
      accepted_us_(last_activity_us_) {
  g_socket_set_blocking(socket_, FALSE);
  g_socket_set_option(socket_, IPPROTO_TCP, TCP_NODELAY, 1, nullptr);
}

Connection::~Connection() {
  release_io();
  g_object_unref(connection_);
}

void Connection::release_io() {
  for (GSource** s : {&read_source_, &write_source_}) {
    if (*s) {
      g_source_destroy(*s);
      g_source_unref(*s);
      *s = nullptr;
    }
  }
  g_io_stream_close(G_IO_STREAM(connection_), nullptr, nullptr);
}

int64_t Connection::idle_us(int64_t now) const {
  if (!closed_ && g_socket_condition_check(socket_, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR)) != 0)
    return 0;
  return now - last_activity_us_;
}

void Connection::start() {
  read_on_main();
  g_debug("connection %lu from %s", static_cast<unsigned long>(id_), remote_.c_str());
}

void Connection::read_on_main() {
  if (read_source_) return;
  read_source_ = g_socket_create_source(socket_, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR), nullptr);
  g_source_set_callback(read_source_, reinterpret_cast<GSourceFunc>(+[](GSocket* s, GIOCondition c, gpointer d) {
                          return on_readable(s, c, d);
                        }),
                        this, nullptr);
  g_source_attach(read_source_, nullptr);
}

// The GLib callbacks are a C boundary: whatever one connection's input makes throw (an
// allocation that failed, a bug) ends that connection, never the process.
gboolean Connection::on_readable(GSocket*, GIOCondition, gpointer data) {
  auto* self = static_cast<Connection*>(data);
  try {
    self->read_available();
  } catch (const std::exception& e) {
    self->close(std::string("internal error: ") + e.what());
  }
  if (self->closed_ || !self->read_source_) return G_SOURCE_REMOVE;
  return G_SOURCE_CONTINUE;
}

gboolean Connection::on_writable(GSocket*, GIOCondition, gpointer data) {
  auto* self = static_cast<Connection*>(data);
  g_source_unref(self->write_source_);
  self->write_source_ = nullptr;  // flush() arms a new one if needed
  try {
    self->after_io();
    self->maybe_enter_pool();
  } catch (const std::exception& e) {
    self->close(std::string("internal error: ") + e.what());
  }
  return G_SOURCE_REMOVE;
}

void Connection::read_available() {
  std::vector<uint8_t>& buffer = read_buffer();
  for (int i = 0; i < kMaxReadsPerWakeup && !closed_; ++i) {
    auto n = receive_some(socket_, buffer);
    if (!n) {
      close(n.error());
      return;
    }
    if (*n == 0) break;  // nothing more waiting
    last_activity_us_ = g_get_monotonic_time();
    if (close_after_flush_) continue;  // draining: a refused client's further input is ignored
    Status s = session_.feed(std::span<const uint8_t>(buffer.data(), *n));
    if (!s) {
      flush();  // a last error reply, if the session produced one
      close("protocol error: " + s.error());
      return;
    }
    if (session_.publishing()) break;  // what follows is the pool's to read
    if (*n < buffer.size()) break;  // drained the socket
  }
  after_io();
  maybe_enter_pool();
}

void Connection::maybe_enter_pool() {
  if (closed_ || close_after_flush_ || !session_.publishing() || session_.should_close() || session_.has_output() ||
      write_source_)
    return;
  std::lock_guard lock(state_mutex_);
  if (watch_key_) return;
  if (read_source_) {
    g_source_destroy(read_source_);  // on_readable sees it gone and lets GLib drop it
    g_source_unref(read_source_);
    read_source_ = nullptr;
  }
  watch_key_ = pool_.watch(g_socket_get_fd(socket_), shared_from_this());
  if (!watch_key_) read_on_main();  // epoll refused it: the main loop keeps reading
}

void Connection::ready() {
  {
    std::lock_guard lock(state_mutex_);
    if (closed_ || !watch_key_) return;
    in_worker_ = true;
  }
  std::string error;
  bool flush_first = false;
  on_worker_ = true;
  try {
    read_on_worker(error, flush_first);
  } catch (const std::exception& e) {
    error = std::string("internal error: ") + e.what();
  }
  on_worker_ = false;
  const bool back = !error.empty() || !session_.publishing() || session_.should_close() || session_.has_output();
  std::lock_guard lock(state_mutex_);
  in_worker_ = false;
  if (!back && requested_close_.empty() && requested_terminate_.empty()) return;  // the pool watches it again
  pool_.unwatch(watch_key_);
  watch_key_ = 0;
  run_on_main([self = shared_from_this(), error, flush_first] { self->back_on_main(error, flush_first); });
}

void Connection::read_on_worker(std::string& error, bool& flush_first) {
  std::vector<uint8_t>& buffer = read_buffer();
  for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
    auto n = receive_some(socket_, buffer);
    if (!n) {
      error = n.error();
      return;
    }
    if (*n == 0) break;  // nothing more waiting
    last_activity_us_ = g_get_monotonic_time();
    Status s = session_.feed(std::span<const uint8_t>(buffer.data(), *n));
    if (!s) {
      error = "protocol error: " + s.error();
      flush_first = true;
      return;
    }
    if (!session_.publishing() || session_.should_close()) return;  // the main loop takes over
    if (*n < buffer.size()) break;  // drained the socket
  }
  // Acknowledgements and the like: written here if the socket takes them, else by the main loop.
  while (session_.has_output()) {
    auto out = session_.pending_output();
    GError* err = nullptr;
    gssize n = g_socket_send_with_blocking(socket_, reinterpret_cast<const gchar*>(out.data()), out.size(), FALSE,
                                           nullptr, &err);
    if (n < 0) {
      g_error_free(err);  // would block, or failed: the main loop's flush() finds out which
      return;
    }
    session_.consume_output(static_cast<size_t>(n));
  }
}

void Connection::back_on_main(const std::string& error, bool flush_first) {
  if (closed_) return;
  if (server_gone_) {  // shutting down: no more calls into the server
    closed_ = true;
    release_io();
    return;
  }
  if (!error.empty()) {
    if (flush_first) flush();
    close(error);
    return;
  }
  std::string close_reason, terminate_reason;
  {
    std::lock_guard lock(state_mutex_);
    close_reason.swap(requested_close_);
    terminate_reason.swap(requested_terminate_);
  }
  if (!close_reason.empty()) {
    close(close_reason);
    return;
  }
  read_on_main();
  if (!terminate_reason.empty()) session_.terminate(terminate_reason);
  after_io();
  maybe_enter_pool();
}

bool Connection::call_on_main(std::function<void()> fn) {
  auto call = std::make_shared<MainCall>();
  call->fn = std::move(fn);
  run_on_main([call] {
    {
      std::lock_guard lock(call->mutex);
      if (call->cancelled) return;
      call->running = true;
    }
    try {
      call->fn();
    } catch (const std::exception& e) {
      g_warning("rtmp: %s", e.what());
    }
    {
      std::lock_guard lock(call->mutex);
      call->done = true;
    }
    call->cv.notify_all();
  });
  std::unique_lock lock(call->mutex);
  while (!call->done) {
    call->cv.wait_for(lock, std::chrono::milliseconds(50));
    if (!call->done && !call->running && server_gone_) {
      call->cancelled = true;
      return false;
    }
  }
  return true;
}

void Connection::after_io() {
  if (closed_) return;
  if (!flush()) return;
  if (session_.should_close()) {
    close_after_flush_ = true;
    if (!session_.has_output()) close(session_.close_reason().empty() ? "closed" : session_.close_reason());
  }
}

bool Connection::flush() {
  while (session_.has_output()) {
    auto out = session_.pending_output();
    GError* err = nullptr;
    gssize n = g_socket_send_with_blocking(socket_, reinterpret_cast<const gchar*>(out.data()), out.size(), FALSE,
                                           nullptr, &err);
    if (n < 0) {
      if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        g_error_free(err);
        if (out.size() > static_cast<size_t>(server_.settings().max_output_bytes)) {
          close("the client stopped reading its replies");
          return false;
        }
        if (!write_source_) {
          write_source_ = g_socket_create_source(socket_, G_IO_OUT, nullptr);
          g_source_set_callback(write_source_, reinterpret_cast<GSourceFunc>(+[](GSocket* s, GIOCondition c, gpointer d) {
                                  return on_writable(s, c, d);
                                }),
                                this, nullptr);
          g_source_attach(write_source_, nullptr);
        }
        return true;
      }
      std::string why = std::string("write error: ") + err->message;
      g_error_free(err);
      close(why);
      return false;
    }
    session_.consume_output(static_cast<size_t>(n));
  }
  return true;
}

void Connection::terminate(const std::string& reason) {
  if (closed_) return;
  {
    std::lock_guard media(media_mutex_);
    stop_media_ = true;  // nothing more of this publisher reaches the stream
  }
  {
    std::lock_guard lock(state_mutex_);
    if (watch_key_) {
      if (in_worker_) {  // when the worker comes out
        if (requested_terminate_.empty()) requested_terminate_ = reason;
        return;
      }
      pool_.unwatch(watch_key_);
      watch_key_ = 0;
    }
  }
  read_on_main();
  session_.terminate(reason);
  after_io();
}

void Connection::close(const std::string& reason) {
  if (closed_) return;
  {
    std::lock_guard lock(state_mutex_);
    if (watch_key_) {
      if (in_worker_) {  // when the worker comes out
        if (requested_close_.empty()) requested_close_ = reason;
        std::lock_guard media(media_mutex_);
        stop_media_ = true;
        return;
      }
      pool_.unwatch(watch_key_);
      watch_key_ = 0;
    }
  }
  closed_ = true;
  release_io();
  session_.notify_disconnected();  // ends a running publish (on_unpublish) exactly once
  g_message("connection from %s closed: %s", remote_.c_str(), reason.c_str());
  server_.connection_closed(id_);
}

// Session callbacks: on the main loop, or (once the pool reads the socket) on the worker.

PublishVerdict Connection::on_publish(const PublishRequest& request) {
  if (!on_worker_) return server_.authorize_publish(*this, request);
  PublishVerdict verdict = PublishVerdict::refuse("the server is shutting down");
  call_on_main([&] { verdict = server_.authorize_publish(*this, request); });
  if (verdict.accepted) {
    std::lock_guard media(media_mutex_);
    stop_media_ = false;
  }
  return verdict;
}

PublishVerdict Connection::on_codec(const CodecInfo& codec) {
  if (codec.is_h264() || codec.is_aac()) {
    server_.codec_seen(*this, codec);  // the registry's, callable from the worker
    return PublishVerdict::accept();
  }
  return PublishVerdict::refuse("KEK accepts H.264 video and AAC audio; this stream sends " + codec.describe() +
                                    ": set the encoder to H.264/AAC",
                                "NetStream.Publish.Failed");
}

void Connection::on_metadata(const MetadataMessage& metadata) {
  if (!on_worker_) {
    server_.metadata(*this, metadata);
    return;
  }
  std::optional<Server::Tracks> tracks;
  {
    std::lock_guard media(media_mutex_);
    if (stop_media_) return;
    tracks = server_.store_metadata(*this, metadata);
  }
  if (tracks) call_on_main([&] { server_.tracks_seen(*this, *tracks); });
}

void Connection::on_media(MediaKind kind, uint32_t timestamp_ms, std::span<const uint8_t> payload) {
  bool& reported = reported_[kind == MediaKind::audio ? 0 : 1];
  if (!on_worker_) {
    reported = true;
    server_.media(*this, kind, timestamp_ms, payload);
    return;
  }
  {
    std::lock_guard media(media_mutex_);
    if (stop_media_) return;
    server_.store_media(*this, kind, timestamp_ms, payload);
  }
  if (!reported) {  // the first of its kind: the server decides whether the pipeline starts now
    reported = true;
    call_on_main([&] { server_.media_arrived(*this, kind); });
  }
}

void Connection::on_unpublish() {
  if (!on_worker_) {
    server_.publish_ended(*this);
    return;
  }
  call_on_main([&] { server_.publish_ended(*this); });
}

void Connection::on_warning(std::string_view message) {
  g_debug("connection from %s: %.*s", remote_.c_str(), static_cast<int>(message.size()), message.data());
}

}  // namespace kek::rtmp
