// What is known about a DASH presentation while it is written: each track's configuration (from
// its caps), the Periods (a seam or a format change opens one), and per Representation the
// segments written so far. Plain data shared by the period logic, the manifest builder and the
// element; the element guards it with its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace kek::dash {

// What a track's caps say; shared (immutable) by the segments cut while it was current, so a
// segment waiting to be written keeps the configuration of its own samples.
struct TrackConfig {
  std::vector<uint8_t> codec_data;  // avcC or AudioSpecificConfig
  std::string codec;                // avc1.PPCCLL / mp4a.40.N
  int width = 0, height = 0, fps_num = 0, fps_den = 1;
  int rate = 0, channels = 0;

  bool same_stream(const TrackConfig& o) const {
    return codec_data == o.codec_data && width == o.width && height == o.height && rate == o.rate &&
           channels == o.channels;
  }
};

inline constexpr uint32_t kAudioTimescaleFallback = 48000;

// 90 kHz for video, the sample rate for audio.
uint32_t timescale_of(bool video, const TrackConfig& config);

// One Period of the presentation.
struct PeriodState {
  int64_t requested_at = 0;  // running time of the cut that opened it
  bool by_seam = true;       // opened by a seam event (other tracks join at theirs) or a caps change
  bool start_fixed = false;
  uint64_t start_ns = 0;     // media time, whole milliseconds
};

// A Representation's part of one Period: its init segment and the configuration it describes.
struct TrackPeriod {
  unsigned period = 0;
  std::string init_url;  // relative to the representation's folder
  std::shared_ptr<const TrackConfig> config;
  uint64_t first_ept_ns = 0;  // earliest presentation of its first segment, media time
};

// One LL-HLS part of a segment (its file is "<prefix>-<number>.<index>.m4s").
struct ListedPart {
  uint64_t duration_ns = 0;
  bool independent = false;  // it starts with a keyframe (every audio part does)
};

// One segment as the MPD lists it.
struct ListedSegment {
  uint64_t number = 0, t = 0, d = 0;  // timescale units
  unsigned period = 0;
  std::vector<ListedPart> parts;  // empty without parts (part-duration 0)
};

// One Representation (one track, one folder) as the manifest sees it.
struct RepresentationState {
  std::string name;  // the folder and the Representation id
  bool video = true;
  uint64_t declared_bps = 0;
  // Audio: what the stream's tags say (GST_TAG_LANGUAGE_CODE; GST_TAG_TITLE, else the
  // language's name), for the MPD's lang/Label and the HLS rendition's LANGUAGE/NAME.
  std::string language;
  std::string label;

  unsigned period = 0;       // the Period this track is writing
  bool have_first = false;   // it has sent a timestamp (a silent pad is not waited for)
  bool ended = false;        // EOS seen
  std::vector<TrackPeriod> periods;  // the Periods it wrote a segment in, in order
  std::deque<ListedSegment> listed;  // the window of segments listed
  // LL-HLS: the segment being written (number, Period) and its parts already on disk.
  uint64_t next_number = 1;
  std::vector<ListedPart> open_parts;
  uint64_t peak_bps = 0;     // the busiest segment so far
  uint64_t end_ns = 0;       // media time where its last written segment ends
  uint64_t total_bits = 0;   // every segment written so far, and their duration
  uint64_t total_ns = 0;

  // Measured peak, else declared, else a placeholder until the first segment is measured.
  uint64_t bandwidth() const;
  // Bits per second over every segment written; 0 before the first.
  uint64_t average_bandwidth() const;
  // A segment of `period` was written: listed (the window keeps `window`; 0 keeps every
  // segment), its Period joined.
  void add_segment(const ListedSegment& segment, const std::string& init_url,
                   std::shared_ptr<const TrackConfig> config, uint64_t ept_ns, uint64_t end_ns,
                   uint64_t bits_per_second, unsigned window);
};

}  // namespace kek::dash
