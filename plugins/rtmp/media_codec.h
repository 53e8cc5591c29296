// What codec an FLV audio or video tag body carries, read from its first bytes: the legacy
// FLV codec ids, and the FourCC of enhanced RTMP (the IsExHeader bit), so the server can refuse
// a codec it cannot handle with a message that names it instead of failing later in a demuxer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace kek::rtmp {

enum class MediaKind { audio, video };

// FourCC as a big-endian integer: fourcc("hvc1").
constexpr std::uint32_t fourcc(const char (&code)[5]) {
  return (std::uint32_t{static_cast<unsigned char>(code[0])} << 24) |
         (std::uint32_t{static_cast<unsigned char>(code[1])} << 16) |
         (std::uint32_t{static_cast<unsigned char>(code[2])} << 8) |
         std::uint32_t{static_cast<unsigned char>(code[3])};
}

namespace flv_codec {
inline constexpr std::uint8_t video_avc = 7;   // H.264
inline constexpr std::uint8_t audio_mp3 = 2;
inline constexpr std::uint8_t audio_aac = 10;
}  // namespace flv_codec

struct CodecInfo {
  MediaKind kind = MediaKind::video;
  // Enhanced RTMP signalling (video: IsExHeader bit 0x80; audio: SoundFormat 9), which names
  // the codec by FourCC ("hvc1", "av01", "vp09", "avc1", "Opus", "fLaC", "mp4a", ...).
  bool enhanced = false;
  std::uint8_t codec_id = 0;  // legacy: FLV video CodecID or audio SoundFormat; 0 if enhanced
  std::uint32_t fourcc = 0;   // enhanced: the FourCC; 0 if legacy or not readable

  bool is_h264() const {
    return kind == MediaKind::video &&
           (enhanced ? fourcc == rtmp::fourcc("avc1") : codec_id == flv_codec::video_avc);
  }
  bool is_aac() const {
    return kind == MediaKind::audio &&
           (enhanced ? fourcc == rtmp::fourcc("mp4a") : codec_id == flv_codec::audio_aac);
  }
  // "H.264/AVC (FLV codec id 7)", "HEVC (enhanced RTMP FourCC 'hvc1')", "AAC (FLV sound format 10)".
  std::string describe() const;

  friend bool operator==(const CodecInfo&, const CodecInfo&) = default;
};

// The names people know, from a sequence header's configuration (legacy FLV tags): "H.264 High
// 4.1" from an AVC sequence header, "AAC-LC 48 kHz stereo" from an AAC one; empty for anything
// else (not a sequence header, another codec, too short).
std::string friendly_video_format(std::span<const std::uint8_t> tag_body);
std::string friendly_audio_format(std::span<const std::uint8_t> tag_body);

// nullopt for an empty body (nothing to tell).
std::optional<CodecInfo> parse_video_codec(std::span<const std::uint8_t> tag_body);
std::optional<CodecInfo> parse_audio_codec(std::span<const std::uint8_t> tag_body);

}  // namespace kek::rtmp
