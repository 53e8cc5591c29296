// One variant's media playlist as its segments come and go: what the cutter reports (a segment
// opened at a running time, closed at another) becomes MediaPlaylist entries with their
// durations, discontinuities (the first segment at or after a seam) and wall-clock dates; the
// playlist is rewritten through the PlaylistStore after every segment and at the end, and
// segments beyond max-files are deleted. Pure logic behind the store, unit-tested on its own;
// the caller serializes the calls (kekhlssink holds its lock).
#pragma once

#include "media_playlist.h"
#include "playlist_store.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace kek::hls {

class MediaPlaylistWriter {
 public:
  explicit MediaPlaylistWriter(PlaylistStore& store) : store_(store) {}

  // A new run: the playlist file `path`, `target_duration_s` and `window` as MediaPlaylist takes
  // them, `max_files` segments kept on disk (0 = all); `event`: an event playlist (a file being
  // packaged, see MediaPlaylist::set_event). `max_bytes` > 0 bounds what the listed segments
  // may take on disk (a long rewind window): the oldest leave the playlist, and the disk, first,
  // but at least kMinListed stay listed.
  void start(std::string path, unsigned target_duration_s, unsigned window, unsigned max_files,
             bool event = false, uint64_t max_bytes = 0);
  static constexpr size_t kMinListed = 3;

  // The run's first buffer was (not) a keyframe: the first segment is (not) independent.
  void set_first_independent(bool independent) { first_independent_ = independent; }
  // A seam at running time `from`: the first segment at or after it is discontinuous, dated from
  // `wall_offset_us` (unix time of running time 0 after the seam; dates never move back).
  void add_seam(uint64_t from, int64_t wall_offset_us);
  // Unix time (us) of running time 0 for the segments now being dated.
  int64_t wall_offset_us() const { return wall_offset_us_; }

  // A segment started at running time `at`; `run_wall_offset_us` dates the run's first one.
  void opened(const std::string& path, uint64_t at, int64_t run_wall_offset_us);
  // It ended at running time `at`: listed, the playlist rewritten, old segments deleted.
  std::optional<WriteError> closed(const std::string& path, uint64_t at);
  // No more segments: EXT-X-ENDLIST (once).
  std::optional<WriteError> end();

  // Whether the open segment should end before a unit at `at` lasting `length`: the first one
  // that reaches target-duration, or the first at or after a seam.
  bool should_cut(uint64_t at, uint64_t length) const;

  bool written() const { return written_; }  // the playlist file exists
  bool ended() const { return playlist_.ended(); }
  const MediaPlaylist& playlist() const { return playlist_; }

 private:
  struct Seam {
    uint64_t from = 0;
    int64_t wall_offset_us = 0;
  };
  struct Open {
    uint64_t start = UINT64_MAX;  // running time; UINT64_MAX: none open
    bool discontinuity = false;
    bool independent = true;
  };

  std::optional<WriteError> write();

  PlaylistStore& store_;
  std::string path_;
  uint64_t target_ns_ = 0;
  unsigned max_files_ = 0;
  MediaPlaylist playlist_;
  Open open_;
  std::deque<Seam> seams_;         // registered, not yet reached by a segment start
  std::deque<std::string> files_;  // segments on disk, oldest first
  std::deque<uint64_t> sizes_;     // their sizes (the store's), in the same order
  uint64_t max_bytes_ = 0;
  bool first_independent_ = true;
  bool written_ = false;
  int64_t wall_offset_us_ = 0;
  bool have_wall_offset_ = false;
};

}  // namespace kek::hls
