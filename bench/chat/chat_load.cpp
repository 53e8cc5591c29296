// Chat load generator for bench/chat.sh: N receivers and S senders on WebSockets in one thread
// over epoll, with the few parts of RFC 6455 a chat client needs written out (the upgrade, text
// frames in both directions, ping/pong, close). Each sender sends its share of RATE messages a
// second, each carrying its send time (CLOCK_MONOTONIC, shared by the processes on this
// machine); every receiver notes how long each message took to reach it.
//
// It is kept cheap on purpose, since it shares the cores with the server it measures: one read
// per readable socket takes every frame that arrived, no allocation per frame, no GLib signal
// per frame. It reports its own CPU over the measuring window (cpu_pct, % of one core), so the
// report can show that the server, not the client, is what was measured.
//
//   chat-load --url ws://127.0.0.1:PORT/api/chat/STREAM --receivers 500 --rate 50 --seconds 20
//             [--cookies FILE (one kek_session per line: the senders)] [--frame kek|raw] [--dump FILE]
//             [--warmup S] [--begin-at-us T (CLOCK_MONOTONIC us: start sending then)]
//
// Prints one line of key=value results. With --dump, writes "W start end" (its window), "S at"
// (each send) and "R sent_at latency" (each receipt) for bench/chat.sh to merge several runs.
//
// --frame kek sends {"type":"send","text":"..."}; raw sends the text as is (the reference server).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

int64_t now_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

struct Options {
  std::string url;
  int receivers = 500;
  int rate = 50;
  int seconds = 20;
  int warmup = 3;
  std::string cookies_file;
  bool kek_frames = true;
  std::string dump;
  int64_t begin_at_us = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--url") o.url = v;
    else if (k == "--receivers") o.receivers = std::atoi(v.c_str());
    else if (k == "--rate") o.rate = std::atoi(v.c_str());
    else if (k == "--seconds") o.seconds = std::atoi(v.c_str());
    else if (k == "--warmup") o.warmup = std::atoi(v.c_str());
    else if (k == "--cookies") o.cookies_file = v;
    else if (k == "--frame") o.kek_frames = v == "kek";
    else if (k == "--dump") o.dump = v;
    else if (k == "--begin-at-us") o.begin_at_us = std::strtoll(v.c_str(), nullptr, 10);
  }
  return o;
}

struct Url {
  std::string host, port, path;
};

bool parse_url(const std::string& url, Url& out) {
  constexpr std::string_view scheme = "ws://";
  if (url.rfind(scheme, 0) != 0) return false;
  const std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos) return false;
  out.host = authority.substr(0, colon);
  out.port = authority.substr(colon + 1);
  return !out.host.empty() && !out.port.empty();
}

// One file descriptor, closed when it goes.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

struct Client {
  enum class State { connecting, upgrading, open, closed };
  Fd fd;
  State state = State::connecting;
  bool sender = false;
  std::string cookie;
  std::string in;       // bytes read and not yet parsed (at most one partial frame, usually)
  std::string message;  // a fragmented message being put together
  std::string out;      // bytes not yet written
  bool want_write = false;
};

struct Stats {
  int connected = 0;
  int failed = 0;
  int64_t sent = 0;
  int64_t refused = 0;
  int64_t delivered = 0;
  std::vector<int64_t> latencies_us;
  std::vector<std::pair<int64_t, int64_t>> received;
  std::vector<int64_t> sent_at;
};

class Load {
 public:
  Load(Options options, Url url, std::vector<std::string> cookies)
      : options_(std::move(options)), url_(std::move(url)), cookies_(std::move(cookies)), epoll_(epoll_create1(EPOLL_CLOEXEC)) {}

  bool resolve() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(url_.host.c_str(), url_.port.c_str(), &hints, &res) != 0 || !res) return false;
    std::memcpy(&addr_, res->ai_addr, res->ai_addrlen);
    addr_len_ = res->ai_addrlen;
    family_ = res->ai_family;
    freeaddrinfo(res);
    return true;
  }

  int run() {
    const int senders = cookies_.empty() ? std::max(1, options_.rate / 2) : static_cast<int>(cookies_.size());
    const int total = options_.receivers + senders;
    for (int i = 0; i < total; ++i) {
      auto c = std::make_unique<Client>();
      c->sender = i >= options_.receivers;
      if (c->sender && !cookies_.empty()) c->cookie = cookies_[static_cast<size_t>(i - options_.receivers)];
      clients_.push_back(std::move(c));
    }
    // A few dozen at a time, as people arrive, rather than a SYN flood.
    constexpr int kBatch = 25;
    const int64_t connect_deadline = now_us() + 60 * 1000000LL;
    size_t next = 0;
    while (stats_.connected + stats_.failed < total && now_us() < connect_deadline) {
      while (next < clients_.size() && static_cast<int>(next) - stats_.connected - stats_.failed < kBatch) start_connect(*clients_[next++]);
      poll(50);
    }
    std::fprintf(stderr, "chat-load: %d connected, %d failed\n", stats_.connected, stats_.failed);
    for (auto& c : clients_)
      if (c->sender && c->state == Client::State::open) senders_.push_back(c.get());

    while (options_.begin_at_us > 0 && now_us() < options_.begin_at_us) poll(static_cast<int>((options_.begin_at_us - now_us()) / 1000) + 1);
    const int64_t origin = now_us();
    const int64_t start = origin + options_.warmup * 1000000LL;
    const int64_t end = start + options_.seconds * 1000000LL;
    window_start_ = start;
    window_end_ = end;
    int64_t cpu_start = -1;
    int64_t issued = 0;
    for (int64_t now = now_us(); now < end; now = now_us()) {
      if (cpu_start < 0 && now >= start) cpu_start = cpu_us();
      // Whatever should have gone out by now goes out (the rate holds whatever the wake-ups).
      const int64_t due = (now - origin) * options_.rate / 1000000 + 1;
      while (issued < due) {
        send_one(now, now >= start);
        ++issued;
      }
      const int64_t next_due = origin + (issued * 1000000 + options_.rate - 1) / std::max(1, options_.rate);
      poll(static_cast<int>(std::clamp<int64_t>((std::min(next_due, end) - now_us() + 999) / 1000, 0, 1000)));
    }
    if (cpu_start < 0) cpu_start = cpu_us();
    const int64_t cpu_used = cpu_us() - cpu_start;
    const int64_t measured_end = now_us();
    // Sends after the window are not counted, their deliveries neither; late deliveries of the
    // window's messages still are.
    for (const int64_t drain_end = now_us() + 2000000; now_us() < drain_end;) poll(100);

    const double elapsed = static_cast<double>(end - start) / 1e6;
    const int64_t expected = stats_.sent * total;
    std::printf("clients=%d connected=%d sent=%lld rate=%.1f expected=%lld delivered=%lld refused=%lld "
                "p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f load_cpu_pct=%.1f\n",
                total, stats_.connected, static_cast<long long>(stats_.sent), static_cast<double>(stats_.sent) / elapsed,
                static_cast<long long>(expected), static_cast<long long>(stats_.delivered), static_cast<long long>(stats_.refused),
                percentile(0.50) / 1000.0, percentile(0.95) / 1000.0, percentile(0.99) / 1000.0,
                stats_.latencies_us.empty() ? 0.0 : *std::max_element(stats_.latencies_us.begin(), stats_.latencies_us.end()) / 1000.0,
                100.0 * static_cast<double>(cpu_used) / static_cast<double>(std::max<int64_t>(1, measured_end - start)));
    if (!options_.dump.empty()) {
      std::ofstream out(options_.dump);
      out << "W " << window_start_ << ' ' << window_end_ << '\n';
      for (int64_t at : stats_.sent_at) out << "S " << at << '\n';
      for (const auto& [at, latency] : stats_.received) out << "R " << at << ' ' << latency << '\n';
    }
    return stats_.connected == total ? 0 : 1;
  }

 private:
  void fail(Client& c) {
    if (c.state == Client::State::connecting || c.state == Client::State::upgrading) {
      ++stats_.failed;
      if (stats_.failed <= 3) std::fprintf(stderr, "chat-load: connect failed: %s\n", std::strerror(errno));
    }
    c.state = Client::State::closed;
    c.fd.reset();
  }

  void start_connect(Client& c) {
    c.fd = Fd(socket(family_, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (c.fd.get() < 0) return fail(c);
    const int one = 1;
    setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c.fd.get(), reinterpret_cast<const sockaddr*>(&addr_), addr_len_) < 0 && errno != EINPROGRESS) return fail(c);
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.ptr = &c;
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd.get(), &ev);
    c.want_write = true;
  }

  void set_write_interest(Client& c, bool on) {
    if (c.want_write == on || c.fd.get() < 0) return;
    c.want_write = on;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.ptr = &c;
    epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
  }

  void poll(int timeout_ms) {
    epoll_event events[512];
    const int n = epoll_wait(epoll_.get(), events, 512, std::max(0, timeout_ms));
    for (int i = 0; i < n; ++i) {
      auto& c = *static_cast<Client*>(events[i].data.ptr);
      if (c.state == Client::State::closed) continue;
      if (events[i].events & EPOLLOUT) on_writable(c);
      if (c.state != Client::State::closed && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(c);
    }
  }

  void on_writable(Client& c) {
    if (c.state == Client::State::connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        errno = err;
        return fail(c);
      }
      c.state = Client::State::upgrading;
      c.out = "GET " + url_.path + " HTTP/1.1\r\nHost: " + url_.host + ":" + url_.port +
              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              "Sec-WebSocket-Version: 13\r\n" +
              (c.cookie.empty() ? std::string() : "Cookie: kek_session=" + c.cookie + "\r\n") + "\r\n";
    }
    flush(c);
  }

  void flush(Client& c) {
    while (!c.out.empty()) {
      const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        return fail(c);
      }
      c.out.erase(0, static_cast<size_t>(n));
    }
    set_write_interest(c, !c.out.empty());
  }

  void on_readable(Client& c) {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        if (static_cast<size_t>(n) < sizeof buf) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return fail(c);  // closed by the server, or an error
    }
    if (c.state == Client::State::upgrading) {
      const size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      if (c.in.rfind("HTTP/1.1 101", 0) != 0) {
        std::fprintf(stderr, "chat-load: upgrade refused: %.80s\n", c.in.c_str());
        errno = ECONNREFUSED;
        return fail(c);
      }
      c.in.erase(0, end + 4);
      c.state = Client::State::open;
      ++stats_.connected;
    }
    parse_frames(c);
  }

  void parse_frames(Client& c) {
    size_t at = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(c.in.data());
    const size_t size = c.in.size();
    while (size - at >= 2) {
      const bool fin = p[at] & 0x80;
      const int opcode = p[at] & 0x0f;
      const bool masked = p[at + 1] & 0x80;
      uint64_t len = p[at + 1] & 0x7f;
      size_t header = 2;
      if (len == 126) {
        if (size - at < 4) break;
        len = (uint64_t{p[at + 2]} << 8) | p[at + 3];
        header = 4;
      } else if (len == 127) {
        if (size - at < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | p[at + 2 + i];
        header = 10;
      }
      if (masked) header += 4;  // a server never masks; skip it all the same
      if (size - at < header + len) break;
      std::string_view payload(c.in.data() + at + header, static_cast<size_t>(len));
      at += header + static_cast<size_t>(len);
      if (opcode == 0x9) {  // ping: the same payload back
        queue_frame(c, 0xA, payload);
      } else if (opcode == 0x8) {  // close: answer it and go
        queue_frame(c, 0x8, payload.substr(0, std::min<size_t>(payload.size(), 2)));
        c.state = Client::State::closed;
        c.fd.reset();
        return;
      } else if (opcode == 0x1 || opcode == 0x0) {
        if (fin && c.message.empty()) {
          on_text(payload);
        } else {
          c.message.append(payload);
          if (fin) {
            on_text(c.message);
            c.message.clear();
          }
        }
      }
    }
    c.in.erase(0, at);
  }

  // A frame may carry several messages (KEK's "messages" when its clients fell behind): each
  // "t=" in it is one delivery. A history replay is no delivery.
  void on_text(std::string_view frame) {
    if (frame.find("\"type\":\"error\"") != std::string_view::npos) {
      ++stats_.refused;
      return;
    }
    if (frame.rfind(R"({"type":"history")", 0) == 0) return;
    const int64_t now = now_us();
    for (size_t at = frame.find("t="); at != std::string_view::npos; at = frame.find("t=", at + 2)) {
      int64_t sent_us = 0;
      for (size_t i = at + 2; i < frame.size() && frame[i] >= '0' && frame[i] <= '9'; ++i) sent_us = sent_us * 10 + (frame[i] - '0');
      if (sent_us <= 0) continue;
      const int64_t latency = now - sent_us;
      if (!options_.dump.empty()) stats_.received.emplace_back(sent_us, latency);
      if (sent_us < window_start_ || sent_us >= window_end_) continue;
      ++stats_.delivered;
      stats_.latencies_us.push_back(latency);
    }
  }

  // A client's frames are masked (RFC 6455 5.3).
  void queue_frame(Client& c, int opcode, std::string_view payload) {
    std::string& out = c.out;
    out.push_back(static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
      out.push_back(static_cast<char>(0x80 | payload.size()));
    } else {
      out.push_back(static_cast<char>(0x80 | 126));
      out.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
      out.push_back(static_cast<char>(payload.size() & 0xff));
    }
    const uint32_t key = static_cast<uint32_t>(rng_());
    char mask[4];
    std::memcpy(mask, &key, 4);
    out.append(mask, 4);
    for (size_t i = 0; i < payload.size(); ++i) out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    if (c.state != Client::State::closed) flush(c);
  }

  void send_one(int64_t now, bool measured) {
    if (senders_.empty()) return;
    Client& c = *senders_[static_cast<size_t>(next_sender_++) % senders_.size()];
    if (c.state != Client::State::open) return;
    char text[160];
    std::snprintf(text, sizeof text, "t=%lld a chat line of ordinary length, with some words in it", static_cast<long long>(now));
    if (!options_.dump.empty()) stats_.sent_at.push_back(now);
    const std::string frame = options_.kek_frames ? std::string("{\"type\":\"send\",\"text\":\"") + text + "\"}" : std::string(text);
    queue_frame(c, 0x1, frame);
    if (measured) ++stats_.sent;
  }

  int64_t percentile(double p) {
    auto& v = stats_.latencies_us;
    if (v.empty()) return 0;
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())) - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return v[i];
  }

  Options options_;
  Url url_;
  std::vector<std::string> cookies_;
  Fd epoll_;
  sockaddr_storage addr_{};
  socklen_t addr_len_ = 0;
  int family_ = AF_INET;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<Client*> senders_;
  Stats stats_;
  int64_t next_sender_ = 0;
  int64_t window_start_ = 0;
  int64_t window_end_ = 0;
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  Url url;
  if (options.url.empty() || !parse_url(options.url, url)) {
    std::fprintf(stderr, "usage: chat-load --url ws://HOST:PORT/PATH [--receivers N] [--rate M] [--seconds S] [--cookies FILE] [--frame kek|raw]\n");
    return 2;
  }
  std::vector<std::string> cookies;
  if (!options.cookies_file.empty()) {
    std::ifstream in(options.cookies_file);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) cookies.push_back(line);
  }
  Load load(std::move(options), std::move(url), std::move(cookies));
  if (!load.resolve()) {
    std::fprintf(stderr, "chat-load: cannot resolve the server's address\n");
    return 2;
  }
  return load.run();
}
