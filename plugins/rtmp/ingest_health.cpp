#include "ingest_health.h"

#include <algorithm>
#include <cmath>

namespace kek::rtmp {
namespace {

constexpr int64_t kFpsWindowUs = 3'000'000;
// Timestamps jitter by a millisecond or two; a gap of this many frames or more lost frames.
constexpr double kGapFrames = 1.5;

}  // namespace

void IngestHealth::video_frame(int64_t ts, bool keyframe, int64_t now_us) {
  if (keyframe) {
    if (last_keyframe_ms_ >= 0 && ts > last_keyframe_ms_) keyframe_interval_s_ = (ts - last_keyframe_ms_) / 1000.0;
    last_keyframe_ms_ = ts;
  }
  if (last_frame_ms_ >= 0 && ts > last_frame_ms_) {
    const int64_t step = ts - last_frame_ms_;
    const bool gap = frame_ms_estimate_ > 0 && step >= kGapFrames * static_cast<double>(frame_ms_estimate_);
    if (gap) {
      dropped_ += static_cast<int64_t>(std::llround(static_cast<double>(step) / static_cast<double>(frame_ms_estimate_))) - 1;
    } else if (frame_ms_estimate_ == 0 || step < frame_ms_estimate_) {
      frame_ms_estimate_ = step;  // the usual step: the smallest seen lately, slowly forgotten
    } else {
      frame_ms_estimate_ = (frame_ms_estimate_ * 31 + step + 16) / 32;
    }
  }
  last_frame_ms_ = std::max(last_frame_ms_, ts);

  latest_media_ms_ = ts;
  // The media clock ahead of where the origin predicts: this frame is the new best.
  if (!have_origin_ || (ts - origin_media_ms_) * 1000 > now_us - origin_wall_us_) {
    have_origin_ = true;
    origin_media_ms_ = ts;
    origin_wall_us_ = now_us;
  }

  recent_wall_us_.push_back(now_us);
  while (!recent_wall_us_.empty() && now_us - recent_wall_us_.front() > kFpsWindowUs) recent_wall_us_.pop_front();
}

void IngestHealth::restart() {
  last_keyframe_ms_ = -1;
  last_frame_ms_ = -1;
  have_origin_ = false;
  recent_wall_us_.clear();
}

IngestHealthReport IngestHealth::report(int64_t now_us) const {
  IngestHealthReport r;
  r.keyframe_interval_s = keyframe_interval_s_;
  r.dropped_frames = dropped_;
  if (have_origin_) {
    const int64_t expected_ms = origin_media_ms_ + (now_us - origin_wall_us_) / 1000;
    r.late_ms = std::max<int64_t>(0, expected_ms - latest_media_ms_);
  }
  // Frames in the window that ends now; a stalled stream's rate falls to 0.
  int64_t frames = 0;
  int64_t oldest = now_us;
  for (int64_t at : recent_wall_us_) {
    if (now_us - at > kFpsWindowUs) continue;
    ++frames;
    oldest = std::min(oldest, at);
  }
  if (frames >= 2) {
    // Over at least a second, so that the first frames of a stream do not read as a burst.
    const int64_t span = std::max<int64_t>(now_us - oldest, kFpsWindowUs / 3);
    r.fps = std::round(static_cast<double>(frames) * 1e6 / static_cast<double>(span) * 10) / 10;
  }
  return r;
}

}  // namespace kek::rtmp
