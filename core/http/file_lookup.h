// Finding a file for a URL without ever leaving the directory it is served from, and reading the
// Range header that asks for part of it.
#pragma once

#include <kek/error.h>

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kek::core::http {

// The real path of root/segments... when it is a regular file inside realpath(root). Segments
// that are not plain names give 400; a missing file, a directory, or a path that escapes the
// root through a symlink give 404 (the same answer as missing, so escapes reveal nothing).
Result<std::string> resolve_inside(const std::string& root, const std::vector<std::string>& segments);

// A regular file opened for reading: closed with the object.
class OpenedFile {
 public:
  OpenedFile(int fd, struct stat info, std::string path) : fd_(fd), info_(info), path_(std::move(path)) {}
  ~OpenedFile();
  OpenedFile(OpenedFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)), info_(other.info_), path_(std::move(other.path_)) {}
  OpenedFile& operator=(OpenedFile&&) = delete;
  OpenedFile(const OpenedFile&) = delete;
  OpenedFile& operator=(const OpenedFile&) = delete;

  int fd() const { return fd_; }
  const struct stat& info() const { return info_; }
  // root/segments... as asked for (its name gives the content type), not the resolved path.
  const std::string& path() const { return path_; }

 private:
  int fd_;
  struct stat info_;
  std::string path_;
};

// resolve_inside's answers, with the file opened: one openat2(RESOLVE_BENEATH) from the root
// instead of resolving both paths in userspace and opening again (the per-request cost of
// /media/). A path the kernel will not resolve beneath the root by itself (an absolute symlink,
// or a kernel without openat2) is checked by resolve_inside, so the answers are the same.
Result<OpenedFile> open_inside(const std::string& root, const std::vector<std::string>& segments);

// A folder files are served from, kept open (O_PATH) so that a request opens its file with one
// openat2 instead of opening the root too. The path is looked at again every kRecheckSeconds:
// a root that was replaced (moved away, deleted and made again) is reopened then.
class ServedRoot {
 public:
  static constexpr int64_t kRecheckSeconds = 1;

  explicit ServedRoot(std::string path) : path_(std::move(path)) {}
  ~ServedRoot();
  ServedRoot(const ServedRoot&) = delete;
  ServedRoot& operator=(const ServedRoot&) = delete;

  const std::string& path() const { return path_; }
  // The open folder, or -1 when there is none (not configured, missing). One thread only.
  int fd();

 private:
  std::string path_;
  int fd_ = -1;
  int64_t checked_at_us_ = 0;
};

// open_inside from a root kept open.
Result<OpenedFile> open_inside(ServedRoot& root, const std::vector<std::string>& segments);

struct RangeRequest {
  enum class Kind { whole, partial, unsatisfiable };
  Kind kind = Kind::whole;
  int64_t first = 0;  // inclusive byte offsets, for partial
  int64_t last = 0;
};

// One "bytes=a-b", "bytes=a-" or "bytes=-n" range against `size` bytes. A header it does not
// take (several ranges, another unit, a malformed spec) asks for the whole file, which RFC 9110
// lets a server do; only a well-formed range that starts past the end is unsatisfiable.
RangeRequest parse_range(std::string_view header, int64_t size);

}  // namespace kek::core::http
