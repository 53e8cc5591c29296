// The stream probe: what one of kekhlssink's input pads learns from the buffers and events going
// through it, on that pad's streaming thread only. The codec and picture size (caps, and the SPS
// of keyframes, which can change in-band), seams (a reconnected publisher, a new format: the
// first buffer after one is where the next segment starts), the running time where the media
// ended, and the bit rate (a BandwidthMeter on the bytes as MPEG-TS will carry them). It only
// reports; kekhlssink acts on the facts under its lock. Unit-tested with hand-made buffers.
#pragma once

#include "avc_annexb.h"
#include "bandwidth.h"
#include "master_playlist_writer.h"
#include "ts_cutter.h"  // kNoTime

#include <gst/gst.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kek::hls {

// What video caps say (size, frame rate, avc1 from codec_data or profile/level).
VideoFormat video_format_from_caps(GstCaps* caps);
// mp4a.40.N from AAC caps (codec_data, else the profile string; AAC-LC if neither says).
std::string audio_codec_from_caps(GstCaps* caps);
// The picture size an SPS (with its NAL header byte) describes, after cropping; false if it
// does not parse.
bool sps_size(std::span<const uint8_t> sps, int& width, int& height);

// A keyframe's SPS that settles or changes the codec.
struct SpsFacts {
  bool changed = false;  // differs from the last one seen (false: no SPS, or the same, after new caps)
  std::string codec;     // avc1.PPCCLL from it when changed; empty if none
  int width = 0, height = 0;  // its picture size when changed; 0 if it did not parse
};

// The buffer is the first after a seam: at running time `at`, the highest before it `floor`
// (one of them may be kNoTime, never both).
struct SeamFacts {
  uint64_t at = kNoTime;
  uint64_t floor = kNoTime;
  bool keyframe = true;
};

struct BufferFacts {
  bool first = false;     // the run's first buffer
  bool keyframe = false;  // video: no DELTA_UNIT flag; audio: always
  std::optional<SpsFacts> sps;     // video keyframes, when the SPS changed or new caps wait for it
  std::optional<SeamFacts> seam;
  bool rates_changed = false;      // a measurement window closed: rates() has new figures
  uint64_t ts = kNoTime;           // DTS, else PTS: the stream time of this buffer
};

class StreamProbe {
 public:
  explicit StreamProbe(bool video) : video_(video) { gst_segment_init(&segment_, GST_FORMAT_TIME); }

  // A new run, measured in windows of `window_ns` (the target duration).
  void start(uint64_t window_ns);

  // `avc`: the buffer is an avc access unit (length prefixes) that this converter turns into
  // Annex B; its SPS is looked for there. Null: the buffer is Annex B.
  BufferFacts buffer(GstBuffer* buf, const AvcToAnnexB* avc = nullptr);
  // New caps: the SPS is looked at again at the next keyframe.
  void caps_changed() { looking_for_sps_ = true; }
  // What a buffer without a duration lasts (raw AAC from flvdemux: a frame); 0: nothing.
  void set_default_duration(uint64_t ns) { default_duration_ = ns; }
  // A seam event or a format change: the next buffer starts the new part.
  void mark_seam() { seam_pending_ = true; }
  void segment(const GstSegment& segment);
  void flush() { meter_.restart_window(); }
  // EOS: the running time where the media ended (kNoTime if no buffer said), and whether the
  // last partial window changed rates().
  uint64_t end_running_time() const;
  bool finish() { return meter_.finish(); }

  Rates rates() const { return meter_.rates(); }
  // A timestamp of this pad's as running time, signed (a B-frame DTS may come before the
  // segment's start); nullopt for none.
  std::optional<int64_t> signed_running_time(uint64_t ts) const;

 private:
  std::optional<SpsFacts> look_at_sps(GstBuffer* buf, const AvcToAnnexB* avc);
  uint64_t running_time(uint64_t ts) const;

  bool video_;
  BandwidthMeter meter_{2 * GST_SECOND};
  GstSegment segment_;
  bool looking_for_sps_ = true;     // caps came: settle the codec at the next keyframe
  std::vector<uint8_t> last_sps_;   // the last SPS seen, to notice a new one
  uint64_t end_ = kNoTime;          // highest PTS + duration seen
  uint64_t max_ts_ = kNoTime;       // highest PTS (DTS if none) seen
  bool seam_pending_ = false;
  bool seen_buffer_ = false;        // a seam before the first buffer is no seam
  uint64_t default_duration_ = 0;   // for buffers that carry none
};

}  // namespace kek::hls
