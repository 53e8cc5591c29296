#include "media_codec.h"

#include <kek/media/codec_strings.h>

namespace kek::rtmp {

namespace {

// Enhanced RTMP packet types after which the FourCC is not at byte 1.
constexpr std::uint8_t kVideoPacketMultitrack = 6;
constexpr std::uint8_t kVideoPacketModEx = 7;
constexpr std::uint8_t kAudioPacketMultitrack = 5;
constexpr std::uint8_t kAudioPacketModEx = 7;
constexpr std::uint8_t kSoundFormatExHeader = 9;

std::uint32_t fourcc_at(std::span<const std::uint8_t> body, std::size_t offset) {
  if (body.size() < offset + 4) return 0;
  return (std::uint32_t{body[offset]} << 24) | (std::uint32_t{body[offset + 1]} << 16) |
         (std::uint32_t{body[offset + 2]} << 8) | std::uint32_t{body[offset + 3]};
}

std::string fourcc_text(std::uint32_t code) {
  std::string text;
  for (int shift = 24; shift >= 0; shift -= 8) {
    char c = static_cast<char>((code >> shift) & 0xff);
    text += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return text;
}

const char* video_name(std::uint8_t id) {
  switch (id) {
    case 1: return "JPEG";
    case 2: return "Sorenson H.263";
    case 3: return "Screen Video";
    case 4: return "On2 VP6";
    case 5: return "On2 VP6 with alpha";
    case 6: return "Screen Video v2";
    case 7: return "H.264/AVC";
    case 12: return "HEVC (non-standard FLV codec id)";
    case 13: return "AV1 (non-standard FLV codec id)";
    default: return "unknown video codec";
  }
}

const char* audio_name(std::uint8_t format) {
  switch (format) {
    case 0: return "Linear PCM, platform endian";
    case 1: return "ADPCM";
    case 2: return "MP3";
    case 3: return "Linear PCM, little endian";
    case 4: return "Nellymoser 16 kHz";
    case 5: return "Nellymoser 8 kHz";
    case 6: return "Nellymoser";
    case 7: return "G.711 A-law";
    case 8: return "G.711 mu-law";
    case 10: return "AAC";
    case 11: return "Speex";
    case 14: return "MP3 8 kHz";
    case 15: return "device-specific sound";
    default: return "unknown audio codec";
  }
}

const char* fourcc_name(std::uint32_t code) {
  if (code == fourcc("avc1")) return "H.264/AVC";
  if (code == fourcc("hvc1")) return "HEVC";
  if (code == fourcc("av01")) return "AV1";
  if (code == fourcc("vp09")) return "VP9";
  if (code == fourcc("vp08")) return "VP8";
  if (code == fourcc("mp4a")) return "AAC";
  if (code == fourcc("Opus")) return "Opus";
  if (code == fourcc("fLaC")) return "FLAC";
  if (code == fourcc("ac-3")) return "AC-3";
  if (code == fourcc("ec-3")) return "E-AC-3";
  if (code == fourcc(".mp3")) return "MP3";
  return "unknown codec";
}

}  // namespace

std::string CodecInfo::describe() const {
  if (enhanced) {
    if (fourcc == 0) return "enhanced RTMP " + std::string(kind == MediaKind::video ? "video" : "audio") +
                            " with an unreadable FourCC";
    return std::string(fourcc_name(fourcc)) + " (enhanced RTMP FourCC '" + fourcc_text(fourcc) + "')";
  }
  if (kind == MediaKind::video) {
    return std::string(video_name(codec_id)) + " (FLV codec id " + std::to_string(codec_id) + ")";
  }
  return std::string(audio_name(codec_id)) + " (FLV sound format " + std::to_string(codec_id) + ")";
}

std::string friendly_video_format(std::span<const std::uint8_t> body) {
  // [FrameType:4 CodecID:4][AVCPacketType 0][CompositionTime 3][AVCDecoderConfigurationRecord]
  if (body.size() < 9 || (body[0] & 0x80) || (body[0] & 0x0f) != flv_codec::video_avc || body[1] != 0) return {};
  const std::uint8_t profile = body[6], level = body[8];
  const char* name = nullptr;
  switch (profile) {
    case 66: name = (body[7] & 0x40) ? "Constrained Baseline" : "Baseline"; break;
    case 77: name = "Main"; break;
    case 88: name = "Extended"; break;
    case 100: name = "High"; break;
    case 110: name = "High 10"; break;
    case 122: name = "High 4:2:2"; break;
    case 244: name = "High 4:4:4"; break;
    default: break;
  }
  std::string out = "H.264";
  if (name) out += std::string(" ") + name;
  if (level > 0) {
    out += " " + std::to_string(level / 10);
    if (level % 10) out += "." + std::to_string(level % 10);
  }
  return out;
}

std::string friendly_audio_format(std::span<const std::uint8_t> body) {
  // [SoundFormat:4 ...][AACPacketType 0][AudioSpecificConfig: object 5 bits, frequency 4, channels 4]
  if (body.size() < 4 || (body[0] >> 4) != flv_codec::audio_aac || body[1] != 0) return {};
  const unsigned object = body[2] >> 3;
  const unsigned frequency_index = ((body[2] & 0x07) << 1) | (body[3] >> 7);
  const unsigned channels = (body[3] >> 3) & 0x0f;
  std::string out;
  switch (object) {
    case 1: out = "AAC Main"; break;
    case 2: out = "AAC-LC"; break;
    case 5: out = "HE-AAC"; break;
    case 29: out = "HE-AACv2"; break;
    default: out = "AAC"; break;
  }
  if (const auto known = kek::media::aac_sample_rate(frequency_index)) {
    const unsigned rate = *known;
    out += rate % 1000 ? " " + std::to_string(rate / 1000) + "." + std::to_string(rate % 1000 / 100) + " kHz"
                       : " " + std::to_string(rate / 1000) + " kHz";
  }
  if (channels == 1) out += " mono";
  else if (channels == 2) out += " stereo";
  else if (channels == 6) out += " 5.1";
  return out;
}

std::optional<CodecInfo> parse_video_codec(std::span<const std::uint8_t> body) {
  if (body.empty()) return std::nullopt;
  CodecInfo info;
  info.kind = MediaKind::video;
  const std::uint8_t first = body[0];
  if ((first & 0x80) == 0) {
    info.codec_id = first & 0x0f;
    return info;
  }
  // Enhanced RTMP: [IsExHeader:1][FrameType:3][PacketType:4] then the FourCC, except for
  // multitrack (one more byte first) and ModEx (a variable-size modifier first, left unread).
  info.enhanced = true;
  const std::uint8_t packet_type = first & 0x0f;
  if (packet_type == kVideoPacketMultitrack) info.fourcc = fourcc_at(body, 2);
  else if (packet_type != kVideoPacketModEx) info.fourcc = fourcc_at(body, 1);
  return info;
}

std::optional<CodecInfo> parse_audio_codec(std::span<const std::uint8_t> body) {
  if (body.empty()) return std::nullopt;
  CodecInfo info;
  info.kind = MediaKind::audio;
  const std::uint8_t format = body[0] >> 4;
  if (format != kSoundFormatExHeader) {
    info.codec_id = format;
    return info;
  }
  // Enhanced RTMP audio: [SoundFormat=9:4][AudioPacketType:4] then the FourCC.
  info.enhanced = true;
  const std::uint8_t packet_type = body[0] & 0x0f;
  if (packet_type == kAudioPacketMultitrack) info.fourcc = fourcc_at(body, 2);
  else if (packet_type != kAudioPacketModEx) info.fourcc = fourcc_at(body, 1);
  return info;
}

}  // namespace kek::rtmp
