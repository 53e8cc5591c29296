// Fragmented MP4 (ISO/IEC 14496-12, CMAF-style) for DASH: the init segment of one track
// (ftyp + moov with avc1/avcC or mp4a/esds, and mvex/trex so players expect fragments) and the
// header of one media segment (styp + moof + the mdat header). The samples' bytes are never
// copied here: kekdashsink writes them straight from its GstBuffers after this header.
// Pure byte logic, no GStreamer, unit-tested on its own.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace kek::dash {

// Big-endian box building into one growing vector. begin() opens a box and end() patches its
// size, so nested boxes need no size arithmetic.
class BoxWriter {
 public:
  explicit BoxWriter(std::vector<uint8_t>& out) : out_(out) {}
  void begin(std::string_view type);                       // size placeholder + fourcc
  void begin_full(std::string_view type, uint8_t version, uint32_t flags);
  void end();
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v);
  void u24(uint32_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void fourcc(std::string_view cc);
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  size_t size() const { return out_.size(); }
  // Overwrites a 32-bit value written earlier (trun's data_offset, known once moof is complete).
  void patch_u32(size_t at, uint32_t v);

 private:
  std::vector<uint8_t>& out_;
  std::vector<size_t> open_;
};

struct VideoConfig {
  uint32_t width = 0, height = 0;
  std::span<const uint8_t> avcc;  // AVCDecoderConfigurationRecord, the caps' codec_data
};

struct AudioConfig {
  uint32_t sample_rate = 0;
  uint16_t channels = 0;
  std::span<const uint8_t> audio_specific_config;  // the caps' codec_data
  uint32_t avg_bitrate = 0;                        // esds hint, 0 = unknown
};

inline constexpr uint32_t kVideoTimescale = 90000;
inline constexpr uint32_t kTrackId = 1;  // one track per file: each representation has its own

// ftyp + moov for one track. The sample tables are empty: every sample is in a fragment.
std::vector<uint8_t> video_init_segment(const VideoConfig& config);
std::vector<uint8_t> audio_init_segment(const AudioConfig& config);

struct FragmentSample {
  uint32_t duration = 0;     // in the track's timescale
  uint32_t size = 0;         // bytes in mdat
  bool sync = true;          // a keyframe (every AAC frame is one)
  int32_t composition_offset = 0;  // PTS - DTS in the timescale; negative allowed (trun v1)
};

// styp + moof (mfhd, traf: tfhd default-base-is-moof, tfdt v1, trun) + the 8-byte mdat header,
// appended to `out` (cleared first, so a caller can keep one buffer per track and never
// reallocate once it is big enough). The mdat payload (the samples' bytes, in order, exactly
// the sizes given) must follow. with_composition_offsets adds trun's per-sample offsets and
// flags (video); audio needs neither. Returns false if the samples cannot fit one mdat of a
// 32-bit size.
bool fragment_header(std::vector<uint8_t>& out, uint32_t sequence_number, uint64_t base_decode_time,
                     std::span<const FragmentSample> samples, bool video);

// The same without the styp: one CMAF chunk's moof + mdat header (an LL-HLS part is one chunk;
// its media segment is the styp, then its chunks' bytes one after another).
bool chunk_header(std::vector<uint8_t>& out, uint32_t sequence_number, uint64_t base_decode_time,
                  std::span<const FragmentSample> samples, bool video);

// The styp that starts every media segment, appended to `out`.
void segment_type(std::vector<uint8_t>& out);

}  // namespace kek::dash
