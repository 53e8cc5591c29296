// Replacing a small file whole: written to a temporary sibling and renamed over the old one, so a
// reader (a player, the HTTP server) sees the old file or the new one, never half of either.
// Unlike g_file_set_contents_full(CONSISTENT), which fsyncs whenever the file existed, it syncs
// only when asked: a playlist, a manifest or a preview picture lost in a crash is written again
// within seconds, and an fsync per write stalls the thread that writes on a busy disk.
// write_all, the write loop under it, serves writers that gather their bytes in several pieces.
// Header-only, POSIX.
#pragma once

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kek {

// Writes every byte of iov[0..count) to fd in order (writev, at most IOV_MAX vectors a call),
// through short writes and EINTR: 0, or the errno of the call that failed (EIO for a call that
// wrote nothing). The vectors are advanced past what went out, so a failed call's are left at
// the first byte not written.
inline int write_all(int fd, iovec* iov, size_t count) {
  size_t i = 0;
  while (i < count) {
    const ssize_t n = ::writev(fd, iov + i, static_cast<int>(std::min<size_t>(count - i, IOV_MAX)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    // Skip what went out (empty vectors too); a partial one starts further on.
    auto left = static_cast<size_t>(n);
    while (i < count && left >= iov[i].iov_len) left -= iov[i++].iov_len;
    if (left > 0) {
      iov[i].iov_base = static_cast<uint8_t*>(iov[i].iov_base) + left;
      iov[i].iov_len -= left;
    } else if (n == 0 && i < count) {
      return EIO;
    }
  }
  return 0;
}

// 0 on success, else the errno of the call that failed (the temporary file is removed).
inline int replace_file_atomically(const std::string& path, const void* data, size_t size, bool durable = false) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  iovec all{const_cast<void*>(data), size};
  int err = write_all(fd, &all, 1);
  if (err == 0 && durable && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) ::unlink(tmp.c_str());
  return err;
}

}  // namespace kek
