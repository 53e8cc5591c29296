// Avatars: an uploaded PNG, JPEG or WebP is decoded by kek::Images (include/kek/services/images.h:
// anything that does not decode, or is over 4096 px a side, is refused; one picture per user at a
// time), cropped to a centred square and re-encoded as JPEG at two sizes, which also drops
// whatever metadata the upload carried. This file stores the result.
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kek::auth {

inline constexpr int kAvatarLargeSize = 256;
inline constexpr int kAvatarSmallSize = 64;

struct AvatarImages {
  std::string large_jpeg;  // 256x256
  std::string small_jpeg;  // 64x64
};

// Writes <media_dir>/avatars/<user_id>/<version>-256.jpg and -64.jpg (atomically) and removes
// the files of older versions. Blocking file I/O: worker thread.
Status store_avatar(const std::string& media_dir, int64_t user_id, int64_t version, const AvatarImages& images);
// Removes <media_dir>/avatars/<user_id>/ (a deleted account's pictures). Blocking file I/O.
void remove_avatars(const std::string& media_dir, int64_t user_id);

}  // namespace kek::auth
