// Reading a file to serve without making the loop wait for the disk: what the page cache holds
// is read at once (preadv2 RWF_NOWAIT); a read that would wait is finished on one of a few
// reader threads, and the answer goes out from the server's context when it is done.
#pragma once

#include "http/file_lookup.h"

#include <glib.h>

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

namespace kek::core::http {

struct BytesUnref {
  void operator()(GBytes* bytes) const { g_bytes_unref(bytes); }
};
using Bytes = std::unique_ptr<GBytes, BytesUnref>;

// Live segments and playlists are small and may be rewritten in place by a muxer that restarts
// (filesink truncates a reused name): a mapping of such a file would SIGBUS the process, so
// small files are copied. Large files (films, recordings) are written once and renamed into
// place, and are mapped so that serving them costs no copy.
inline constexpr off_t kCopyFilesUpTo = 8 * 1024 * 1024;

// One whole-file read: a copy of a small file, a mapping of a large one.
class FileRead {
 public:
  // Reads what the page cache can give without waiting for the disk: usually all of it.
  explicit FileRead(const OpenedFile& file);
  ~FileRead();
  FileRead(FileRead&& other) noexcept;
  FileRead& operator=(FileRead&&) = delete;
  FileRead(const FileRead&) = delete;
  FileRead& operator=(const FileRead&) = delete;

  // Nothing left to read (a file truncated meanwhile ends early: what is there is served).
  bool done() const { return done_; }
  // Reads the rest, waiting for the disk as long as it takes: on a reader thread.
  void finish(int fd);
  // The bytes; nullptr when the file could not be read (a mapping refused).
  Bytes take();

 private:
  void read_from(int fd, bool wait);

  char* data_ = nullptr;  // g_malloc'd, size_ bytes (at least 1)
  size_t size_ = 0;
  size_t got_ = 0;
  bool done_ = false;
  Bytes mapped_;
};

// A part of a file, read as FileRead reads a small file: what the page cache holds at once, the
// rest on a reader thread (finish).
class PieceRead {
 public:
  PieceRead(int fd, off_t offset, size_t size);
  ~PieceRead() { g_free(data_); }
  PieceRead(PieceRead&& other) noexcept;
  PieceRead& operator=(PieceRead&&) = delete;
  PieceRead(const PieceRead&) = delete;
  PieceRead& operator=(const PieceRead&) = delete;

  bool done() const { return done_; }
  void finish(int fd);
  size_t size() const { return size_; }
  size_t got() const { return got_; }  // less than size(): the file was cut short meanwhile
  Bytes take() { return Bytes(g_bytes_new_take(std::exchange(data_, nullptr), got_)); }

 private:
  void read_from(int fd, bool wait);
  char* data_ = nullptr;
  off_t offset_ = 0;
  size_t size_ = 0;
  size_t got_ = 0;
  bool done_ = false;
};

// Threads for the reads that would wait (a cold cache, a slow or stuck disk): a file read never
// runs on the loop that answers everybody else.
class FileReaders {
 public:
  // observer (tests): runs on the reader thread before each read it does.
  explicit FileReaders(std::function<void()> observer = {});
  ~FileReaders();  // waits for the reads under way
  FileReaders(const FileReaders&) = delete;
  FileReaders& operator=(const FileReaders&) = delete;

  // work on a reader thread, then done on `context` (never run when the context goes first).
  void run(std::function<void()> work, GMainContext* context, std::function<void()> done);

 private:
  static void work_on(gpointer job, gpointer self);
  GThreadPool* pool_ = nullptr;
  std::function<void()> observer_;
};

}  // namespace kek::core::http
