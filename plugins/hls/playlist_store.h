// Where playlists are written and old segments deleted: the I/O seam of the playlist writers
// (files by default; a test keeps them in memory, other storage can come without touching them).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kek::hls {

// A failed write: `what` names the file, `why` is the system's reason.
struct WriteError {
  std::string what, why;
};

class PlaylistStore {
 public:
  virtual ~PlaylistStore() = default;
  // Replaces the file at `path` with `text` atomically: a reader sees the old one or the new one.
  // The reason on failure.
  virtual std::optional<std::string> replace(const std::string& path, std::string_view text) = 0;
  // Deletes a segment that left the playlist (a missing one is no error).
  virtual void remove(const std::string& path) = 0;
  // The size of a segment written there, in bytes (0 when unknown), for a bound on disk use.
  virtual uint64_t size(const std::string& path) const { (void)path; return 0; }
};

// Files: kek::replace_file_atomically (a temporary file beside the target, renamed over it; no fsync).
class FilePlaylistStore final : public PlaylistStore {
 public:
  // `warn` hears of a segment that could not be deleted (it stays on disk; the stream goes on).
  explicit FilePlaylistStore(std::function<void(const std::string&)> warn = nullptr) : warn_(std::move(warn)) {}
  std::optional<std::string> replace(const std::string& path, std::string_view text) override;
  void remove(const std::string& path) override;
  uint64_t size(const std::string& path) const override;

 private:
  std::function<void(const std::string&)> warn_;
};

}  // namespace kek::hls
