#include "segment_writer.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <kek/atomic_file.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace kek::dash {

std::optional<WriteError> replace_file(const std::string& path, std::span<const uint8_t> bytes) {
  // No fsync, as for the segments: an MPD or init segment lost in a crash is written again by the
  // restarted stream, and an fsync per write waits for the disk on the streaming thread.
  if (int err = replace_file_atomically(path, bytes.data(), bytes.size()); err != 0) return WriteError{path, g_strerror(err)};
  return std::nullopt;
}

int write_atomically(const std::string& path, std::span<const uint8_t> header, std::vector<iovec>& iov) {
  std::string tmp = path + ".tmp";
  int fd = g_open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  // The header goes in front as one more vector; the list is reused, so this costs no allocation
  // once it has grown.
  iov.insert(iov.begin(), iovec{const_cast<uint8_t*>(header.data()), header.size()});
  // Partial writes (a full disk reports ENOSPC on the next call) are gone on with.
  int err = write_all(fd, iov.data(), iov.size());
  if (close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && g_rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) g_unlink(tmp.c_str());
  return err;
}

void SegmentWriter::start(std::string dir, int64_t prefix_ms, size_t keep, size_t part_keep) {
  dir_ = std::move(dir);
  prefix_ms_ = prefix_ms;
  keep_ = keep;
  part_keep_ = part_keep;
  init_written_for_ = UINT32_MAX;
  files_.clear();
  parts_.clear();
}

std::string SegmentWriter::part_name(int64_t prefix_ms, uint64_t number, unsigned part) {
  return std::to_string(prefix_ms) + "-" + std::to_string(number) + "." + std::to_string(part) + ".m4s";
}

std::optional<WriteError> SegmentWriter::write_part(uint64_t number, unsigned part, std::span<const uint8_t> header,
                                                    std::vector<iovec>& payload) {
  std::string path = part_path(number, part);
  if (int err = write_atomically(path, header, payload)) return WriteError{path, g_strerror(err)};
  if (parts_.empty() || parts_.back().number != number) parts_.push_back({number, {}});
  parts_.back().paths.push_back(std::move(path));
  return std::nullopt;
}

std::string SegmentWriter::init_name(int64_t prefix_ms, unsigned period) {
  std::string name = std::to_string(prefix_ms) + "-init";
  if (period > 0) name += "-" + std::to_string(period);
  return name + ".mp4";
}

std::string SegmentWriter::segment_path(uint64_t number) const {
  return dir_ + "/" + std::to_string(prefix_ms_) + "-" + std::to_string(number) + ".m4s";
}

std::optional<WriteError> SegmentWriter::write_init(unsigned period, std::span<const uint8_t> bytes) {
  if (auto error = replace_file(dir_ + "/" + init_name(period), bytes)) return error;
  init_written_for_ = period;
  return std::nullopt;
}

std::optional<WriteError> SegmentWriter::write_segment(uint64_t number, unsigned period,
                                                       std::span<const uint8_t> header, std::vector<iovec>& payload) {
  std::string path = segment_path(number);
  if (int err = write_atomically(path, header, payload)) return WriteError{path, g_strerror(err)};
  files_.push_back({std::move(path), period});
  // Parts are for the live edge: those of the last part_keep_ segments stay.
  while (!parts_.empty() && parts_.front().number + part_keep_ <= number) {
    for (const auto& p : parts_.front().paths) g_unlink(p.c_str());
    parts_.pop_front();
  }
  while (files_.size() > keep_) {
    OnDisk old = std::move(files_.front());
    files_.pop_front();
    g_unlink(old.path.c_str());
    // The init of a Period we left, once none of its segments is left either.
    bool still_used = std::any_of(files_.begin(), files_.end(), [&](auto& f) { return f.period == old.period; });
    if (!still_used && old.period != period) g_unlink((dir_ + "/" + init_name(old.period)).c_str());
  }
  return std::nullopt;
}

}  // namespace kek::dash
