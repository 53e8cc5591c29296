// An HLS media playlist (RFC 8216 section 4.3.3): a sliding window of segments with their
// durations, discontinuities and wall-clock times. Pure text logic, no GStreamer and no I/O, so
// it is unit-tested on its own; kekhlssink feeds it what splitmuxsink reports and writes the text.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

namespace kek::hls {

struct MediaSegment {
  std::string uri;             // relative to the playlist: "1732425721123-00004.ts"
  uint64_t duration_ns = 0;
  bool discontinuity = false;  // what it holds does not continue the previous segment
  bool independent = true;     // starts with a keyframe (decodable without the previous segment)
  int64_t start_unix_ms = -1;  // wall clock of its first frame, for EXT-X-PROGRAM-DATE-TIME; <0 unknown
};

class MediaPlaylist {
 public:
  // `target_duration_s` is the configured segment length (a floor for EXT-X-TARGETDURATION);
  // `window` the number of segments listed, 0 = all of them (an event-style playlist).
  MediaPlaylist(unsigned target_duration_s = 2, unsigned window = 0);

  // Appends a segment, sliding the oldest out of the window. After end() it is ignored.
  void add(MediaSegment segment);
  // Slides the oldest segment out now (a bound on what the window may hold on disk).
  void drop_oldest();
  // The stream is over: EXT-X-ENDLIST.
  void end() { ended_ = true; }
  // An event playlist (a file being packaged, segments only ever appended, window 0): says
  // EXT-X-PLAYLIST-TYPE:EVENT while it grows and VOD once ended, so players start at the
  // beginning and, at the end, see a complete VOD playlist.
  void set_event(bool event) { event_ = event; }

  std::string render() const;

  bool ended() const { return ended_; }
  const std::deque<MediaSegment>& segments() const { return segments_; }
  // The media sequence number of the first listed segment (segments that slid out so far).
  uint64_t media_sequence() const { return media_sequence_; }
  // Discontinuity tags that slid out with their segments (EXT-X-DISCONTINUITY-SEQUENCE).
  uint64_t discontinuity_sequence() const { return discontinuity_sequence_; }
  // Whole seconds: the configured target, or more if a segment ever listed has an EXTINF that
  // rounds to the nearest integer above it (RFC 8216 4.3.3.1: a player may reject that). It never
  // shrinks.
  unsigned target_duration() const { return target_duration_s_; }

 private:
  unsigned window_;
  unsigned target_duration_s_;
  std::deque<MediaSegment> segments_;
  uint64_t media_sequence_ = 0;
  uint64_t discontinuity_sequence_ = 0;
  bool ended_ = false;
  bool event_ = false;
};

// "2024-11-24T05:22:01.123Z" (ISO 8601 in UTC with milliseconds, as EXT-X-PROGRAM-DATE-TIME wants).
std::string format_program_date_time(int64_t unix_ms);

}  // namespace kek::hls
