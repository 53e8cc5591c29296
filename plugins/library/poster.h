// The owner's own poster image for an item: decoded by kek::Images (JPEG, PNG, WebP; at most
// 4096 px a side), fitted in 1280x1280 and written again as a JPEG (so no metadata or hostile
// bytes are served back).
#pragma once

#include <kek/error.h>

#include <string>

namespace kek::library {

inline constexpr int kPosterMaxSide = 1280;
inline constexpr const char* kOwnPosterName = "poster-own.jpg";

// Writes the re-encoded JPEG to `out_path` atomically (its folder made if missing). Blocking file
// I/O: worker thread.
Status write_poster(const std::string& jpeg, const std::string& out_path);

}  // namespace kek::library
