// MPEG-TS from elementary streams, written in the caller's thread: H.264 access units (Annex B)
// and AAC frames become PES packets cut into 188-byte TS packets, with PAT and PMT when asked
// (at each segment start). It replaces mpegtsmux for kekhlssink: GstAggregator muxers run a
// source-pad task of their own per instance, so a passthrough stream cost a thread for muxing
// alone; this is the part nginx-rtmp does in its event loop (ngx_rtmp_mpegts.c). One program,
// PMT PID 0x1000, video 0x100 (stream type 0x1b), audio 0x101 (0x0f, ADTS), PCR on the video
// PID (the audio PID without video), an access unit delimiter in front of every video access unit
// that has none, one PES per audio frame. Pure byte logic, unit-tested; no GStreamer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace kek::hls {

inline constexpr uint16_t kPmtPid = 0x1000;
inline constexpr uint16_t kVideoPid = 0x100;
inline constexpr uint16_t kAudioPid = 0x101;
// Timestamps start this far (90 kHz) after running time 0, so B-frame DTS before 0 stay positive.
inline constexpr uint64_t kTsTimeOffset = 90000;

// What an ADTS header needs, from the AudioSpecificConfig of raw AAC.
struct AacConfig {
  int object_type = 2;      // AAC-LC
  int frequency_index = 3;  // 48 kHz
  int channels = 2;
};
std::optional<AacConfig> aac_config_from_asc(std::span<const uint8_t> asc);
// How long one frame (1024 samples at its sampling frequency) plays; 0 for a reserved index.
uint64_t aac_frame_duration_ns(const AacConfig& c);

// CRC-32/MPEG-2 of PSI sections.
uint32_t crc32_mpeg2(std::span<const uint8_t> bytes);

// Nanoseconds of running time to the 90 kHz clock, with kTsTimeOffset, wrapped at 33 bits.
constexpr uint64_t ts_time(uint64_t running_ns) {
  return (running_ns / 100000 * 9 + (running_ns % 100000) * 9 / 100000 + kTsTimeOffset) & ((1ull << 33) - 1);
}

class TsWriter {
 public:
  // The program's tracks. A change rewrites the PMT with the next version.
  void configure(bool has_video, bool has_audio);
  bool has_video() const { return has_video_; }
  bool has_audio() const { return has_audio_; }

  // PAT and PMT, appended to `out`.
  void write_tables(std::vector<uint8_t>& out);
  // One access unit (Annex B byte-stream), times in 90 kHz (ts_time). A keyframe's first
  // packet carries random_access_indicator and the PCR.
  void write_video(std::vector<uint8_t>& out, std::span<const uint8_t> access_unit, uint64_t pts, uint64_t dts,
                   bool keyframe);
  // The same, the access unit given as pieces in order (AvcToAnnexB::pieces): gathered straight
  // into the packets.
  void write_video(std::vector<uint8_t>& out, std::span<const std::span<const uint8_t>> access_unit, uint64_t pts,
                   uint64_t dts, bool keyframe);
  // One AAC frame: raw (an ADTS header from `raw` goes in front) or already ADTS (raw null).
  void write_audio(std::vector<uint8_t>& out, std::span<const uint8_t> frame, uint64_t pts, const AacConfig* raw);

 private:
  // The PES packet made of `parts` (its header, then the payload's pieces) cut into TS packets on `pid`.
  void write_pes(std::vector<uint8_t>& out, uint16_t pid, std::span<const std::span<const uint8_t>> parts,
                 bool random_access, std::optional<uint64_t> pcr);
  void write_section(std::vector<uint8_t>& out, uint16_t pid, std::span<const uint8_t> section);
  uint8_t next_cc(uint16_t pid);

  bool has_video_ = true, has_audio_ = true;
  uint8_t pmt_version_ = 0;
  uint8_t cc_pat_ = 0, cc_pmt_ = 0, cc_video_ = 0, cc_audio_ = 0;
  std::vector<std::span<const uint8_t>> parts_;  // write_video's, kept between access units
};

}  // namespace kek::hls
