// The default SegmentSink: plain files written with open/write/close on the caller's thread.
// The TS comes an access unit (a few 188-byte packets) at a time, so bytes are gathered in a
// buffer of our own (allocated once, reused for every segment) and written in large blocks: a
// write() per packet would be thousands of system calls a second. A large unit (a keyframe) is
// not copied into the buffer: it goes out behind what the buffer holds in one writev. Nothing is
// renamed: a player learns a segment's name from the playlist, only once it is closed.
#pragma once

#include "ts_cutter.h"

#include <memory>
#include <string>

namespace kek::hls {

class SegmentFile final : public SegmentSink {
 public:
  SegmentFile() = default;
  SegmentFile(const SegmentFile&) = delete;
  SegmentFile& operator=(const SegmentFile&) = delete;
  ~SegmentFile() override { discard(); }

  bool open(const std::string& path) override;
  bool write(std::span<const uint8_t> bytes) override;
  bool close() override;
  void discard() override;
  bool is_open() const override { return fd_ >= 0; }
  int error() const override { return error_; }

  static constexpr size_t kCapacity = 64 * 1024;
  // Units this large are written from the caller's bytes (with the buffer in front, one writev).
  static constexpr size_t kDirectBytes = 16 * 1024;

 private:
  bool flush();
  bool write_through(std::span<const uint8_t> bytes);

  int fd_ = -1;
  std::unique_ptr<uint8_t[]> buf_;
  size_t used_ = 0;
  int error_ = 0;
};

}  // namespace kek::hls
