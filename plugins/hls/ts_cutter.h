// The TS cutter: one variant's MPEG-TS (the TsWriter's output) cut into segment files. Segments
// start where the writer announces a keyframe it is about to write (it then writes PAT, PMT and
// the keyframe, so each segment starts decodable); the audio-only variant, which has no keyframes,
// is cut by time at the start of an audio PES packet with the last PAT and PMT repeated in front.
// Pure byte logic under the variant's lock: the bytes go out through a SegmentSink (the I/O
// seam, files by default) and the owner hears of each segment through a CutListener, which also
// decides where to cut (target duration, seams). No GStreamer here: it is unit-tested on its own.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

namespace kek::hls {

inline constexpr uint64_t kNoTime = std::numeric_limits<uint64_t>::max();  // GST_CLOCK_TIME_NONE
inline constexpr size_t kTsPacket = 188;

// Where a cutter's segments go, one at a time.
class SegmentSink {
 public:
  virtual ~SegmentSink() = default;
  // Starts the segment `path` (dropping one left open); false on failure, error() says why.
  virtual bool open(const std::string& path) = 0;
  virtual bool write(std::span<const uint8_t> bytes) = 0;
  // Finishes the open segment: false (error() says why) if any of it failed.
  virtual bool close() = 0;
  // Drops the open segment, if any (the run stopped: it is not listed).
  virtual void discard() = 0;
  virtual bool is_open() const = 0;
  virtual int error() const = 0;  // errno of the failed call
};

// What a cutter tells its owner, which keeps the playlists; called on the cutter's thread.
class CutListener {
 public:
  virtual ~CutListener() = default;
  // The segment `path` starts at running time `at` (told once `at` is known).
  virtual void segment_opened(const std::string& path, uint64_t at) = 0;
  // It ended at running time `at` and is complete: it may be listed.
  virtual void segment_closed(const std::string& path, uint64_t at) = 0;
  // Whether the open segment ends before a unit (a keyframe, an audio frame) at `at` that lasts
  // `length` (0 when unknown or not counted).
  virtual bool should_cut(uint64_t at, uint64_t length) = 0;
  // A segment could not be opened or written (`action` "open" or "write"; `err` an errno). The
  // cutter refuses all further data after it.
  virtual void segment_failed(const char* action, const std::string& path, int err) = 0;
};

class TsCutter {
 public:
  TsCutter(SegmentSink& sink, CutListener& listener) : sink_(sink), listener_(listener) {}
  TsCutter(const TsCutter&) = delete;
  TsCutter& operator=(const TsCutter&) = delete;

  // A new run: segments are named <prefix>NNNNN.ts from 00000 on. `audio_only`: cut by time at
  // audio PES starts, PAT/PMT repeated (no keyframe announcements come).
  void start(std::string prefix, bool audio_only);
  // The muxer announced the keyframe it writes next, at running time `at` (kNoTime if unknown).
  void keyframe_ahead(uint64_t at);
  // The muxer's next output bytes; `ts` their running time (kNoTime if none). `timeline`: whether
  // `ts` is on the timeline segments are measured in: a video variant's segments are measured in
  // its video (keyframe to keyframe), so its audio is written but does not start the first
  // segment; an audio-only variant's audio does. (A publisher's audio commonly starts a frame
  // before the video, an AAC encoder's priming: the first segment would be that much longer than
  // the others and than the target.) False once the cutter failed (listener told), and from then on.
  bool push(std::span<const uint8_t> bytes, uint64_t ts, bool timeline = true);
  // End of stream: the open segment closes at `end` (kNoTime: the highest timestamp pushed).
  void finish(uint64_t end);
  // The run stopped without an end: the open segment is dropped, not listed.
  void discard() { sink_.discard(); announced_ = false; }

  bool failed() const { return failed_; }
  uint64_t last_ts() const { return last_ts_; }

 private:
  bool open(uint64_t at);
  bool close(uint64_t at);
  bool cut(uint64_t at) { return close(at) && open(at); }
  void announce(uint64_t at);
  bool audio_packet(const uint8_t* packet, uint64_t ts);
  void fail(const char* action);

  SegmentSink& sink_;
  CutListener& listener_;
  std::string prefix_;
  std::string path_;  // the open segment's
  bool audio_only_ = false;
  unsigned next_index_ = 0;
  bool announced_ = false;  // the listener knows the open segment (its start time was known)
  bool failed_ = false;
  uint64_t last_ts_ = kNoTime;       // highest timestamp pushed, for the end at EOS
  uint64_t last_unit_ts_ = kNoTime;  // audio only: the last audio PES packet's
  // Audio only: byte-identical copies of the latest PAT and PMT, written at each segment start.
  std::array<uint8_t, kTsPacket> pat_{}, pmt_{};
  bool have_pat_ = false, have_pmt_ = false;
  int pmt_pid_ = -1;
};

}  // namespace kek::hls
