// The /media/ fast path: the server accepts its TCP connections itself and answers the plain
// requests players make most (GET/HEAD of a file under /media/, a range of it) straight from
// the socket: the head is peeked (recv MSG_PEEK) and parsed by request_head.h, the answer's head
// is written as libsoup would write it and the body follows with sendfile(2). Bytes the page
// cache does not hold are read first on a reader thread (FileReaders), the connection parked
// meanwhile; then it goes on, on the loop. Everything else is handed to libsoup unread
// (soup_server_accept_iostream), and the connection stays there. Whether a head is answered here
// is decided by the server (FastPath::Hooks::answer); this class only moves bytes: one main
// loop, non-blocking sockets, a full socket waited for on the loop, the disk waited for on a
// reader thread, so no request waits behind another's socket or disk.
#pragma once

#include "http/connection_guard.h"
#include "http/file_lookup.h"
#include "http/file_read.h"
#include "http/request_head.h"
#include "http/request_log.h"

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace kek::core::http {

// What the fast path sends for one request head.
struct FastAnswer {
  std::string head;                  // status line and fields, the empty line included
  Bytes body;                        // a small body, sent with the head (or none)
  std::shared_ptr<OpenedFile> file;  // or a larger one, sent from the file
  off_t offset = 0;                  // of the file's bytes to send
  size_t length = 0;
  // The page cache lacks some of the bytes to send: a small body still to be read (the head
  // is sent with it once it is), or, for one sent from the file, pages to read in first.
  std::shared_ptr<PieceRead> unread;
  bool cold = false;
  bool close_after = false;          // the request said Connection: close
  // For the request log and the metrics (as libsoup's answer would be recorded).
  std::string method;
  std::string path;                  // as the log shows it
  unsigned status = 200;
  int64_t logged_bytes = 0;
};

// Whether the pages of fd's bytes [offset, offset + length) are all in the page cache now, so
// that sending them does not wait for the disk (cachestat, or mincore on a mapping never touched).
bool in_page_cache(int fd, off_t offset, size_t length);
// Reads into the page cache what it lacks of fd's bytes [offset, offset + length), waiting for
// the disk: on a reader thread. Only the stretches with pages missing are read (and copied).
void read_into_page_cache(int fd, off_t offset, size_t length);

class FastPath {
 public:
  struct Hooks {
    // The answer to a complete head, or nullopt to hand the connection to libsoup. peer: the
    // connection's remote address as text.
    std::function<std::optional<FastAnswer>(const RequestHead& head, const std::string& peer)> answer;
    // Gives the connection (unread past the requests answered here) to libsoup.
    std::function<void(GIOStream* stream, GSocketAddress* local, GSocketAddress* remote)> hand_over;
    // A request answered here is done (or aborted: the client went away, the file shrank).
    std::function<void(const RequestRecord& record)> finished;
  };

  // readers: where bytes the page cache lacks are read; it may be constructed after this (it
  // is only used once connections come).
  FastPath(ConnectionGuard& guard, FileReaders& readers, Hooks hooks);
  ~FastPath();
  FastPath(const FastPath&) = delete;
  FastPath& operator=(const FastPath&) = delete;

  // Accepts on `listener` (bound and listening) from `context`'s loop.
  void start(GSocket* listener, GMainContext* context);
  // Stops accepting and closes the connections it holds (those handed over are libsoup's).
  void stop();

  struct Connection;

 private:
  static gboolean on_incoming(GSocket* socket, GIOCondition condition, gpointer self);
  void accept_some();
  void read_head(Connection& c);
  void read_from_disk(Connection& c);
  void read_from_disk_done(Connection& c);
  void begin_answer(Connection& c);
  void send_answer(Connection& c);
  void send_failed(Connection& c);
  void answer_done(Connection& c, bool aborted);
  void watch(Connection& c, GIOCondition condition);
  void hand_over(Connection& c);
  void close(Connection& c);

  ConnectionGuard& guard_;
  FileReaders& readers_;
  Hooks hooks_;
  GSocket* listener_ = nullptr;
  GSource* listen_source_ = nullptr;
  GMainContext* context_ = nullptr;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  std::unique_ptr<char[]> peek_buffer_;
};

}  // namespace kek::core::http
