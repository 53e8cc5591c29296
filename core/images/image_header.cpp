#include "images/image_header.h"

#include <cstdint>

namespace kek::core {
namespace {

uint32_t be16(std::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at])} << 8) | static_cast<uint8_t>(b[at + 1]);
}
uint32_t be32(std::string_view b, size_t at) { return (be16(b, at) << 16) | be16(b, at + 2); }
uint32_t le16(std::string_view b, size_t at) {
  return uint32_t{static_cast<uint8_t>(b[at])} | (uint32_t{static_cast<uint8_t>(b[at + 1])} << 8);
}
uint32_t le24(std::string_view b, size_t at) { return le16(b, at) | (uint32_t{static_cast<uint8_t>(b[at + 2])} << 16); }

std::optional<std::pair<int, int>> sized(uint64_t w, uint64_t h) {
  if (w == 0 || h == 0 || w > 0x7fffffff || h > 0x7fffffff) return std::nullopt;
  return std::pair<int, int>{static_cast<int>(w), static_cast<int>(h)};
}

// PNG: signature, then the IHDR chunk (length 13) with width and height first.
std::optional<std::pair<int, int>> png(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  return sized(be32(b, 16), be32(b, 20));
}

// JPEG: segments after SOI until a start-of-frame (SOF0..SOF15 but DHT C4, JPG C8, DAC CC).
std::optional<std::pair<int, int>> jpeg(std::string_view b) {
  size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<uint8_t>(b[at]) != 0xff) return std::nullopt;
    const uint8_t marker = static_cast<uint8_t>(b[at + 1]);
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {  // no length
      at += 2;
      continue;
    }
    if (marker == 0xd9 || marker == 0xda) return std::nullopt;  // EOI or scan before any frame
    const uint32_t length = be16(b, at + 2);
    if (length < 2) return std::nullopt;
    const bool sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (sof) {
      if (length < 7 || at + 9 > b.size()) return std::nullopt;
      return sized(be16(b, at + 7), be16(b, at + 5));
    }
    at += 2 + length;
  }
  return std::nullopt;
}

// WebP: RIFF/WEBP, then a VP8 (lossy), VP8L (lossless) or VP8X (extended) chunk.
std::optional<std::pair<int, int>> webp(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8X") return sized(uint64_t{le24(b, 24)} + 1, uint64_t{le24(b, 27)} + 1);
  if (chunk == "VP8L") {
    if (static_cast<uint8_t>(b[20]) != 0x2f) return std::nullopt;
    const uint32_t bits = le16(b, 21) | (le16(b, 23) << 16);
    return sized((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
  }
  if (chunk == "VP8 ") {
    // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
    if (static_cast<uint8_t>(b[23]) != 0x9d || static_cast<uint8_t>(b[24]) != 0x01 ||
        static_cast<uint8_t>(b[25]) != 0x2a)
      return std::nullopt;
    return sized(le16(b, 26) & 0x3fff, le16(b, 28) & 0x3fff);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<int, int>> declared_image_size(std::string_view b) {
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return png(b);
  if (b.size() >= 3 && b.substr(0, 3) == std::string_view("\xff\xd8\xff", 3)) return jpeg(b);
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return webp(b);
  return std::nullopt;
}

}  // namespace kek::core
