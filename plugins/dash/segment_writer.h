// The DASH writer: one Representation's files in its folder. Init segments (one per Period) and
// media segments are written whole into a temporary sibling and renamed over, so a player (or the
// HTTP server) sees the whole file or none of it; media segments go out with one writev from the
// samples' own memory after their header. The oldest segments beyond the window (+2, for players
// still fetching them) are deleted, with the init of a Period none of them is in any more. Plain
// POSIX and GLib, no GStreamer: unit-tested on its own.
//
// LL-HLS parts (RFC 8216bis): part p of segment n is its own file "<prefix>-<n>.<p>.m4s" (one
// moof + mdat), written the same way before the segment that repeats its bytes; the parts of
// the last `part_keep` segments (and of the one being written) stay, older ones are deleted.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kek::dash {

// A file that could not be written, and the system's reason.
struct WriteError {
  std::string path, reason;
};

// Small whole files (the MPD, init segments): GLib writes a temporary file and renames it over.
std::optional<WriteError> replace_file(const std::string& path, std::span<const uint8_t> bytes);

// Writes `header` then `iov` into path's temporary sibling and renames it over path. `iov` is
// reused by the caller (the header goes in front of it). Returns 0 or an errno.
int write_atomically(const std::string& path, std::span<const uint8_t> header, std::vector<iovec>& iov);

class SegmentWriter {
 public:
  // A new run: files in `dir` named after the run's `prefix_ms`; `keep` media segments stay.
  void start(std::string dir, int64_t prefix_ms, size_t keep, size_t part_keep = 4);

  // "<prefix>-init.mp4" for Period 0, "<prefix>-init-<n>.mp4" after: named per run like the
  // segments, so a restarted pipeline (maybe with another SPS) never serves a stale init.
  static std::string init_name(int64_t prefix_ms, unsigned period);
  std::string init_name(unsigned period) const { return init_name(prefix_ms_, period); }

  // Whether the init of `period` is the one on disk.
  bool has_init(unsigned period) const { return init_written_for_ == period; }
  std::optional<WriteError> write_init(unsigned period, std::span<const uint8_t> bytes);
  // Media segment `number` of `period`, then the window kept.
  std::optional<WriteError> write_segment(uint64_t number, unsigned period, std::span<const uint8_t> header,
                                          std::vector<iovec>& payload);

  // Part `part` (0-based) of media segment `number`: `header` (moof + mdat header) then `payload`.
  std::optional<WriteError> write_part(uint64_t number, unsigned part, std::span<const uint8_t> header,
                                       std::vector<iovec>& payload);

  const std::string& dir() const { return dir_; }
  std::string segment_path(uint64_t number) const;
  // "<prefix>-<number>.<part>.m4s"
  static std::string part_name(int64_t prefix_ms, uint64_t number, unsigned part);
  std::string part_path(uint64_t number, unsigned part) const { return dir_ + "/" + part_name(prefix_ms_, number, part); }

 private:
  struct OnDisk {
    std::string path;
    unsigned period = 0;
  };

  std::string dir_;
  int64_t prefix_ms_ = 0;
  size_t keep_ = 8;
  unsigned init_written_for_ = UINT32_MAX;
  std::deque<OnDisk> files_;
  struct PartsOnDisk {
    uint64_t number = 0;
    std::vector<std::string> paths;
  };
  size_t part_keep_ = 4;
  std::deque<PartsOnDisk> parts_;  // by segment number, oldest first
};

}  // namespace kek::dash
