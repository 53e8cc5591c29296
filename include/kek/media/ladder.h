// Ladder arithmetic shared by the live layout (core) and the VOD ladder (library plugin).
// Header-only and pure.
#pragma once

#include <algorithm>
#include <cmath>

namespace kek::media {

// Width for a rung of the given height keeping the source's aspect ratio, even (4:2:0). An
// unknown source size is taken as 16:9.
inline int rung_width(int height, int source_width, int source_height) {
  if (source_width <= 0 || source_height <= 0) {
    source_width = 16;
    source_height = 9;
  }
  double w = static_cast<double>(height) * source_width / source_height;
  int even = static_cast<int>(std::lround(w / 2.0)) * 2;
  return std::max(even, 2);
}

}  // namespace kek::media
