// One publisher's TCP connection on the GLib main loop: non-blocking reads fed to the protocol
// Session, its replies written back as the socket allows. No thread per connection.
#pragma once

#include "publisher.h"
#include "session.h"

#include <gio/gio.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kek::rtmp {

class Server;

class Connection : public SessionCallbacks, public Publisher {
 public:
  Connection(Server& server, uint64_t id, GSocketConnection* connection, SessionConfig config, std::string address_key);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // The server ends it (take-over, shutdown): the client is told why, then the socket closes.
  void terminate(const std::string& reason) override;
  // Closes at once (bad input, peer gone, idle). Safe to call more than once.
  void close(const std::string& reason);

  uint64_t id() const override { return id_; }
  bool closed() const { return closed_; }
  const std::string& remote() const override { return remote_; }
  // Who the per-address connection cap counts this connection against (IP, IPv6 /64).
  const std::string& address_key() const { return address_key_; }
  // How long it has been open without ever getting a publish accepted.
  int64_t unpublished_us(int64_t now) const { return ever_published_ ? 0 : now - accepted_us_; }
  const std::string& stream() const override { return stream_; }  // public name while publishing
  const std::string& app() const override { return app_; }
  // How long since the peer last sent anything. Bytes waiting in the socket count as sent: a
  // server that fell behind (a stalled main loop) has not read them yet, the peer is not idle.
  int64_t idle_us(int64_t now) const;
  void set_publishing(std::string app, std::string stream) override {
    if (!stream.empty()) ever_published_ = true;
    app_ = std::move(app);
    stream_ = std::move(stream);
  }
  // The per-address cap's key for a peer (kek::address_key: IPv4 address, IPv6 /64).
  static std::string address_key_of(GSocketConnection* connection);

  // SessionCallbacks
  PublishVerdict on_publish(const PublishRequest& request) override;
  PublishVerdict on_codec(const CodecInfo& codec) override;
  void on_metadata(const MetadataMessage& metadata) override;
  void on_media(MediaKind kind, uint32_t timestamp_ms, std::span<const uint8_t> payload) override;
  void on_unpublish() override;
  void on_warning(std::string_view message) override;

 private:
  static gboolean on_readable(GSocket* socket, GIOCondition condition, gpointer self);
  static gboolean on_writable(GSocket* socket, GIOCondition condition, gpointer self);
  void read_available();
  // Writes what the session has pending; arms the writable watch if the socket is full.
  bool flush();
  void after_io();
  void release_io();

  Server& server_;
  uint64_t id_;
  GSocketConnection* connection_;  // owned (ref)
  GSocket* socket_;                // borrowed from connection_
  Session session_;
  GSource* read_source_ = nullptr;
  GSource* write_source_ = nullptr;
  std::vector<uint8_t> read_buffer_;
  std::string remote_;
  std::string app_;
  std::string stream_;
  std::string address_key_;
  int64_t last_activity_us_;
  int64_t accepted_us_;
  bool ever_published_ = false;
  bool closed_ = false;
  bool close_after_flush_ = false;
};

}  // namespace kek::rtmp
