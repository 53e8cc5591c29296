#include "segment_file.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace kek::hls {

bool SegmentFile::open(const std::string& path) {
  discard();
  if (!buf_) buf_ = std::make_unique<uint8_t[]>(kCapacity);
  used_ = 0;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  error_ = fd_ < 0 ? errno : 0;
  return fd_ >= 0;
}

bool SegmentFile::write(std::span<const uint8_t> bytes) {
  // A large unit (a keyframe's packets) goes out with what is gathered in one writev, not
  // copied into the buffer first.
  if (bytes.size() >= kDirectBytes) return write_through(bytes);
  const uint8_t* data = bytes.data();
  size_t size = bytes.size();
  while (size > 0) {
    if (used_ == kCapacity && !flush()) return false;
    size_t n = std::min(size, kCapacity - used_);
    std::copy_n(data, n, buf_.get() + used_);
    used_ += n;
    data += n;
    size -= n;
  }
  return true;
}

bool SegmentFile::write_through(std::span<const uint8_t> bytes) {
  iovec parts[2] = {{buf_.get(), used_}, {const_cast<uint8_t*>(bytes.data()), bytes.size()}};
  int first = used_ > 0 ? 0 : 1;
  while (first < 2) {
    ssize_t n = ::writev(fd_, parts + first, 2 - first);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      return false;
    }
    // A short write: skip what went out.
    for (auto left = static_cast<size_t>(n); left > 0 && first < 2;) {
      const size_t step = std::min(left, parts[first].iov_len);
      parts[first].iov_base = static_cast<uint8_t*>(parts[first].iov_base) + step;
      parts[first].iov_len -= step;
      left -= step;
      if (parts[first].iov_len == 0) ++first;
    }
    while (first < 2 && parts[first].iov_len == 0) ++first;
  }
  used_ = 0;
  return true;
}

bool SegmentFile::close() {
  bool ok = flush();
  if (::close(std::exchange(fd_, -1)) != 0 && ok) {
    error_ = errno;
    ok = false;
  }
  return ok;
}

void SegmentFile::discard() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  used_ = 0;
}

bool SegmentFile::flush() {
  size_t done = 0;
  while (done < used_) {
    ssize_t n = ::write(fd_, buf_.get() + done, used_ - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  used_ = 0;
  return true;
}

}  // namespace kek::hls
