// KEK's SRT listener: one libsrt listening socket and one thread that waits on every
// connection at once (srt_epoll), reads their MPEG-TS and remuxes it (TsRemux) on that thread.
// A caller's streamid is checked in libsrt's listen callback, before its handshake completes:
// the stream key goes to kek::LiveIngest (the same authorizer as RTMP) on the main loop, and a
// refused caller is rejected with SRT_REJX_FORBIDDEN, so no byte of its media is ever read.
// What the remuxer makes goes to the stream's LivePublish on the main loop, in batches.
#pragma once

#include "settings.h"

#include <kek/host.h>
#include <kek/services/live_ingest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include <sys/socket.h>
#include <string>
#include <thread>
#include <vector>

namespace kek::srt {

class Listener {
 public:
  Listener(Host& host, Settings settings) : host_(host), settings_(std::move(settings)) {}
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  kek::Status listen();  // main loop, at start
  void stop();           // main loop; joins the thread
  int port() const { return port_; }

  struct Connection;  // one caller (shared between the SRT thread and the main loop)

 private:
  static int on_listen(void* self, int socket, int hsversion, const ::sockaddr* peer, const char* streamid);
  int admit(int socket, const std::string& remote, const std::string& streamid);  // libsrt's thread
  void run();                                  // the SRT thread
  void accept_all();                           // SRT thread
  void read_from(Connection& c);               // SRT thread
  void drop(std::shared_ptr<Connection> c, const std::string& why);  // SRT thread (by value: it leaves open_)
  void expire_unaccepted();                    // SRT thread
  void end(const std::shared_ptr<Connection>& c);  // main loop: the publish is over

  Host& host_;
  Settings settings_;
  int listener_ = -1;  // SRTSOCKET
  int epoll_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // guards admitted_ and closing_
  std::map<int, std::shared_ptr<Connection>> admitted_;  // authorized in the listen callback, not accepted yet
  std::vector<int> closing_;                             // ended by the server: closed by the SRT thread
  std::map<int, std::shared_ptr<Connection>> open_;      // SRT thread only
  size_t open_count_ = 0;                                // open_.size(), under mutex_ (for the callback)
  std::map<int, std::shared_ptr<Connection>> live_;      // main loop: publishes to end at stop()
};

}  // namespace kek::srt
