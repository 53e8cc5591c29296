// One publisher's TCP connection: non-blocking reads fed to the protocol Session, its replies
// written back as the socket allows. No thread per connection. Until a publish is accepted it
// is read on the GLib main loop (handshake, connect, the publish and its authorization); then
// its socket goes to the PushPool, and a pool worker reads it, parses the chunks and pushes the
// tags into the stream's pipeline on that worker. What the worker meets that concerns the
// server (metadata's tracks, a kind of media seen first, unpublish, a new publish) it runs on
// the main loop and waits for; an error, a close or anything to write that does not fit in the
// socket hands the connection back to the main loop. The main loop's own requests (close,
// terminate: idle checks, take-over, shutdown) never wait for a worker: they take effect at
// once when no worker is inside, else when the worker comes out.
#pragma once

#include "publisher.h"
#include "push_pool.h"
#include "session.h"

#include <gio/gio.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace kek::rtmp {

class Server;

class StreamRegistry;

class Connection : public SessionCallbacks,
                   public Publisher,
                   public PushPool::Watch,
                   public std::enable_shared_from_this<Connection> {
 public:
  // Made with std::make_shared (the pool holds it while it watches the socket).
  Connection(Server& server, PushPool& pool, uint64_t id, GSocketConnection* connection, SessionConfig config,
             std::string address_key);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // The server ends it (take-over, shutdown): the client is told why, then the socket closes.
  void terminate(const std::string& reason) override;
  // Closes at once (bad input, peer gone, idle). Safe to call more than once.
  void close(const std::string& reason);

  // PushPool::Watch: on a pool worker, the socket is readable.
  void ready() override;
  // The server is stopping: whatever comes back to the main loop later only closes the socket.
  void server_gone() { server_gone_ = true; }

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
  void read_on_main();          // (re)arms the main loop's read watch
  void maybe_enter_pool();      // main loop: publishing and nothing to write: the pool reads it now
  void read_on_worker(std::string& error, bool& flush_first);
  void back_on_main(const std::string& error, bool flush_first);
  // On the worker: runs fn on the main loop and waits for it. False if it never ran (the
  // server stopped meanwhile).
  bool call_on_main(std::function<void()> fn);

  Server& server_;
  PushPool& pool_;
  uint64_t id_;
  GSocketConnection* connection_;  // owned (ref)
  GSocket* socket_;                // borrowed from connection_
  Session session_;
  GSource* read_source_ = nullptr;
  GSource* write_source_ = nullptr;
  std::string remote_;
  std::string app_;
  std::string stream_;
  std::string address_key_;
  std::atomic<int64_t> last_activity_us_;
  int64_t accepted_us_;
  bool ever_published_ = false;
  std::atomic<bool> closed_{false};
  bool close_after_flush_ = false;
  std::atomic<bool> server_gone_{false};

  // Between the main loop and a pool worker.
  std::mutex state_mutex_;       // guards what follows
  uint64_t watch_key_ = 0;       // the pool reads the socket (0: the main loop does)
  bool in_worker_ = false;       // a worker is inside ready()
  std::string requested_close_;  // the main loop's requests, for when the worker comes out
  std::string requested_terminate_;
  // Held by the worker around what it gives the registry; the main loop's close/terminate take
  // it to stop media at once (a publisher taken over sends nothing more to the stream).
  std::mutex media_mutex_;
  bool stop_media_ = false;
  // Worker-only.
  bool on_worker_ = false;             // session callbacks now run on the worker
  bool reported_[2] = {false, false};  // audio, video: the server was told this kind arrived
};

}  // namespace kek::rtmp
