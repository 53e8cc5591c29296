#define G_LOG_DOMAIN "kek-srt"
#include "listener.h"

#include "stream_id.h"
#include "ts_remux.h"

#include <kek/worker.h>

#include <srt/access_control.h>
#include <srt/srt.h>

#include <arpa/inet.h>
#include <syslog.h>
#include <netinet/in.h>

#include <chrono>
#include <condition_variable>

namespace kek::srt {

namespace {

constexpr int kEpollWaitMs = 100;           // how soon the thread sees stop() and the server's closes
constexpr int kAuthorizeWaitMs = 2500;      // the main loop's answer, within SRT's 3 s connect timeout
constexpr int64_t kAcceptWithinUs = 10 * G_USEC_PER_SEC;  // an admitted caller that never completes
constexpr size_t kReadChunk = 64 * 1316;    // one push to the demuxer per wakeup, at most this
constexpr int kMaxPayload = 1500;

std::string address_of(const struct sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = "";
  if (!sa) return "?";
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "?";
}

struct Item {
  bool is_tracks = false;
  LiveTracks tracks;
  LiveMediaKind kind = LiveMediaKind::video;
  uint32_t timestamp_ms = 0;
  std::vector<uint8_t> body;
};

}  // namespace

struct Listener::Connection {
  int socket = -1;
  std::string remote;
  std::string key;
  std::string stream;        // the public name, once admitted
  int64_t admitted_at_us = 0;
  std::unique_ptr<LivePublish> publish;  // main loop only
  std::unique_ptr<TsRemux> remux;        // SRT thread only
  std::mutex mutex;                      // guards queue and scheduled
  std::vector<Item> queue;
  bool scheduled = false;

  // Remuxer output, from the SRT thread: to the main loop in batches (one wakeup per batch).
  static void enqueue(const std::shared_ptr<Connection>& self, Item item) {
    bool schedule = false;
    {
      std::lock_guard lock(self->mutex);
      self->queue.push_back(std::move(item));
      schedule = !self->scheduled;
      self->scheduled = true;
    }
    if (schedule) kek::run_on_main([self] { self->deliver(); });
  }
  void deliver() {  // main loop
    std::vector<Item> items;
    {
      std::lock_guard lock(mutex);
      items.swap(queue);
      scheduled = false;
    }
    for (auto& item : items) {
      if (!publish) break;
      if (item.is_tracks) publish->describe(item.tracks);
      else publish->media(item.kind, item.timestamp_ms, item.body);
    }
  }
};

Listener::~Listener() { stop(); }

kek::Status Listener::listen() {
  if (srt_startup() < 0) return kek::Error{"srt: libsrt did not start", 500};
  srt_setloglevel(LOG_ERR);  // a rejected caller is our own log line, not libsrt's warnings
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(settings_.address.c_str());
  if (!inet) return kek::Error{"srt: address '" + settings_.address + "' is not an IP address", 400};
  sockaddr_storage storage{};
  socklen_t len = 0;
  {
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(inet, static_cast<guint16>(settings_.port));
    len = static_cast<socklen_t>(g_socket_address_get_native_size(addr));
    g_socket_address_to_native(addr, &storage, sizeof storage, nullptr);
  }
  listener_ = srt_create_socket();
  if (listener_ == SRT_INVALID_SOCK) return kek::Error{std::string("srt: ") + srt_getlasterror_str(), 500};
  const int no = 0;
  const int latency = settings_.latency_ms;
  const linger no_linger{0, 0};
  srt_setsockflag(listener_, SRTO_RCVSYN, &no, sizeof no);  // accept and read without blocking
  srt_setsockflag(listener_, SRTO_RCVLATENCY, &latency, sizeof latency);
  srt_setsockflag(listener_, SRTO_LINGER, &no_linger, sizeof no_linger);
  const std::string where = settings_.address + ":" + std::to_string(settings_.port);
  if (srt_bind(listener_, reinterpret_cast<sockaddr*>(&storage), static_cast<int>(len)) == SRT_ERROR) {
    kek::Error e{"srt: cannot listen on " + where + ": " + srt_getlasterror_str(), 500};
    srt_close(listener_);
    listener_ = -1;
    return e;
  }
  srt_listen_callback(listener_, reinterpret_cast<srt_listen_callback_fn*>(&Listener::on_listen), this);
  if (srt_listen(listener_, 64) == SRT_ERROR) {
    kek::Error e{"srt: cannot listen on " + where + ": " + srt_getlasterror_str(), 500};
    srt_close(listener_);
    listener_ = -1;
    return e;
  }
  sockaddr_storage bound{};
  int bound_len = sizeof bound;
  srt_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  epoll_ = srt_epoll_create();
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  srt_epoll_add_usock(epoll_, listener_, &events);
  thread_ = std::thread([this] { run(); });
  host_.announce("srt", "srt://" + settings_.address + ":" + std::to_string(port_));
  g_message("SRT listening on %s:%d (streamid \"#!::r=%s/KEY,m=publish\" or the key)", settings_.address.c_str(),
            port_, settings_.app.c_str());
  return {};
}

void Listener::stop() {
  if (listener_ < 0) return;
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  // The thread closed every connection; the publishes end here, on the main loop.
  std::map<int, std::shared_ptr<Connection>> admitted;
  {
    std::lock_guard lock(mutex_);
    admitted.swap(admitted_);
  }
  for (auto& [s, c] : admitted) c->publish.reset();
  for (auto& [s, c] : live_) c->publish.reset();
  live_.clear();
  srt_epoll_release(epoll_);
  srt_close(listener_);
  listener_ = epoll_ = -1;
  srt_cleanup();
}

int Listener::on_listen(void* self, int socket, int, const struct sockaddr* peer, const char* streamid) {
  return static_cast<Listener*>(self)->admit(socket, address_of(peer), streamid ? streamid : "");
}

// libsrt's thread, during the caller's handshake: 0 admits it, -1 rejects it (with a reason the
// caller sees, e.g. ffmpeg's "Connection setup failure: connection rejected").
int Listener::admit(int socket, const std::string& remote, const std::string& streamid) {
  auto parsed = parse_stream_id(streamid, settings_.app);
  if (auto* bad = std::get_if<StreamIdError>(&parsed)) {
    g_message("SRT caller %s rejected: %s", remote.c_str(), bad->message.c_str());
    srt_setrejectreason(socket, SRT_REJX_BAD_REQUEST);
    return -1;
  }
  const StreamIdRequest& request = std::get<StreamIdRequest>(parsed);
  if (request.mode != "publish") {
    g_message("SRT caller %s rejected: only publishing (m=publish) is offered, not m=%s", remote.c_str(),
              request.mode.c_str());
    srt_setrejectreason(socket, SRT_REJX_BAD_MODE);
    return -1;
  }
  {
    std::lock_guard lock(mutex_);
    if (static_cast<int>(admitted_.size() + open_count_) >= settings_.max_connections) {
      g_warning("SRT caller %s rejected: %d connections already open (max_connections)", remote.c_str(),
                settings_.max_connections);
      srt_setrejectreason(socket, SRT_REJX_OVERLOAD);
      return -1;
    }
  }
  auto c = std::make_shared<Connection>();
  c->socket = socket;
  c->remote = remote;
  c->key = request.key;

  // The authorizer lives on the main loop (it reads the database): ask there and wait, bounded.
  struct Answer {
    std::mutex m;
    std::condition_variable cv;
    bool done = false, allowed = false, abandoned = false;
    int reject = SRT_REJX_FORBIDDEN;
    std::string reason;
  };
  auto answer = std::make_shared<Answer>();
  kek::run_on_main([this, c, answer, app = request.app] {
    bool allowed = false;
    int reject = SRT_REJX_FORBIDDEN;
    std::string reason;
    if (auto* ingest = host_.services().get<kek::LiveIngest>()) {
      const int s = c->socket;
      auto published = ingest->publish({app, c->key, c->remote, "SRT"}, [this, s](const std::string& why) {
        g_message("SRT publisher %d: %s", s, why.c_str());
        std::lock_guard lock(mutex_);
        closing_.push_back(s);
      });
      if (published) {
        allowed = true;
        c->publish = std::move(*published);
        c->stream = c->publish->stream();
      } else {
        reason = published.error().message;
        if (published.error().code == 404) reject = SRT_REJX_NOTFOUND;
      }
    } else {
      reason = "live ingest is not available (the rtmp plugin is not loaded)";
      reject = SRT_REJX_UNIMPLEMENTED;
    }
    std::lock_guard lock(answer->m);
    if (answer->abandoned) {
      c->publish.reset();  // the caller was already told no
      return;
    }
    answer->done = true;
    answer->allowed = allowed;
    answer->reject = reject;
    answer->reason = reason;
    if (allowed) {
      c->admitted_at_us = g_get_monotonic_time();
      live_[c->socket] = c;
      std::lock_guard admitted(mutex_);
      admitted_[c->socket] = c;
    }
    answer->cv.notify_one();
  });
  std::unique_lock lock(answer->m);
  if (!answer->cv.wait_for(lock, std::chrono::milliseconds(kAuthorizeWaitMs), [&] { return answer->done; })) {
    answer->abandoned = true;
    g_warning("SRT caller %s rejected: the server did not answer in time", remote.c_str());
    srt_setrejectreason(socket, SRT_REJX_OVERLOAD);
    return -1;
  }
  if (!answer->allowed) {
    // Not even a part of the key: a refused guess may be a real key mistyped.
    g_message("SRT publish refused from %s: %s", remote.c_str(), answer->reason.c_str());
    srt_setrejectreason(socket, answer->reject);
    return -1;
  }
  return 0;
}

void Listener::run() {
  SRT_EPOLL_EVENT events[64];
  while (!stopping_) {
    const int n = srt_epoll_uwait(epoll_, events, 64, kEpollWaitMs);
    for (int i = 0; i < n; ++i) {
      if (events[i].fd == listener_) {
        accept_all();
        continue;
      }
      auto it = open_.find(events[i].fd);
      if (it == open_.end()) continue;
      std::shared_ptr<Connection> c = it->second;
      if (events[i].events & SRT_EPOLL_IN) read_from(*c);
      if ((events[i].events & SRT_EPOLL_ERR) || srt_getsockstate(c->socket) >= SRTS_BROKEN)
        drop(c, "the publisher disconnected");
    }
    std::vector<int> closing;
    {
      std::lock_guard lock(mutex_);
      closing.swap(closing_);
    }
    for (int s : closing) {
      if (auto it = open_.find(s); it != open_.end()) drop(it->second, "ended by the server");
    }
    expire_unaccepted();
  }
  while (!open_.empty()) drop(open_.begin()->second, "the server is shutting down");
}

void Listener::accept_all() {
  for (;;) {
    sockaddr_storage peer{};
    int len = sizeof peer;
    const SRTSOCKET s = srt_accept(listener_, reinterpret_cast<sockaddr*>(&peer), &len);
    if (s == SRT_INVALID_SOCK) return;
    std::shared_ptr<Connection> c;
    {
      std::lock_guard lock(mutex_);
      auto it = admitted_.find(s);
      if (it != admitted_.end()) {
        c = it->second;
        admitted_.erase(it);
        ++open_count_;
      }
    }
    if (!c) {  // not admitted by the listen callback: cannot happen, but never read it
      srt_close(s);
      continue;
    }
    open_[s] = c;
    std::weak_ptr<Connection> weak = c;
    c->remux = std::make_unique<TsRemux>(
        "srt-" + std::to_string(s),
        TsRemux::Callbacks{
            [weak](const LiveTracks& t) {
              if (auto self = weak.lock()) Connection::enqueue(self, Item{true, t, {}, 0, {}});
            },
            [weak](LiveMediaKind kind, uint32_t ts, std::vector<uint8_t> body) {
              if (auto self = weak.lock()) Connection::enqueue(self, Item{false, {}, kind, ts, std::move(body)});
            }});
    if (!c->remux->ok()) {
      drop(c, "srt: " + c->remux->error());
      continue;
    }
    const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    srt_epoll_add_usock(epoll_, s, &events);
    g_message("SRT publisher %s is live as stream '%s'", c->remote.c_str(), c->stream.c_str());
  }
}

void Listener::read_from(Connection& c) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, kReadChunk, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  size_t filled = 0;
  while (filled + kMaxPayload <= kReadChunk) {
    const int n = srt_recvmsg(c.socket, reinterpret_cast<char*>(map.data + filled), kMaxPayload);
    if (n <= 0) break;  // SRT_EASYNCRCV: nothing more now; a broken socket shows as ERR
    filled += static_cast<size_t>(n);
  }
  gst_buffer_unmap(buffer, &map);
  if (filled == 0) {
    gst_buffer_unref(buffer);
    return;
  }
  gst_buffer_set_size(buffer, static_cast<gssize>(filled));
  if (!c.remux->push(buffer)) {
    std::lock_guard lock(mutex_);
    closing_.push_back(c.socket);
    g_message("SRT publisher %s: %s", c.remote.c_str(), c.remux->error().c_str());
  }
}

void Listener::drop(std::shared_ptr<Connection> c, const std::string& why) {
  srt_epoll_remove_usock(epoll_, c->socket);
  srt_close(c->socket);
  c->remux.reset();  // no callback after this
  if (open_.erase(c->socket)) {
    std::lock_guard lock(mutex_);
    --open_count_;
  }
  g_message("SRT publisher %s (stream '%s') closed: %s", c->remote.c_str(), c->stream.c_str(), why.c_str());
  kek::run_on_main([this, c] { end(c); });
}

void Listener::expire_unaccepted() {
  const int64_t now = g_get_monotonic_time();
  std::vector<std::shared_ptr<Connection>> expired;
  {
    std::lock_guard lock(mutex_);
    for (auto it = admitted_.begin(); it != admitted_.end();) {
      if (now - it->second->admitted_at_us > kAcceptWithinUs) {
        expired.push_back(it->second);
        it = admitted_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : expired) kek::run_on_main([this, c] { end(c); });
}

void Listener::end(const std::shared_ptr<Connection>& c) {
  c->deliver();  // what the remuxer made before the end
  c->publish.reset();
  if (auto it = live_.find(c->socket); it != live_.end() && it->second == c) live_.erase(it);
}

}  // namespace kek::srt
