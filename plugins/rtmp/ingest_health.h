// How well a publisher's video arrives, measured from its FLV tags: the keyframe interval (what
// decides the HLS segment length on a passthrough layout), the frame rate really received,
// frames missing from the timestamps, and how far the timestamps fall behind the wall clock
// (an encoder or uplink that cannot keep up). Pure arithmetic, no locking: the stream
// registry calls it under its lock.
#pragma once

#include <cstdint>
#include <deque>

namespace kek::rtmp {

struct IngestHealthReport {
  double keyframe_interval_s = 0;  // between the last two keyframes; 0 until two were seen
  double fps = 0;                  // video frames per second over the last few seconds
  int64_t dropped_frames = 0;      // frames missing from the timestamps since the stream began
  int64_t late_ms = 0;             // how far the media clock lags the wall clock now (>= 0)
};

class IngestHealth {
 public:
  // One video frame (not a sequence header) with its FLV timestamp, at monotonic time now_us.
  void video_frame(int64_t timestamp_ms, bool keyframe, int64_t now_us);
  // A reconnect: the clocks start over (the intervals and counts so far are kept).
  void restart();
  IngestHealthReport report(int64_t now_us) const;

 private:
  int64_t last_keyframe_ms_ = -1;
  double keyframe_interval_s_ = 0;
  int64_t last_frame_ms_ = -1;
  int64_t frame_ms_estimate_ = 0;  // the usual distance between frames
  int64_t dropped_ = 0;
  // The frame (media time, wall time) whose media time ran furthest ahead of the wall clock:
  // lag is measured against the best the stream ever did, so a steady latency counts as none.
  bool have_origin_ = false;
  int64_t origin_media_ms_ = 0;
  int64_t origin_wall_us_ = 0;
  int64_t latest_media_ms_ = 0;
  std::deque<int64_t> recent_wall_us_;  // arrival times of the last frames, for fps
};

}  // namespace kek::rtmp
