#define G_LOG_DOMAIN "kek-http"

#include "http/file_lookup.h"

#include "http/request_path.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>

namespace kek::core::http {
namespace {

std::optional<std::string> real_path(const std::string& path) {
  g_autofree char* resolved = realpath(path.c_str(), nullptr);
  if (!resolved) return std::nullopt;
  return std::string(resolved);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Digits only (no sign, no spaces), and no overflow.
std::optional<int64_t> parse_offset(std::string_view digits) {
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

Result<std::string> resolve_inside(const std::string& root, const std::vector<std::string>& segments) {
  if (root.empty()) return Error{"not found", 404};
  std::string candidate = root;
  for (const auto& segment : segments) {
    if (!is_plain_file_segment(segment)) return Error{"invalid file name in path", 400, "invalid_path"};
    candidate += '/';
    candidate += segment;
  }
  auto real_root = real_path(root);
  if (!real_root) return Error{"not found", 404};
  auto resolved = real_path(candidate);
  if (!resolved) return Error{"not found", 404};

  std::string inside_prefix = real_root->ends_with('/') ? *real_root : *real_root + "/";
  if (!resolved->starts_with(inside_prefix)) {
    g_warning("refused %s: it resolves to %s, outside %s", candidate.c_str(), resolved->c_str(),
              real_root->c_str());
    return Error{"not found", 404};
  }
  GStatBuf info;
  if (g_stat(resolved->c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return Error{"not found", 404};
  return std::move(*resolved);
}

OpenedFile::~OpenedFile() {
  if (fd_ >= 0) g_close(fd_, nullptr);
}

namespace {

// O_NONBLOCK: a FIFO or device placed in the folder must not block the opener (it is refused
// as not a regular file right after); on a regular file it changes nothing.
constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

Result<OpenedFile> regular_file(int fd, std::string path) {
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    g_close(fd, nullptr);
    return Error{"not found", 404};
  }
  return OpenedFile(fd, info, std::move(path));
}

// The slow way, for what openat2 cannot decide: realpath both, then open.
Result<OpenedFile> open_resolved(const std::string& root, const std::vector<std::string>& segments,
                                 std::string asked) {
  auto resolved = resolve_inside(root, segments);
  if (!resolved) return resolved.error();
  const int fd = g_open(resolved->c_str(), kOpenFlags, 0);
  if (fd < 0) return Error{"not found", 404};
  return regular_file(fd, std::move(asked));
}

int open_root(const std::string& root) { return g_open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0); }

// The path below the root ("live/x/index.m3u8"), or 400 for a segment that is not a plain name.
Result<std::string> relative_path(const std::vector<std::string>& segments) {
  std::string relative;
  for (const auto& segment : segments) {
    if (!is_plain_file_segment(segment)) return Error{"invalid file name in path", 400, "invalid_path"};
    if (!relative.empty()) relative += '/';
    relative += segment;
  }
  return relative;
}

Result<OpenedFile> open_beneath(const std::string& root, int root_fd, const std::vector<std::string>& segments,
                                const std::string& relative) {
  std::string asked = root + "/" + relative;
  open_how how{};
  how.flags = kOpenFlags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const int fd = static_cast<int>(syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how));
  const int error = errno;
  if (fd >= 0) return regular_file(fd, std::move(asked));
  // EXDEV: the walk would leave the root or met an absolute symlink, which realpath judges
  // (it may still land inside); ENOSYS/EPERM: no openat2 here (old kernel, a seccomp filter).
  if (error == EXDEV || error == ENOSYS || error == EPERM || error == EAGAIN)
    return open_resolved(root, segments, std::move(asked));
  return Error{"not found", 404};
}

}  // namespace

Result<OpenedFile> open_inside(const std::string& root, const std::vector<std::string>& segments) {
  if (root.empty() || segments.empty()) return Error{"not found", 404};
  auto relative = relative_path(segments);
  if (!relative) return relative.error();
  const int root_fd = open_root(root);
  if (root_fd < 0) return Error{"not found", 404};
  auto file = open_beneath(root, root_fd, segments, *relative);
  g_close(root_fd, nullptr);
  return file;
}

ServedRoot::~ServedRoot() {
  if (fd_ >= 0) g_close(fd_, nullptr);
}

int ServedRoot::fd() {
  if (path_.empty()) return -1;
  const int64_t now = g_get_monotonic_time();
  if (fd_ >= 0 && now - checked_at_us_ < kRecheckSeconds * G_USEC_PER_SEC) return fd_;
  checked_at_us_ = now;
  struct stat open_one {}, named {};
  if (fd_ >= 0 && fstat(fd_, &open_one) == 0 && stat(path_.c_str(), &named) == 0 && open_one.st_dev == named.st_dev &&
      open_one.st_ino == named.st_ino)
    return fd_;
  if (fd_ >= 0) g_close(fd_, nullptr);
  fd_ = open_root(path_);
  return fd_;
}

Result<OpenedFile> open_inside(ServedRoot& root, const std::vector<std::string>& segments) {
  if (segments.empty()) return Error{"not found", 404};
  auto relative = relative_path(segments);
  if (!relative) return relative.error();
  const int root_fd = root.fd();
  if (root_fd < 0) return Error{"not found", 404};
  return open_beneath(root.path(), root_fd, segments, *relative);
}

RangeRequest parse_range(std::string_view header, int64_t size) {
  RangeRequest whole;
  header = trim(header);
  constexpr std::string_view unit = "bytes=";
  if (header.size() < unit.size() || g_ascii_strncasecmp(header.data(), unit.data(), unit.size()) != 0)
    return whole;
  std::string_view spec = trim(header.substr(unit.size()));
  if (spec.find(',') != std::string_view::npos) return whole;  // several ranges: send it all
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  std::string_view first_text = trim(spec.substr(0, dash));
  std::string_view last_text = trim(spec.substr(dash + 1));

  RangeRequest unsatisfiable{RangeRequest::Kind::unsatisfiable};
  if (first_text.empty()) {  // "-n": the last n bytes
    auto suffix = parse_offset(last_text);
    if (!suffix) return whole;
    if (*suffix == 0 || size == 0) return unsatisfiable;
    return {RangeRequest::Kind::partial, *suffix >= size ? 0 : size - *suffix, size - 1};
  }
  auto first = parse_offset(first_text);
  if (!first) return whole;
  int64_t last = size - 1;
  if (!last_text.empty()) {
    auto parsed_last = parse_offset(last_text);
    if (!parsed_last || *parsed_last < *first) return whole;
    last = std::min(*parsed_last, size - 1);
  }
  if (*first >= size) return unsatisfiable;
  return {RangeRequest::Kind::partial, *first, last};
}

}  // namespace kek::core::http
