// RFC 6381 codec strings for the codecs KEK packages (H.264, AAC), shared by the HLS master
// playlist and the DASH manifest. Header-only and pure: bytes in, text out.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <optional>
#include <span>
#include <string>

namespace kek::media {

inline std::string avc1_codec(uint8_t profile_idc, uint8_t constraints, uint8_t level_idc) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "avc1.%02x%02x%02x", profile_idc, constraints, level_idc);
  return buf.data();
}

// "avc1.PPCCLL" from an SPS NAL unit (starting with its one-byte NAL header): profile_idc, the
// constraint flags byte and level_idc are its next three bytes, as RFC 6381 wants them. They can
// hold no emulation-prevention byte: profile_idc is never 0.
inline std::optional<std::string> avc1_from_sps(std::span<const uint8_t> sps) {
  if (sps.size() < 4 || (sps[0] & 0x1f) != 7 || sps[1] == 0) return std::nullopt;
  return avc1_codec(sps[1], sps[2], sps[3]);
}

// The same from an avcC (AVCDecoderConfigurationRecord, the caps' codec_data in
// stream-format=avc): configurationVersion, AVCProfileIndication, profile_compatibility,
// AVCLevelIndication.
inline std::optional<std::string> avc1_from_avcc(std::span<const uint8_t> avcc) {
  if (avcc.size() < 4 || avcc[0] != 1 || avcc[1] == 0) return std::nullopt;
  return avc1_codec(avcc[1], avcc[2], avcc[3]);
}

// The AAC audio object type from an AudioSpecificConfig (the caps' codec_data in
// stream-format=raw); nullopt if it is too short or says 0.
inline std::optional<int> aac_object_type(std::span<const uint8_t> asc) {
  if (asc.empty()) return std::nullopt;
  int type = asc[0] >> 3;
  if (type == 31) {  // escape: 6 more bits follow
    if (asc.size() < 2) return std::nullopt;
    type = 32 + (((asc[0] & 0x07) << 3) | (asc[1] >> 5));
  }
  if (type == 0) return std::nullopt;
  return type;
}

// The sampling rate of an AudioSpecificConfig's (or ADTS header's) samplingFrequencyIndex;
// nullopt for the reserved indexes and 15 (an explicit rate follows).
inline std::optional<unsigned> aac_sample_rate(unsigned frequency_index) {
  static constexpr unsigned kRates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};
  if (frequency_index >= std::size(kRates)) return std::nullopt;
  return kRates[frequency_index];
}

// "mp4a.40.N".
inline std::string mp4a_codec(int object_type) { return "mp4a.40." + std::to_string(object_type); }

}  // namespace kek::media
