#define G_LOG_DOMAIN "kek-http"

#include "http/fast_path.h"

#include <glib/gstdio.h>

#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <utility>
#include <vector>

namespace kek::core::http {
namespace {

// Connections accepted per wake of the listener, so a burst of them does not hold the loop.
constexpr int kAcceptsPerWake = 32;
// Bytes sent from one file per wake of its socket: a fast reader of a large file takes turns
// with everybody else instead of being fed until its file ends.
constexpr size_t kSendPerWake = 1024 * 1024;
// Trips to a reader thread for one answer's bytes: this VM's page cache drops pages of any file
// at any time, even of one just read in; after this many, libsoup answers it.
constexpr int kDiskReadsPerAnswer = 3;
// read_into_page_cache looks at a file in stretches of this size, and reads those it lacks
// pages of whole: a few syscalls for a segment, and no copy of what is cached already.
constexpr size_t kWarmStretch = 64 * 1024;

// cachestat(2) (Linux 6.5): how many pages of a range are cached, without a mapping. Bookworm's
// headers predate it, hence the numbers and structs here.
constexpr long kCachestatSyscall = 451;
struct CachestatRange {
  uint64_t off;
  uint64_t len;
};
struct Cachestat {
  uint64_t nr_cache;
  uint64_t nr_dirty;
  uint64_t nr_writeback;
  uint64_t nr_evicted;
  uint64_t nr_recently_evicted;
};

std::string_view bytes_view(GBytes* bytes) {
  if (!bytes) return {};
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  return {data, size};
}

}  // namespace

bool in_page_cache(int fd, off_t offset, size_t length) {
  if (length == 0) return true;
  static const long page = sysconf(_SC_PAGESIZE);
  // One syscall where the kernel has it: a mapping costs an mmap, and its munmap a TLB
  // shootdown on every core a thread of ours ran on.
  // (Without it, ENOSYS costs a syscall and the mapping is made instead.)
  const auto first_page = static_cast<uint64_t>(offset / page);
  const auto page_count = static_cast<uint64_t>((offset + static_cast<off_t>(length) - 1) / page) - first_page + 1;
  CachestatRange range{first_page * static_cast<uint64_t>(page), page_count * static_cast<uint64_t>(page)};
  Cachestat stat{};
  if (syscall(kCachestatSyscall, fd, &range, &stat, 0) == 0) return stat.nr_cache >= page_count;
  if (errno != ENOSYS) return false;
  const off_t start = offset - offset % page;
  const size_t span = static_cast<size_t>(offset - start) + length;
  void* map = mmap(nullptr, span, PROT_READ, MAP_SHARED, fd, start);
  if (map == MAP_FAILED) return false;
  std::vector<unsigned char> pages((span + page - 1) / page);
  const bool ok = mincore(map, span, pages.data()) == 0 &&
                  std::all_of(pages.begin(), pages.end(), [](unsigned char p) { return (p & 1) != 0; });
  munmap(map, span);
  return ok;
}

void read_into_page_cache(int fd, off_t offset, size_t length) {
  const off_t end = offset + static_cast<off_t>(length);
  std::unique_ptr<char[]> scratch;
  for (off_t at = offset - offset % static_cast<off_t>(kWarmStretch); at < end;) {
    const off_t from = std::max(at, offset);
    const off_t to = std::min(at + static_cast<off_t>(kWarmStretch), end);
    at += static_cast<off_t>(kWarmStretch);
    if (in_page_cache(fd, from, static_cast<size_t>(to - from))) continue;
    if (!scratch) scratch = std::make_unique<char[]>(kWarmStretch);
    for (off_t next = from; next < to;) {
      const ssize_t n = pread(fd, scratch.get(), static_cast<size_t>(to - next), next);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // cut short or unreadable: the send finds out
      next += n;
    }
  }
}

struct FastPath::Connection {
  Connection(FastPath& owner, GSocket* socket, GSocketAddress* remote, GSocketAddress* local, std::string peer)
      : owner(owner), socket(socket), remote(remote), local(local), peer(std::move(peer)) {}
  ~Connection() {
    if (reading) *reading = nullptr;  // a read under way for it finds it gone
    if (source) {
      g_source_destroy(source);
      g_source_unref(source);
    }
    g_clear_object(&local);
    g_clear_object(&remote);
    g_clear_object(&socket);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return g_socket_get_fd(socket); }

  FastPath& owner;  // its source's callback finds the fast path here
  GSocket* socket;  // owned
  GSocketAddress* remote;
  GSocketAddress* local;
  std::string peer;
  GSource* source = nullptr;
  GIOCondition watching = GIOCondition(0);
  // The answer under way; its request head is on the socket until the answer begins.
  std::optional<FastAnswer> answer;
  size_t head_length = 0;
  int disk_reads = 0;                    // trips to a reader thread for it
  std::shared_ptr<Connection*> reading;  // while one is under way: how its end finds us
  size_t head_sent = 0;
  size_t body_sent = 0;
  int64_t started_us = 0;
};

FastPath::FastPath(ConnectionGuard& guard, FileReaders& readers, Hooks hooks)
    : guard_(guard), readers_(readers), hooks_(std::move(hooks)), peek_buffer_(std::make_unique<char[]>(kMaxRequestHeadBytes)) {}

FastPath::~FastPath() { stop(); }

void FastPath::start(GSocket* listener, GMainContext* context) {
  stop();
  listener_ = G_SOCKET(g_object_ref(listener));
  g_socket_set_blocking(listener_, FALSE);  // accept_some takes what is there, never waits
  context_ = context;
  listen_source_ = g_socket_create_source(listener_, G_IO_IN, nullptr);
  g_source_set_callback(listen_source_, reinterpret_cast<GSourceFunc>(+[](GSocket* s, GIOCondition c, gpointer self) {
                          return on_incoming(s, c, self);
                        }),
                        this, nullptr);
  g_source_attach(listen_source_, context_);
}

void FastPath::stop() {
  if (listen_source_) {
    g_source_destroy(listen_source_);
    g_source_unref(std::exchange(listen_source_, nullptr));
  }
  if (listener_) {
    g_socket_close(listener_, nullptr);
    g_clear_object(&listener_);
  }
  auto open = std::move(connections_);
  connections_.clear();
  for (auto& [raw, c] : open) g_socket_close(c->socket, nullptr);
}

gboolean FastPath::on_incoming(GSocket*, GIOCondition, gpointer self) {
  static_cast<FastPath*>(self)->accept_some();
  return G_SOURCE_CONTINUE;
}

void FastPath::accept_some() {
  for (int i = 0; i < kAcceptsPerWake; ++i) {
    GError* error = nullptr;
    GSocket* socket = g_socket_accept(listener_, nullptr, &error);
    if (!socket) {
      if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_debug("accept: %s", error->message);
      g_clear_error(&error);
      return;
    }
    GSocketAddress* remote = g_socket_get_remote_address(socket, nullptr);
    GSocketAddress* local = g_socket_get_local_address(socket, nullptr);
    std::string peer = "?";
    if (remote && G_IS_INET_SOCKET_ADDRESS(remote)) {
      g_autofree char* host = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)));
      peer = host;
    }
    auto c = std::make_unique<Connection>(*this, socket, remote, local, std::move(peer));
    if (!remote || !local || !guard_.accepted(socket, remote, c->peer)) {
      g_socket_close(socket, nullptr);
      continue;
    }
    Connection* raw = c.get();
    connections_.emplace(raw, std::move(c));
    watch(*raw, G_IO_IN);
  }
}

void FastPath::watch(Connection& c, GIOCondition condition) {
  if (c.source && c.watching == condition) return;
  if (c.source) {
    g_source_destroy(c.source);
    g_source_unref(c.source);
  }
  c.watching = condition;
  c.source = g_socket_create_source(c.socket, static_cast<GIOCondition>(condition | G_IO_HUP | G_IO_ERR), nullptr);
  // The connection outlives its source (it destroys it before it goes), so the source may
  // point at it.
  g_source_set_callback(
      c.source, reinterpret_cast<GSourceFunc>(+[](GSocket*, GIOCondition, gpointer data) -> gboolean {
        Connection& conn = *static_cast<Connection*>(data);
        if (conn.answer) conn.owner.send_answer(conn);
        else conn.owner.read_head(conn);
        return G_SOURCE_CONTINUE;  // a connection that is done has destroyed its source already
      }),
      &c, nullptr);
  g_source_attach(c.source, context_);
}

void FastPath::read_head(Connection& c) {
  char* buffer = peek_buffer_.get();
  const ssize_t n = recv(c.fd(), buffer, kMaxRequestHeadBytes, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) {
    close(c);  // the client is done with the connection
    return;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) watch(c, G_IO_IN);
    else close(c);
    return;
  }
  const ParsedHead parsed = parse_request_head(std::string_view(buffer, static_cast<size_t>(n)));
  // A head still coming (trickled, or split across segments) goes to libsoup too: waiting for
  // the rest here would mean reading it, and then libsoup could not have it.
  if (parsed.status != HeadStatus::complete) {
    hand_over(c);
    return;
  }
  c.started_us = g_get_monotonic_time();
  std::optional<FastAnswer> answer = hooks_.answer(parsed.head, c.peer);
  if (!answer) {
    hand_over(c);
    return;
  }
  c.answer = std::move(answer);
  c.head_length = parsed.head.length;
  c.disk_reads = 0;
  if (c.answer->unread || c.answer->cold) read_from_disk(c);
  else begin_answer(c);
}

// The bytes to send are not all in the page cache: a reader thread reads them in while the
// connection waits, watched by nobody (its head is still on the socket); then it goes on here.
void FastPath::read_from_disk(Connection& c) {
  if (c.source) {
    g_source_destroy(c.source);
    g_source_unref(std::exchange(c.source, nullptr));
  }
  ++c.disk_reads;
  const FastAnswer& a = *c.answer;
  std::function<void()> work;
  if (a.unread)
    work = [piece = a.unread, file = a.file] { piece->finish(file->fd()); };
  else
    work = [file = a.file, offset = a.offset, length = a.length] { read_into_page_cache(file->fd(), offset, length); };
  c.reading = std::make_shared<Connection*>(&c);
  readers_.run(std::move(work), context_, [back = c.reading] {
    if (Connection* conn = *back) conn->owner.read_from_disk_done(*conn);
  });
}

void FastPath::read_from_disk_done(Connection& c) {
  c.reading.reset();
  FastAnswer& a = *c.answer;
  if (a.unread) {
    if (a.unread->got() < a.unread->size()) {
      c.answer.reset();  // the file was cut short meanwhile: libsoup answers what it is now
      hand_over(c);
      return;
    }
    a.body = a.unread->take();
    a.unread.reset();
    a.file.reset();
  } else if (!in_page_cache(a.file->fd(), a.offset, a.length)) {
    // Some already dropped again.
    if (c.disk_reads < kDiskReadsPerAnswer) {
      read_from_disk(c);
      return;
    }
    c.answer.reset();
    hand_over(c);
    return;
  }
  begin_answer(c);
}

void FastPath::begin_answer(Connection& c) {
  // The head is ours now: take it off the socket (it is all there, we have seen it).
  char* buffer = peek_buffer_.get();
  size_t taken = 0;
  while (taken < c.head_length) {
    const ssize_t got = recv(c.fd(), buffer, c.head_length - taken, MSG_DONTWAIT);
    if (got <= 0) {
      close(c);
      return;
    }
    taken += static_cast<size_t>(got);
  }
  guard_.answering(c.socket);
  c.head_sent = 0;
  c.body_sent = 0;
  send_answer(c);
}

void FastPath::send_answer(Connection& c) {
  FastAnswer& a = *c.answer;
  const bool from_file = a.file && a.length > 0;
  // The head and a small body in one call; a head before a file's bytes is held (MSG_MORE) to
  // leave in the same segment as the first of them.
  const std::string_view body = bytes_view(a.body.get());
  while (c.head_sent < a.head.size() || c.body_sent < body.size()) {
    iovec parts[2];
    int count = 0;
    if (c.head_sent < a.head.size())
      parts[count++] = {a.head.data() + c.head_sent, a.head.size() - c.head_sent};
    if (c.body_sent < body.size()) parts[count++] = {const_cast<char*>(body.data()) + c.body_sent, body.size() - c.body_sent};
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = static_cast<size_t>(count);
    const ssize_t sent = sendmsg(c.fd(), &message, MSG_NOSIGNAL | MSG_DONTWAIT | (from_file ? MSG_MORE : 0));
    if (sent < 0) {
      send_failed(c);
      return;
    }
    size_t left = static_cast<size_t>(sent);
    const size_t head_part = std::min(left, a.head.size() - c.head_sent);
    c.head_sent += head_part;
    left -= head_part;
    c.body_sent += left;
  }
  if (from_file) {
    size_t this_wake = 0;
    while (c.body_sent < a.length) {
      if (this_wake >= kSendPerWake) {
        watch(c, G_IO_OUT);  // ready again at once if the socket has room: others go first
        return;
      }
      off_t at = a.offset + static_cast<off_t>(c.body_sent);
      const size_t want = std::min(a.length - c.body_sent, kSendPerWake - this_wake);
      const ssize_t sent = sendfile(c.fd(), a.file->fd(), &at, want);
      if (sent < 0) {
        send_failed(c);
        return;
      }
      if (sent == 0) {
        // The file was cut short while it was sent: the answer cannot be finished.
        g_message("%s was cut short while it was sent; closing the connection", a.file->path().c_str());
        answer_done(c, true);
        return;
      }
      c.body_sent += static_cast<size_t>(sent);
      this_wake += static_cast<size_t>(sent);
    }
  }
  answer_done(c, false);
}

// A send that returned -1: a full socket is waited for, anything else ends the answer.
void FastPath::send_failed(Connection& c) {
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) watch(c, G_IO_OUT);
  else answer_done(c, true);
}

void FastPath::answer_done(Connection& c, bool aborted) {
  FastAnswer a = std::move(*c.answer);
  c.answer.reset();
  RequestRecord r;
  r.method = a.method;
  r.area = "media";
  r.route = "/media/{file}";
  r.path = a.path;
  r.remote = c.peer;
  r.status = a.status;
  r.bytes = a.logged_bytes;
  r.duration_s = static_cast<double>(g_get_monotonic_time() - c.started_us) / 1e6;
  r.aborted = aborted;
  r.fast_path = true;
  r.read_from_disk = c.disk_reads > 0;
  if (hooks_.finished) hooks_.finished(r);
  if (aborted || a.close_after) {
    if (!aborted) g_socket_shutdown(c.socket, FALSE, TRUE, nullptr);
    close(c);
    return;
  }
  guard_.answered(c.socket);
  // Kept alive: the next head is read when it is there, which may be at once (pipelined, or a
  // fast client): on the loop's next turn, after the other connections have had theirs.
  watch(c, G_IO_IN);
}

void FastPath::hand_over(Connection& c) {
  auto owned = std::move(connections_.at(&c));
  connections_.erase(&c);
  if (owned->source) {
    g_source_destroy(owned->source);
    g_source_unref(std::exchange(owned->source, nullptr));
  }
  keep_socket_on(owned->remote, owned->socket);  // libsoup's messages have no GSocket of their own
  g_autoptr(GSocketConnection) stream = g_socket_connection_factory_create_connection(owned->socket);
  hooks_.hand_over(G_IO_STREAM(stream), owned->local, owned->remote);
}

void FastPath::close(Connection& c) {
  auto owned = std::move(connections_.at(&c));
  connections_.erase(&c);
  g_socket_close(owned->socket, nullptr);
}

}  // namespace kek::core::http
