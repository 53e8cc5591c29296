// Bit rates for the master playlist's BANDWIDTH (peak) and AVERAGE-BANDWIDTH, measured from the
// elementary-stream bytes kekhlssink sees on its pads, with the MPEG-TS packaging the TS writer adds
// estimated per buffer. Pure arithmetic, unit-tested; one meter per pad, fed by that pad's
// streaming thread only.
#pragma once

#include <cstdint>

namespace kek::hls {

// What one access unit of `payload` bytes becomes in 188-byte TS packets: a PES header of
// `pes_header` bytes (plus whatever the muxer adds in front: an ADTS header, an AUD NAL), split
// into 184-byte packet payloads, the last one padded. For small audio frames this is +50%, far
// more than a flat percentage would say.
constexpr uint64_t mpegts_bytes(uint64_t payload, uint64_t pes_header) {
  return (payload + pes_header + 183) / 184 * 188;
}

// PES header with PTS+DTS (19 bytes) plus the access unit delimiter the writer inserts (6).
inline constexpr uint64_t kVideoPesOverhead = 25;
// PES header with PTS (14) plus the ADTS header the writer adds to raw AAC (7).
inline constexpr uint64_t kAudioPesOverhead = 21;
// The TS writer sends PAT and PMT (one packet each) in front of every video keyframe, counted
// with the keyframe; the audio-only variant gets them at each segment start (at least every
// second with 1 s segments), which the constant rate below covers.
inline constexpr uint64_t kPsiBytesPerKeyframe = 2 * 188;
inline constexpr uint64_t kPsiBitsPerSecond = 2 * 188 * 8;

struct Rates {
  uint64_t peak_bps = 0;     // highest over the closed windows
  uint64_t average_bps = 0;  // all bytes over all measured time
  bool measured = false;     // at least one window closed (or a final partial one counted)
};

class BandwidthMeter {
 public:
  // window_ns: the span of one measurement window, normally the segment target duration.
  explicit BandwidthMeter(uint64_t window_ns) : window_ns_(window_ns ? window_ns : 1) {}

  // A buffer of `bytes` (already TS-sized) at timestamp ts_ns lasting duration_ns (0 if unknown).
  // Returns true when it closed a window, i.e. rates() changed. No allocation, a few adds.
  bool add(uint64_t ts_ns, uint64_t duration_ns, uint64_t bytes);
  // A buffer without a timestamp: counted in the current window.
  void add_untimed(uint64_t bytes) { window_bytes_ += bytes; }
  // End of stream: the partial window counts for the average, and for the peak if it lasted at
  // least half a window (a short tail would make a meaningless rate). Returns true if rates()
  // changed.
  bool finish();
  // A new segment or a flush: timestamps may jump, so the current window ends here (counted
  // for the average only) and the next buffer starts a new one.
  void restart_window();

  Rates rates() const { return rates_; }

 private:
  void close_window(uint64_t end_ns, bool count_for_peak);

  uint64_t window_ns_;
  bool in_window_ = false;
  uint64_t window_start_ = 0;
  uint64_t window_bytes_ = 0;
  uint64_t last_end_ = 0;  // highest ts + duration seen in this window
  uint64_t total_bytes_ = 0;
  uint64_t total_ns_ = 0;
  Rates rates_;
};

}  // namespace kek::hls
