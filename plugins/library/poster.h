// The owner's own poster image for an item: decoded with GStreamer (JPEG, PNG, WebP), scaled to
// fit 1280x1280 and written again as a JPEG (so no metadata or hostile bytes are served back).
#pragma once

#include <kek/error.h>

#include <string>

namespace kek::library {

inline constexpr int kPosterMaxSide = 1280;
inline constexpr const char* kOwnPosterName = "poster-own.jpg";

// Blocking (a short pipeline): run on a worker thread. Writes `out_path` atomically.
Status reencode_poster(const std::string& image, const std::string& out_path);

}  // namespace kek::library
