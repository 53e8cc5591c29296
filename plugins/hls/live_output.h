// The `hls` output of live layouts (kek/live_outputs.h): every rung into one kekhlssink (named
// `hls`) in the stream's folder, the shared audio teed into every variant; /api/live's
// "playlist" is its master playlist.
//
// Rewind (DVR): the playlists keep the last `dvr_window_s` seconds (template variable; default
// 30 minutes, 0 = only the live window), each variant's listed segments bounded to `dvr_max_mb`
// megabytes on disk (default 2048): past that the window is shorter, never the disk full.
#pragma once

#include <kek/live_outputs.h>

#include <cstdint>

namespace kek::hls {

inline constexpr int64_t kDefaultRewindSeconds = 30 * 60;
inline constexpr int64_t kDefaultRewindMegabytes = 2048;

struct RewindWindow {
  int64_t segments = 0;    // playlist-length
  uint64_t max_bytes = 0;  // kekhlssink max-bytes (0: none)
};
RewindWindow rewind_window(const LiveLayoutContext& c);

LiveOutput live_output();

}  // namespace kek::hls
