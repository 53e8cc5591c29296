#include "master_playlist.h"

#include <kek/media/codec_strings.h>
#include <kek/media/rendition_settings.h>

#include <array>
#include <cstdio>

namespace kek::hls {

namespace {

using kek::media::avc1_codec;

struct ProfileBytes {
  std::string_view name;
  uint8_t profile_idc;
  uint8_t constraints;
};

// h264parse's profile names (gst_codec_utils_h264_get_profile). The constraint bytes are what
// common encoders (x264, hardware encoders) write; the SPS, when we get it, is authoritative.
constexpr std::array kProfiles = {
    ProfileBytes{"constrained-baseline", 0x42, 0xc0}, ProfileBytes{"baseline", 0x42, 0x00},
    ProfileBytes{"main", 0x4d, 0x40},                 ProfileBytes{"extended", 0x58, 0x00},
    ProfileBytes{"high", 0x64, 0x00},                 ProfileBytes{"progressive-high", 0x64, 0x08},
    ProfileBytes{"constrained-high", 0x64, 0x0c},     ProfileBytes{"high-10", 0x6e, 0x00},
    ProfileBytes{"high-10-intra", 0x6e, 0x10},        ProfileBytes{"high-4:2:2", 0x7a, 0x00},
    ProfileBytes{"high-4:2:2-intra", 0x7a, 0x10},     ProfileBytes{"high-4:4:4", 0xf4, 0x00},
    ProfileBytes{"high-4:4:4-intra", 0xf4, 0x10},
};

}  // namespace

// The codec strings are shared with the DASH packager (include/kek/media/codec_strings.h).
std::optional<std::string> avc1_from_sps(std::span<const uint8_t> sps) { return kek::media::avc1_from_sps(sps); }

std::optional<std::string> avc1_from_avcc(std::span<const uint8_t> avcc) { return kek::media::avc1_from_avcc(avcc); }

std::optional<std::string> avc1_from_caps(std::string_view profile, std::string_view level) {
  const ProfileBytes* p = nullptr;
  for (const auto& candidate : kProfiles)
    if (candidate.name == profile) p = &candidate;
  if (!p || level.empty()) return std::nullopt;
  uint8_t constraints = p->constraints;
  int level_idc = 0;
  if (level == "1b") {
    // Level 1b is level_idc 11 + constraint_set3 in Baseline/Main/Extended, level_idc 9 above.
    if (p->profile_idc == 0x42 || p->profile_idc == 0x4d || p->profile_idc == 0x58) {
      level_idc = 11;
      constraints |= 0x10;
    } else {
      level_idc = 9;
    }
  } else {
    // "3" -> 30, "3.1" -> 31.
    int major = 0, minor = 0;
    size_t i = 0;
    for (; i < level.size() && level[i] >= '0' && level[i] <= '9'; ++i) major = major * 10 + (level[i] - '0');
    if (i == 0) return std::nullopt;
    if (i < level.size()) {
      if (level[i] != '.' || i + 2 != level.size() || level[i + 1] < '0' || level[i + 1] > '9') return std::nullopt;
      minor = level[i + 1] - '0';
    }
    level_idc = major * 10 + minor;
    if (level_idc <= 0 || level_idc > 255) return std::nullopt;
  }
  return avc1_codec(p->profile_idc, constraints, static_cast<uint8_t>(level_idc));
}

std::span<const uint8_t> find_sps_annexb(std::span<const uint8_t> au) {
  // Start codes are 00 00 01 (a 4-byte 00 00 00 01 ends the same way). The SPS runs to the next
  // start code, but only its first bytes matter to us, so its end is found just for tidiness.
  for (size_t i = 0; i + 3 < au.size(); ++i) {
    if (au[i] != 0 || au[i + 1] != 0 || au[i + 2] != 1) continue;
    size_t start = i + 3;
    if ((au[start] & 0x1f) != 7) continue;
    size_t end = start + 1;
    while (end + 2 < au.size() && !(au[end] == 0 && au[end + 1] == 0 && (au[end + 2] == 1 || au[end + 2] == 0)))
      ++end;
    if (end + 2 >= au.size()) end = au.size();
    return au.subspan(start, end - start);
  }
  return {};
}

std::optional<int> aac_object_type(std::span<const uint8_t> asc) { return kek::media::aac_object_type(asc); }

std::optional<int> aac_object_type_from_profile(std::string_view profile) {
  if (profile == "main") return 1;
  if (profile == "lc") return 2;
  if (profile == "ssr") return 3;
  if (profile == "ltp") return 4;
  if (profile == "he-aac" || profile == "sbr") return 5;
  if (profile == "he-aac-v2" || profile == "ps") return 29;
  return std::nullopt;
}

std::string mp4a_codec(int object_type) { return kek::media::mp4a_codec(object_type); }

std::string format_frame_rate(int num, int den) {
  if (num <= 0 || den <= 0) return {};
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.3f", static_cast<double>(num) / den);
  return buf.data();
}

std::string render_master(const std::vector<VariantEntry>& variants) {
  // Version 3: nothing here needs more, and it matches the media playlists.
  // INDEPENDENT-SEGMENTS holds because splitmuxsink starts every segment on a keyframe.
  std::string out = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const auto& v : variants) {
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(v.bandwidth);
    if (v.average_bandwidth > 0) out += ",AVERAGE-BANDWIDTH=" + std::to_string(v.average_bandwidth);
    if (v.width > 0 && v.height > 0)
      out += ",RESOLUTION=" + std::to_string(v.width) + "x" + std::to_string(v.height);
    if (!v.codecs.empty()) {
      out += ",CODECS=\"";
      for (size_t i = 0; i < v.codecs.size(); ++i) out += (i ? "," : "") + v.codecs[i];
      out += "\"";
    }
    if (auto rate = format_frame_rate(v.fps_num, v.fps_den); !rate.empty()) out += ",FRAME-RATE=" + rate;
    out += "\n" + v.uri + "\n";
  }
  return out;
}

// Shared with kekdashsink's representation names (include/kek/media/rendition_settings.h).
bool valid_variant_name(std::string_view name) { return kek::media::valid_rendition_name(name); }

std::vector<std::string> split_list(std::string_view list) { return kek::media::split_list(list); }

bool changed_by_more_than(uint64_t then, uint64_t now, double fraction) {
  if (then == 0) return now != 0;
  double diff = now > then ? static_cast<double>(now - then) : static_cast<double>(then - now);
  return diff > fraction * static_cast<double>(then);
}

}  // namespace kek::hls
