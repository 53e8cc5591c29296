// Replacing a small file whole: written to a temporary sibling and renamed over the old one, so a
// reader (a player, the HTTP server) sees the old file or the new one, never half of either.
// Unlike g_file_set_contents_full(CONSISTENT), which fsyncs whenever the file existed, it syncs
// only when asked: a playlist, a manifest or a preview picture lost in a crash is written again
// within seconds, and an fsync per write stalls the thread that writes on a busy disk.
// Header-only, POSIX.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <string>

namespace kek {

// 0 on success, else the errno of the call that failed (the temporary file is removed).
inline int replace_file_atomically(const std::string& path, const void* data, size_t size, bool durable = false) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  int err = 0;
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (err == 0 && durable && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) ::unlink(tmp.c_str());
  return err;
}

}  // namespace kek
