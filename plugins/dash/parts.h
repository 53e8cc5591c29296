// Where kekdashsink cuts LL-HLS parts (RFC 8216bis 4.4.4.9): a part never runs past the Part
// Target Duration, so it closes before the sample that would take it there (that sample, a
// keyframe or not, starts the next part). The last part of a segment ends with the segment (a
// keyframe for video, the grid for audio) and may be shorter. Pure logic, unit-tested.
#pragma once

#include <cstdint>

namespace kek::dash {

// Rounding upstream (29.97 fps, 1024-sample AAC frames) must not cost a frame per part.
inline constexpr int64_t kPartSlackNs = 1000000;

// Whether a sample decoding at `dts` starts a new part: the open part began at `part_start`, its
// last sample decodes at `last_dts`, and this sample is taken to last as long as that one did.
inline bool part_is_full(int64_t part_start, int64_t last_dts, int64_t dts, uint64_t part_ns) {
  if (part_ns == 0 || dts <= part_start) return false;
  const int64_t duration = dts - last_dts;
  return dts - part_start + duration > static_cast<int64_t>(part_ns) + kPartSlackNs;
}

}  // namespace kek::dash
