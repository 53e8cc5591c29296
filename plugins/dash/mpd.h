// The DASH manifest (ISO/IEC 23009-1, isoff-live profile): a dynamic MPD while the stream runs,
// rewritten after every segment, and a static one at the end so players stop there. One
// SegmentTemplate + SegmentTimeline per Representation, $Number$ addressing. Pure text: times in
// and XML out, unit-tested on its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kek::dash {

struct TimelineSegment {
  uint64_t number = 0;  // $Number$
  uint64_t t = 0;       // earliest presentation time, in the representation's timescale
  uint64_t d = 0;       // duration, same unit
};

struct Representation {
  std::string id;             // unique in the MPD: the directory name
  bool video = true;
  std::string codecs;         // avc1.64001f, mp4a.40.2
  uint64_t bandwidth = 0;     // bits/s
  int width = 0, height = 0;  // video
  int fps_num = 0, fps_den = 1;
  int sample_rate = 0, channels = 0;  // audio
  // Audio: each track (language + label) is its own AdaptationSet with lang, Label and Role
  // (main for the default track, alternate for the others).
  std::string language;  // ISO 639 / BCP 47; empty: "und"
  std::string label;     // "English", "Director's commentary"; empty: no Label
  bool is_default = false;
  uint32_t timescale = 90000;
  std::string initialization;  // URL relative to the MPD: "720p/init.mp4"
  std::string media;           // "720p/1712345678901-$Number$.m4s"
  std::vector<TimelineSegment> segments;  // in order; gaps are allowed (an explicit t follows)
};

struct Period {
  std::string id;
  // Start on the media timeline (the same for every representation), nanoseconds. Each
  // representation's presentationTimeOffset is this in its own timescale.
  uint64_t start_ns = 0;
  std::vector<Representation> representations;  // video ones first, then audio
};

struct Manifest {
  bool live = true;                 // dynamic while running; static at the end
  int64_t availability_start_us = 0;  // wall clock (Unix µs) of media time 0
  int64_t publish_us = 0;           // wall clock of this version
  uint64_t target_duration_ns = 2000000000;
  uint64_t max_segment_ns = 0;      // longest segment listed (maxSegmentDuration)
  unsigned window = 6;              // segments per representation (timeShiftBufferDepth); 0: all kept
  uint64_t end_ns = 0;              // static: where the media ends on the media timeline
  std::vector<Period> periods;      // in order, each with at least one representation
};

// The MPD text. A static manifest starts its first Period at 0 (it shifts every Period by the
// first one's start), so a player starts at the first segment still on disk.
std::string render_mpd(const Manifest& m);

// xs:duration with millisecond precision: "PT2S", "PT12.345S".
std::string iso_duration(uint64_t ns);
// xs:dateTime in UTC with milliseconds: "2024-05-01T12:00:00.123Z".
std::string iso_datetime(int64_t unix_us);
// "25", "30000/1001"; empty for unknown.
std::string frame_rate(int num, int den);

}  // namespace kek::dash
