#include "segment_file.h"

#include <kek/atomic_file.h>

#include <fcntl.h>
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
  if (int err = write_all(fd_, parts, 2); err != 0) {
    error_ = err;
    return false;
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
  iovec gathered{buf_.get(), used_};
  if (int err = write_all(fd_, &gathered, 1); err != 0) {
    error_ = err;
    return false;
  }
  used_ = 0;
  return true;
}

}  // namespace kek::hls
