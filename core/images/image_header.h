// The pixel size a PNG, JPEG or WebP file declares in its header, read without decoding: what
// kek::Images checks against its bound before any decoder allocates a frame. Any bytes may come
// in (an upload); nullopt when the header is missing, cut short or makes no sense.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace kek::core {

// {width, height} as stored (before any EXIF orientation).
std::optional<std::pair<int, int>> declared_image_size(std::string_view bytes);

}  // namespace kek::core
