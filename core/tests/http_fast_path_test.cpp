// The /media/ fast path (http/fast_path.h) over real loopback sockets: the same requests sent to
// a server with it and one without give the same bytes (Date aside), and the fast path did
// answer the ones it should. Then a cold or partly cached file, read on a reader thread while
// others are answered; and what it must not break: a trickled head, idle and per-address
// limits, a stalled reader beside another client. Each server runs its own
// main loop on a thread; the test is the client, with plain blocking sockets.
#include "http/fast_path.h"
#include "http/server.h"

#include "temp_dir.h"

#include <gtest/gtest.h>
#include <glib/gstdio.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace kek::core {
namespace {

using namespace std::chrono_literals;

void write_file(const std::string& path, const std::string& content) {
  ASSERT_TRUE(g_file_set_contents(path.c_str(), content.data(), static_cast<gssize>(content.size()), nullptr)) << path;
}

std::string pattern(size_t size, int seed) {
  std::string bytes(size, '\0');
  uint32_t x = 2463534242u + static_cast<uint32_t>(seed);
  for (auto& b : bytes) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<char>(x & 0xff);
  }
  return bytes;
}

// Drops a file's pages (of [offset, offset + length); length 0: to the end) from the page
// cache: reading them waits for the disk.
void make_cold(const std::string& path, off_t offset = 0, off_t length = 0) {
  const int fd = g_open(path.c_str(), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(fdatasync(fd), 0);
  EXPECT_EQ(posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED), 0);
  close(fd);
}

// Whether the page cache holds all of a file's bytes [offset, offset + length).
bool cached(const std::string& path, off_t offset, size_t length) {
  const int fd = g_open(path.c_str(), O_RDONLY, 0);
  const bool all = fd >= 0 && http::in_page_cache(fd, offset, length);
  if (fd >= 0) close(fd);
  return all;
}

// Reads a file through, so that the page cache holds it.
void make_warm(const std::string& path) {
  gchar* bytes = nullptr;
  EXPECT_TRUE(g_file_get_contents(path.c_str(), &bytes, nullptr, nullptr));
  g_free(bytes);
}

// An HttpServer on its own thread and main loop, with the test's guard and a count of the
// requests each path answered. on_disk_read: runs on a reader thread before each read that
// waits for the disk (HttpConfig::on_disk_read).
class ServerThread {
 public:
  ServerThread(const std::string& media_dir, bool fast, http::ConnectionLimits limits = {},
               std::function<void()> on_disk_read = {}) {
    std::promise<int> port;
    auto ready = port.get_future();
    thread_ = std::thread([&, fast, limits, on_disk_read] {
      GMainContext* context = g_main_context_new();
      g_main_context_push_thread_default(context);
      loop_ = g_main_loop_new(context, FALSE);
      {
        HttpConfig config;
        config.port = 0;
        config.media_dir = media_dir;
        config.webui_dir = media_dir;
        config.log_requests = false;
        config.connections = limits;
        config.media_fast_path = fast;
        config.on_disk_read = on_disk_read;
        auto server = HttpServer::create(config);
        // live/secret/ is private: a session cookie or a token opens it.
        server->guard("/media/live/secret/", [](const HttpRequest& r) -> std::optional<HttpResponse> {
          auto cookie = r.header("cookie");
          if ((cookie && *cookie == "session=ok") || r.query.count("token")) return std::nullopt;
          return HttpResponse::error(403, "media_private", "this media is private");
        });
        server->set_request_observer([this](const http::RequestRecord& r) {
          (r.fast_path ? fast_answers_ : libsoup_answers_)++;
          if (r.read_from_disk) ++read_from_disk_;
        });
        auto listening = server->listen();
        port.set_value(listening.ok() ? server->port() : -1);
        if (listening.ok()) g_main_loop_run(loop_);
        server.reset();
        while (g_main_context_iteration(context, FALSE)) {
        }
      }
      g_main_loop_unref(loop_);
      g_main_context_pop_thread_default(context);
      g_main_context_unref(context);
    });
    port_ = ready.get();
  }
  ~ServerThread() {
    if (port_ > 0) g_main_loop_quit(loop_);
    thread_.join();
  }
  int port() const { return port_; }
  int fast_answers() const { return fast_answers_; }
  int libsoup_answers() const { return libsoup_answers_; }
  // Fast-path answers whose bytes were read from the disk first, on a reader thread.
  int read_from_disk() const { return read_from_disk_; }
  // Waits (boundedly) for `n` answers in all: a count may trail the client by a moment.
  void wait_for_answers(int n) const {
    for (int i = 0; i < 400 && fast_answers_ + libsoup_answers_ < n; ++i) std::this_thread::sleep_for(5ms);
  }

 private:
  std::thread thread_;
  GMainLoop* loop_ = nullptr;
  int port_ = -1;
  std::atomic<int> fast_answers_{0};
  std::atomic<int> libsoup_answers_{0};
  std::atomic<int> read_from_disk_{0};
};

// A blocking client socket with a receive timeout.
class Client {
 public:
  // receive_buffer: a small window (set before connecting), for a client that reads slowly.
  explicit Client(int port, int timeout_s = 10, int receive_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (receive_buffer > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{timeout_s, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // One response; `head_only` for the answer to a HEAD. "" when the connection ended first.
  std::string read_response(bool head_only = false) {
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!fill()) return take(buffer_.size());
    const size_t head_end = buffer_.find("\r\n\r\n") + 4;
    size_t length = 0;
    const std::string head = buffer_.substr(0, head_end);
    if (size_t at = head.find("\r\nContent-Length: "); at != std::string::npos) length = std::stoul(head.substr(at + 18));
    if (head_only) length = 0;
    while (buffer_.size() < head_end + length)
      if (!fill()) break;
    return take(std::min(buffer_.size(), head_end + length));
  }
  // Everything until the server closes (or the timeout): true when it closed.
  bool read_to_end(std::string* got = nullptr) {
    while (fill()) {
    }
    if (got) *got += take(buffer_.size());
    return closed_;
  }
  bool closed() const { return closed_; }

 private:
  bool fill() {
    char chunk[65536];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  std::string take(size_t n) {
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
  }
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

// The Date field's value is the moment of the answer; everything else must be the same.
std::string without_date(std::string response) {
  size_t at = 0;
  while ((at = response.find("\r\nDate: ", at)) != std::string::npos) {
    const size_t end = response.find("\r\n", at + 2);
    response.replace(at + 8, end - at - 8, "-");
    at += 8;
  }
  return response;
}

struct Exchange {
  std::string name;
  std::vector<std::string> requests;  // sent one after the other, each answered before the next
  bool pipelined = false;             // all sent at once instead
  int fast = 0;                       // how many of them the fast path should answer
};

class HttpFastPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = root_dir_.path();
    media_ = root_ + "/media";
    ASSERT_EQ(g_mkdir_with_parents((media_ + "/live/pub").c_str(), 0755), 0);
    ASSERT_EQ(g_mkdir_with_parents((media_ + "/live/secret").c_str(), 0755), 0);
    write_file(root_ + "/kek.db", "TOP-SECRET");
    playlist_ = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n" + std::string(1100, '#') + "\n";
    segment_ = pattern(300 * 1024, 1);
    write_file(media_ + "/live/pub/index.m3u8", playlist_);
    write_file(media_ + "/live/pub/seg-1.ts", segment_);
    write_file(media_ + "/live/pub/empty.vtt", "");
    write_file(media_ + "/live/pub/a b.txt", "spaced");
    write_file(media_ + "/live/secret/index.m3u8", playlist_);
  }

  // The responses to one exchange, as read off the socket.
  static std::vector<std::string> run(int port, const Exchange& e) {
    std::vector<std::string> out;
    Client client(port);
    if (!client.connected()) return {"connect failed"};
    auto is_head = [](const std::string& r) { return r.starts_with("HEAD "); };
    if (e.pipelined) {
      std::string all;
      for (const auto& r : e.requests) all += r;
      client.send_all(all);
      for (const auto& r : e.requests) out.push_back(client.read_response(is_head(r)));
    } else {
      for (const auto& r : e.requests) {
        client.send_all(r);
        out.push_back(client.read_response(is_head(r)));
      }
    }
    return out;
  }

  test::TempDir root_dir_;
  std::string root_, media_, playlist_, segment_;
};

std::string get(const std::string& target, const std::string& fields = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields + "\r\n";
}

TEST_F(HttpFastPathTest, AnswersByteForByteAsLibsoupDoes) {
  ServerThread fast(media_, true);
  ServerThread plain(media_, false);
  ASSERT_GT(fast.port(), 0);
  ASSERT_GT(plain.port(), 0);
  g_autofree char* mtime_text = nullptr;
  {
    // If-Range takes the file's Last-Modified exactly: ask libsoup for it.
    Client c(plain.port());
    c.send_all(get("/media/live/pub/seg-1.ts"));
    const std::string r = c.read_response();
    const size_t at = r.find("Last-Modified: ");
    ASSERT_NE(at, std::string::npos);
    mtime_text = g_strdup(r.substr(at + 15, r.find("\r\n", at) - at - 15).c_str());
  }
  const std::string seg = "/media/live/pub/seg-1.ts";
  const std::string pl = "/media/live/pub/index.m3u8";
  const std::vector<Exchange> exchanges = {
      {"playlist", {get(pl)}, false, 1},
      {"head playlist", {"HEAD " + pl + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"}, false, 1},
      {"segment (sendfile)", {get(seg)}, false, 1},
      {"head segment", {"HEAD " + seg + " HTTP/1.1\r\nHost: x\r\n\r\n"}, false, 1},
      {"range", {get(seg, "Range: bytes=0-99\r\n")}, false, 1},
      {"open range", {get(seg, "Range: bytes=300000-\r\n")}, false, 1},
      {"suffix range", {get(seg, "Range: bytes=-50\r\n")}, false, 1},
      {"range of a small file", {get(pl, "range: bytes=10-20\r\n")}, false, 1},
      {"range past the end is clipped", {get(seg, "Range: bytes=307000-999999\r\n")}, false, 1},
      {"invalid range: whole", {get(seg, "Range: bytes=abc\r\n")}, false, 1},
      {"several ranges: whole", {get(seg, "Range: bytes=0-1,5-6\r\n")}, false, 1},
      {"unsatisfiable range", {get(seg, "Range: bytes=999999999-\r\n")}, false, 0},
      {"If-Range that matches", {get(seg, "Range: bytes=5-9\r\nIf-Range: " + std::string(mtime_text) + "\r\n")}, false, 1},
      {"If-Range that does not", {get(seg, "Range: bytes=5-9\r\nIf-Range: \"etag\"\r\n")}, false, 1},
      {"head with range", {"HEAD " + seg + " HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n"}, false, 1},
      {"two Range fields", {get(seg, "Range: bytes=0-1\r\nRange: bytes=2-3\r\n")}, false, 0},
      {"private without a session", {get("/media/live/secret/index.m3u8")}, false, 1},
      {"head private without a session", {"HEAD /media/live/secret/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n"}, false, 1},
      {"refused, then kept alive", {get("/media/live/secret/index.m3u8"), get(pl)}, false, 2},
      {"refused, then closed", {get("/media/live/secret/index.m3u8", "Connection: close\r\n")}, false, 1},
      {"a missing private file is refused", {get("/media/live/secret/nothing.ts")}, false, 1},
      {"private with a session", {get("/media/live/secret/index.m3u8", "Cookie: session=ok\r\n")}, false, 1},
      {"public with a cookie is personal", {get(pl, "Cookie: other=1\r\n")}, false, 1},
      {"private with a token", {get("/media/live/secret/index.m3u8?token=t")}, false, 0},
      {"missing file", {get("/media/live/pub/nothing.ts")}, false, 0},
      {"directory", {get("/media/live/pub")}, false, 0},
      {"directory with slash", {get("/media/live/pub/")}, false, 0},
      {"media root", {get("/media/")}, false, 0},
      {"traversal", {get("/media/../kek.db")}, false, 0},
      {"encoded traversal", {get("/media/%2e%2e/kek.db")}, false, 0},
      {"encoded slash", {get("/media/live%2fpub%2findex.m3u8")}, false, 0},
      {"encoded space", {get("/media/live/pub/a%20b.txt")}, false, 1},
      {"empty file", {get("/media/live/pub/empty.vtt")}, false, 1},
      {"query string", {get(pl + "?x=1")}, false, 0},
      {"path token", {get("/media/~t/abc/live/pub/index.m3u8")}, false, 0},
      {"HTTP/1.0", {"GET " + pl + " HTTP/1.0\r\n\r\n"}, false, 0},
      {"no Host", {"GET " + pl + " HTTP/1.1\r\n\r\n"}, false, 0},
      {"absolute form", {"GET http://127.0.0.1" + pl + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"}, false, 0},
      {"POST", {"POST " + pl + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"}, false, 0},
      {"OPTIONS", {"OPTIONS " + pl + " HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\n\r\n"}, false, 0},
      {"keep-alive: three in turn", {get(pl), get(seg, "Range: bytes=1-2\r\n"), get(pl, "Connection: keep-alive\r\n")}, false, 3},
      {"pipelined", {get(pl), get(seg), "HEAD " + pl + " HTTP/1.1\r\nHost: x\r\n\r\n"}, true, 3},
      {"fast, then libsoup's, then libsoup keeps it", {get(pl), get(pl + "?x"), get(pl)}, false, 1},
      {"Connection: close", {get(pl, "Connection: close\r\n")}, false, 1},
      {"the web UI is libsoup's", {get("/index.html")}, false, 0},
  };
  int expected_fast = 0;
  for (const auto& e : exchanges) {
    const auto from_fast = run(fast.port(), e);
    const auto from_plain = run(plain.port(), e);
    ASSERT_EQ(from_fast.size(), from_plain.size()) << e.name;
    for (size_t i = 0; i < from_fast.size(); ++i) {
      EXPECT_FALSE(from_plain[i].empty()) << e.name << " #" << i;
      // The heads as text, the bodies by equality (a segment's bytes are no message to read).
      const size_t fast_end = from_fast[i].find("\r\n\r\n"), plain_end = from_plain[i].find("\r\n\r\n");
      EXPECT_EQ(without_date(from_fast[i].substr(0, fast_end)), without_date(from_plain[i].substr(0, plain_end)))
          << e.name << " #" << i;
      EXPECT_TRUE(from_fast[i] .substr(fast_end == std::string::npos ? from_fast[i].size() : fast_end) ==
                  from_plain[i].substr(plain_end == std::string::npos ? from_plain[i].size() : plain_end))
          << e.name << " #" << i << ": the bodies differ (" << from_fast[i].size() << " and " << from_plain[i].size()
          << " bytes)";
    }
    expected_fast += e.fast;
    // Counted once the answer is out: the count may trail the client by a moment.
    for (int i = 0; i < 200 && fast.fast_answers() < expected_fast; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(fast.fast_answers(), expected_fast) << "after " << e.name;
  }
  EXPECT_EQ(plain.fast_answers(), 0);
  // Some bodies, to be sure both did not agree on nothing.
  Client c(fast.port());
  c.send_all(get(seg));
  const std::string r = c.read_response();
  EXPECT_TRUE(r.ends_with(segment_));
  EXPECT_NE(r.find("Content-Type: video/mp2t\r\n"), std::string::npos) << r.substr(0, 600);
}

TEST_F(HttpFastPathTest, AHeadTrickledByteByByteIsAnswered) {
  ServerThread fast(media_, true);
  Client c(fast.port());
  const std::string request = get("/media/live/pub/index.m3u8");
  for (char byte : request) {
    ASSERT_TRUE(c.send_all(std::string_view(&byte, 1)));
    std::this_thread::sleep_for(2ms);
  }
  const std::string r = c.read_response();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r.substr(0, 200);
  EXPECT_TRUE(r.ends_with(playlist_));
}

// A cold file is the fast path's too: its bytes are read on a reader thread, held there (a slow
// disk) while a cached file is answered at once on another connection; then the cold ones go
// out, whole, from the fast path. A small file (read with the head) and a larger one (read into
// the page cache, then sent with sendfile).
TEST_F(HttpFastPathTest, AColdFileIsReadOnAReaderThreadWhileOthersAreAnswered) {
  std::atomic<bool> disk_slow{true};
  std::atomic<int> disk_reads{0};
  ServerThread fast(media_, true, {}, [&] {
    ++disk_reads;
    for (int i = 0; i < 1000 && disk_slow; ++i) std::this_thread::sleep_for(5ms);
  });
  const std::string big = pattern(200 * 1024, 7), small = pattern(20 * 1024, 8);
  write_file(media_ + "/live/pub/cold.ts", big);
  write_file(media_ + "/live/pub/cold.vtt", small);
  make_cold(media_ + "/live/pub/cold.ts");
  make_cold(media_ + "/live/pub/cold.vtt");
  ASSERT_FALSE(cached(media_ + "/live/pub/cold.ts", 0, big.size()));
  ASSERT_FALSE(cached(media_ + "/live/pub/cold.vtt", 0, small.size()));
  Client c1(fast.port()), c2(fast.port());
  c1.send_all(get("/media/live/pub/cold.ts"));
  c2.send_all(get("/media/live/pub/cold.vtt"));
  for (int i = 0; i < 400 && disk_reads < 2; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(disk_reads, 2) << "both cold files wait for the disk on a reader thread";
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    Client other(fast.port());
    other.send_all(get("/media/live/pub/index.m3u8"));
    EXPECT_TRUE(other.read_response().ends_with(playlist_));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "a cached file waits for nobody's disk";
  }
  disk_slow = false;
  const std::string r1 = c1.read_response(), r2 = c2.read_response();
  EXPECT_TRUE(r1.starts_with("HTTP/1.1 200 OK\r\n")) << r1.substr(0, 200);
  EXPECT_TRUE(r1.ends_with(big));
  EXPECT_EQ(r1.size() - (r1.find("\r\n\r\n") + 4), big.size());
  EXPECT_TRUE(r2.starts_with("HTTP/1.1 200 OK\r\n")) << r2.substr(0, 200);
  EXPECT_TRUE(r2.ends_with(small));
  fast.wait_for_answers(5);
  EXPECT_EQ(fast.fast_answers(), 5);
  EXPECT_EQ(fast.read_from_disk(), 2);
  EXPECT_EQ(fast.libsoup_answers(), 0);
  // The connections go on: the next request on each is answered from the cache.
  c1.send_all(get("/media/live/pub/cold.ts", "Range: bytes=0-9\r\n"));
  EXPECT_TRUE(c1.read_response().ends_with(big.substr(0, 10)));
  fast.wait_for_answers(6);
  EXPECT_EQ(fast.fast_answers(), 6);
  EXPECT_EQ(fast.read_from_disk(), 2);
}

// A file the page cache holds only some of (this VM drops pages of freshly written files): the
// fast path reads in what is missing and answers it, with the right bytes; a range of it that is
// all cached needs no reader thread.
TEST_F(HttpFastPathTest, APartlyCachedFileIsAnsweredByTheFastPath) {
  ServerThread fast(media_, true);
  const std::string segment = pattern(750 * 1024, 11), part = pattern(60 * 1024, 12);
  const std::string seg_path = media_ + "/live/pub/partly.ts", part_path = media_ + "/live/pub/partly.m4s";
  write_file(seg_path, segment);
  write_file(part_path, part);
  make_warm(seg_path);
  make_warm(part_path);
  // The page cache keeps a file in folios of up to hundreds of KB and drops only whole ones: the
  // dropped ranges end at the end of the file and start on a large power of two.
  make_cold(seg_path, 512 * 1024);
  make_cold(part_path, 32 * 1024);
  ASSERT_FALSE(cached(seg_path, 512 * 1024, segment.size() - 512 * 1024));
  ASSERT_TRUE(cached(seg_path, 0, 512 * 1024));
  ASSERT_FALSE(cached(part_path, 32 * 1024, part.size() - 32 * 1024));
  ASSERT_TRUE(cached(part_path, 0, 32 * 1024));
  Client c(fast.port());
  // The cached start of the segment: no reader thread.
  c.send_all(get("/media/live/pub/partly.ts", "Range: bytes=0-99999\r\n"));
  std::string r = c.read_response();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 206 Partial Content\r\n")) << r.substr(0, 200);
  EXPECT_TRUE(r.ends_with(segment.substr(0, 100000)));
  fast.wait_for_answers(1);
  EXPECT_EQ(fast.read_from_disk(), 0);
  // The whole segment, then the small file.
  c.send_all(get("/media/live/pub/partly.ts"));
  r = c.read_response();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r.substr(0, 200);
  EXPECT_EQ(r.size() - (r.find("\r\n\r\n") + 4), segment.size());
  EXPECT_TRUE(r.ends_with(segment));
  c.send_all(get("/media/live/pub/partly.m4s"));
  r = c.read_response();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r.substr(0, 200);
  EXPECT_TRUE(r.ends_with(part));
  fast.wait_for_answers(3);
  EXPECT_EQ(fast.fast_answers(), 3);
  EXPECT_EQ(fast.read_from_disk(), 2);
  EXPECT_EQ(fast.libsoup_answers(), 0);
  EXPECT_TRUE(cached(seg_path, 0, segment.size()));
}

TEST_F(HttpFastPathTest, IdleConnectionsAreClosed) {
  http::ConnectionLimits limits;
  limits.header_timeout_s = 1;
  ServerThread fast(media_, true, limits);
  // One that never sends a byte, and one idle after an answer of the fast path.
  Client silent(fast.port(), 6);
  Client idle(fast.port(), 6);
  idle.send_all(get("/media/live/pub/index.m3u8"));
  EXPECT_TRUE(idle.read_response().ends_with(playlist_));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.read_to_end());
  EXPECT_TRUE(silent.read_to_end());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(fast.fast_answers(), 1);
}

TEST_F(HttpFastPathTest, OneAddressGetsItsShareOfConnections) {
  http::ConnectionLimits limits;
  limits.max_connections_per_address = 3;
  ServerThread fast(media_, true, limits);
  std::vector<std::unique_ptr<Client>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<Client>(fast.port()));
    // Each answered once, one by the fast path, the others after a hand-over to libsoup.
    open.back()->send_all(get(i == 0 ? "/media/live/pub/index.m3u8" : "/media/live/pub/index.m3u8?n=" + std::to_string(i)));
    EXPECT_TRUE(open.back()->read_response().ends_with(playlist_)) << i;
  }
  Client fourth(fast.port(), 5);
  fourth.send_all(get("/media/live/pub/index.m3u8"));
  std::string got;
  EXPECT_TRUE(fourth.read_to_end(&got));
  EXPECT_EQ(got, "");
  // One gone, there is room again.
  open.pop_back();
  std::this_thread::sleep_for(100ms);
  Client fifth(fast.port());
  fifth.send_all(get("/media/live/pub/index.m3u8"));
  EXPECT_TRUE(fifth.read_response().ends_with(playlist_));
  // And the connections kept alive still work, on either path.
  open[0]->send_all(get("/media/live/pub/index.m3u8"));
  EXPECT_TRUE(open[0]->read_response().ends_with(playlist_));
  open[1]->send_all(get("/media/live/pub/index.m3u8"));
  EXPECT_TRUE(open[1]->read_response().ends_with(playlist_));
}

TEST_F(HttpFastPathTest, AStalledReaderHoldsUpNobodyElse) {
  ServerThread fast(media_, true);
  const std::string film = pattern(6 * 1024 * 1024, 3);
  write_file(media_ + "/live/pub/big.mp4", film);
  Client stalled(fast.port(), 10, 4096);
  stalled.send_all(get("/media/live/pub/big.mp4"));
  std::this_thread::sleep_for(200ms);  // its answer has filled the socket by now
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    Client other(fast.port());
    other.send_all(get("/media/live/pub/index.m3u8"));
    EXPECT_TRUE(other.read_response().ends_with(playlist_));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  }
  const std::string r = stalled.read_response();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(r.size() - (r.find("\r\n\r\n") + 4), film.size());
  EXPECT_TRUE(r.ends_with(film));
  EXPECT_EQ(fast.fast_answers(), 6);
}

}  // namespace
}  // namespace kek::core
