#define G_LOG_DOMAIN "kek-rtmp"
#include "connection.h"

#include "server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <kek/address_key.h>

#include <exception>

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
}  // namespace

std::string Connection::address_key_of(GSocketConnection* connection) {
  g_autoptr(GSocketAddress) addr = g_socket_connection_get_remote_address(connection, nullptr);
  if (!addr || !G_IS_INET_SOCKET_ADDRESS(addr)) return "unknown";
  return kek::address_key(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
}

Connection::Connection(Server& server, uint64_t id, GSocketConnection* connection, SessionConfig config,
                       std::string address_key)
    : server_(server),
      id_(id),
      connection_(G_SOCKET_CONNECTION(g_object_ref(connection))),
      socket_(g_socket_connection_get_socket(connection)),
      session_(*this, config),
      read_buffer_(kReadChunk),
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
  read_source_ = g_socket_create_source(socket_, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR), nullptr);
  g_source_set_callback(read_source_, reinterpret_cast<GSourceFunc>(+[](GSocket* s, GIOCondition c, gpointer d) {
                          return on_readable(s, c, d);
                        }),
                        this, nullptr);
  g_source_attach(read_source_, nullptr);
  g_debug("connection %lu from %s", static_cast<unsigned long>(id_), remote_.c_str());
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
  return self->closed_ ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

gboolean Connection::on_writable(GSocket*, GIOCondition, gpointer data) {
  auto* self = static_cast<Connection*>(data);
  g_source_unref(self->write_source_);
  self->write_source_ = nullptr;  // flush() arms a new one if needed
  try {
    self->after_io();
  } catch (const std::exception& e) {
    self->close(std::string("internal error: ") + e.what());
  }
  return G_SOURCE_REMOVE;
}

void Connection::read_available() {
  for (int i = 0; i < kMaxReadsPerWakeup && !closed_; ++i) {
    GError* err = nullptr;
    gssize n = g_socket_receive_with_blocking(socket_, reinterpret_cast<gchar*>(read_buffer_.data()),
                                              read_buffer_.size(), FALSE, nullptr, &err);
    if (n < 0) {
      if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        g_error_free(err);
        break;
      }
      std::string why = std::string("read error: ") + err->message;
      g_error_free(err);
      close(why);
      return;
    }
    if (n == 0) {
      close("peer closed the connection");
      return;
    }
    last_activity_us_ = g_get_monotonic_time();
    if (close_after_flush_) continue;  // draining: a refused client's further input is ignored
    Status s = session_.feed(std::span<const uint8_t>(read_buffer_.data(), static_cast<size_t>(n)));
    if (!s) {
      flush();  // a last error reply, if the session produced one
      close("protocol error: " + s.error());
      return;
    }
    if (static_cast<size_t>(n) < read_buffer_.size()) break;  // drained the socket
  }
  after_io();
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
  session_.terminate(reason);
  after_io();
}

void Connection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  release_io();
  session_.notify_disconnected();  // ends a running publish (on_unpublish) exactly once
  g_message("connection from %s closed: %s", remote_.c_str(), reason.c_str());
  server_.connection_closed(id_);
}

PublishVerdict Connection::on_publish(const PublishRequest& request) { return server_.authorize_publish(*this, request); }

PublishVerdict Connection::on_codec(const CodecInfo& codec) {
  if (codec.is_h264() || codec.is_aac()) {
    server_.codec_seen(*this, codec);
    return PublishVerdict::accept();
  }
  return PublishVerdict::refuse("KEK accepts H.264 video and AAC audio; this stream sends " + codec.describe() +
                                    ": set the encoder to H.264/AAC",
                                "NetStream.Publish.Failed");
}

void Connection::on_metadata(const MetadataMessage& metadata) { server_.metadata(*this, metadata); }

void Connection::on_media(MediaKind kind, uint32_t timestamp_ms, std::span<const uint8_t> payload) {
  server_.media(*this, kind, timestamp_ms, payload);
}

void Connection::on_unpublish() { server_.publish_ended(*this); }

void Connection::on_warning(std::string_view message) {
  g_debug("connection from %s: %.*s", remote_.c_str(), static_cast<int>(message.size()), message.data());
}

}  // namespace kek::rtmp
