#include "media_playlist_writer.h"

#include <algorithm>

namespace kek::hls {

namespace {
constexpr uint64_t kNone = UINT64_MAX;
constexpr uint64_t kNsPerSecond = 1000000000;

std::string basename_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

void MediaPlaylistWriter::start(std::string path, unsigned target_duration_s, unsigned window, unsigned max_files,
                                bool event, uint64_t max_bytes) {
  path_ = std::move(path);
  max_bytes_ = max_bytes;
  sizes_.clear();
  target_ns_ = static_cast<uint64_t>(target_duration_s) * kNsPerSecond;
  max_files_ = max_files;
  playlist_ = MediaPlaylist(target_duration_s, window);
  playlist_.set_event(event);
  open_ = Open();
  seams_.clear();
  files_.clear();
  first_independent_ = true;
  written_ = false;
  wall_offset_us_ = 0;
  have_wall_offset_ = false;
}

void MediaPlaylistWriter::add_seam(uint64_t from, int64_t wall_offset_us) {
  seams_.push_back({from, std::max(wall_offset_us_, wall_offset_us)});
}

void MediaPlaylistWriter::opened(const std::string&, uint64_t at, int64_t run_wall_offset_us) {
  if (!have_wall_offset_) {
    wall_offset_us_ = run_wall_offset_us;
    have_wall_offset_ = true;
  }
  open_ = Open();
  open_.start = at;
  open_.independent = !files_.empty() || first_independent_;
  // Every seam this segment starts at or after is behind us now: one discontinuity for them all
  // (a reconnect that also changes the size is still one seam).
  while (!seams_.empty() && at != kNone && at >= seams_.front().from) {
    open_.discontinuity = true;
    wall_offset_us_ = std::max(wall_offset_us_, seams_.front().wall_offset_us);
    seams_.pop_front();
  }
}

std::optional<WriteError> MediaPlaylistWriter::closed(const std::string& path, uint64_t at) {
  if (path.empty()) return std::nullopt;
  MediaSegment segment;
  segment.uri = basename_of(path);
  if (open_.start != kNone && at != kNone && at > open_.start) segment.duration_ns = at - open_.start;
  segment.discontinuity = open_.discontinuity && !files_.empty();
  segment.independent = open_.independent;
  if (open_.start != kNone)
    segment.start_unix_ms = (wall_offset_us_ + static_cast<int64_t>(open_.start / 1000)) / 1000;
  open_ = Open();
  playlist_.add(std::move(segment));
  files_.push_back(path);
  sizes_.push_back(max_bytes_ > 0 ? store_.size(path) : 0);
  size_t keep_files = max_files_;
  if (max_bytes_ > 0) {
    // The listed segments are the newest files: drop the oldest listed while they take too much.
    auto listed_bytes = [&] {
      uint64_t sum = 0;
      for (size_t i = files_.size() - playlist_.segments().size(); i < files_.size(); ++i) sum += sizes_[i];
      return sum;
    };
    while (playlist_.segments().size() > kMinListed && playlist_.segments().size() <= files_.size() &&
           listed_bytes() > max_bytes_)
      playlist_.drop_oldest();
    // What left the playlist stays two segments longer, as with max-files.
    const size_t bounded = playlist_.segments().size() + 2;
    keep_files = keep_files == 0 ? bounded : std::min<size_t>(keep_files, bounded);
  }
  auto error = write();
  // Segments that left the playlist stay a while (max-files) for players still fetching them.
  while (keep_files > 0 && files_.size() > keep_files) {
    store_.remove(files_.front());
    files_.pop_front();
    sizes_.pop_front();
  }
  return error;
}

std::optional<WriteError> MediaPlaylistWriter::end() {
  if (playlist_.ended()) return std::nullopt;
  playlist_.end();
  return write();
}

bool MediaPlaylistWriter::should_cut(uint64_t at, uint64_t length) const {
  if (at == kNone) return false;
  if (!seams_.empty() && at >= seams_.front().from) return true;
  return open_.start != kNone && at + length >= open_.start + target_ns_;
}

std::optional<WriteError> MediaPlaylistWriter::write() {
  if (auto why = store_.replace(path_, playlist_.render()))
    return WriteError{"Could not write the HLS playlist " + path_, *why};
  written_ = true;
  return std::nullopt;
}

}  // namespace kek::hls
