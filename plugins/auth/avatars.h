// Avatars: an uploaded PNG, JPEG or WebP is decoded with GStreamer (anything that does not
// decode is refused), cropped to a centred square and re-encoded as JPEG at two sizes, which
// also drops whatever metadata the upload carried.
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

// "image/png", "image/jpeg" or "image/webp" from the first bytes, or nullopt.
std::optional<std::string> sniff_image_type(std::string_view bytes);

// Blocking (tens of milliseconds, bounded by a timeout): run it on a worker thread.
// 400 when the bytes are not an image GStreamer can decode, or the image is absurdly large.
Result<AvatarImages> render_avatar(const std::string& bytes);

// Writes <media_dir>/avatars/<user_id>/<version>-256.jpg and -64.jpg (atomically) and removes
// the files of older versions. Blocking file I/O: worker thread.
Status store_avatar(const std::string& media_dir, int64_t user_id, int64_t version, const AvatarImages& images);
// Removes <media_dir>/avatars/<user_id>/ (a deleted account's pictures). Blocking file I/O.
void remove_avatars(const std::string& media_dir, int64_t user_id);

}  // namespace kek::auth
