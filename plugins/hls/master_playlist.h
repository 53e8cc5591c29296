// The HLS master playlist (RFC 8216 section 4.3.4.2) and the RFC 6381 codec strings it carries.
// Pure text and byte logic: no GStreamer, no I/O, so it is unit-tested on its own; kekhlssink
// feeds it what the caps and the first buffers tell.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kek::hls {

// "avc1.PPCCLL" from an SPS NAL unit (starting with its one-byte NAL header): profile_idc,
// the constraint flags byte and level_idc are its next three bytes, as RFC 6381 wants them.
std::optional<std::string> avc1_from_sps(std::span<const uint8_t> sps);

// The same from an avcC (AVCDecoderConfigurationRecord, the caps' codec_data in stream-format=avc).
std::optional<std::string> avc1_from_avcc(std::span<const uint8_t> avcc);

// A fallback from h264parse's caps strings (profile=high, level=3.1) when no SPS was seen. The
// constraint flags are guessed from the profile name, so prefer the SPS.
std::optional<std::string> avc1_from_caps(std::string_view profile, std::string_view level);

// The first SPS in an Annex B (start-code) access unit, with its NAL header byte; empty if none.
std::span<const uint8_t> find_sps_annexb(std::span<const uint8_t> access_unit);

// The AAC audio object type from an AudioSpecificConfig (the caps' codec_data in
// stream-format=raw); nullopt if it is too short.
std::optional<int> aac_object_type(std::span<const uint8_t> audio_specific_config);
// The same from aacparse's caps profile string ("lc", "he-aac", ...); nullopt if unknown.
std::optional<int> aac_object_type_from_profile(std::string_view profile);
// "mp4a.40.N".
std::string mp4a_codec(int object_type);

// FRAME-RATE's decimal-floating-point, three decimals ("29.970"); empty for 0 or a bad fraction.
std::string format_frame_rate(int num, int den);

struct VariantEntry {
  std::string uri;                 // relative to the master: "720p/index.m3u8"
  uint64_t bandwidth = 0;          // peak, bits/s
  uint64_t average_bandwidth = 0;  // 0 = leave the attribute out
  int width = 0, height = 0;       // 0 = no RESOLUTION (audio only)
  int fps_num = 0, fps_den = 1;    // 0 = no FRAME-RATE
  std::vector<std::string> codecs; // "avc1.64001f", "mp4a.40.2"
};

// #EXTM3U, #EXT-X-VERSION:3, #EXT-X-INDEPENDENT-SEGMENTS and one #EXT-X-STREAM-INF + URI line
// per variant, in the given order.
std::string render_master(const std::vector<VariantEntry>& variants);

// A variant name becomes a directory and a URI path segment: [A-Za-z0-9._-], not "." or "..".
bool valid_variant_name(std::string_view name);

// "a, b,,c" -> {"a", "b", "", "c"}: items trimmed, empty ones kept so positions stay meaningful.
std::vector<std::string> split_list(std::string_view list);

// True when `now` differs from `then` by more than `fraction` of `then` (then == 0: any change).
bool changed_by_more_than(uint64_t then, uint64_t now, double fraction);

}  // namespace kek::hls
