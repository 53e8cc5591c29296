// A seam in a live stream: what follows comes from another encoder session (a publisher that
// reconnected within the grace period), so codec parameters and timestamps may jump. Sources
// push it as a serialized custom downstream event just before the first buffer after the seam;
// parsers, decoders, encoders, queues and tees pass it on in order, and packagers mark the
// next segment as a discontinuity (EXT-X-DISCONTINUITY in HLS, a new Period in DASH).
#pragma once

#include <gst/gst.h>

namespace kek {

inline constexpr const char* kStreamSeamEventName = "kek-stream-seam";

inline GstEvent* new_stream_seam_event() {
  return gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty(kStreamSeamEventName));
}

inline bool is_stream_seam_event(GstEvent* event) {
  return event && GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_DOWNSTREAM &&
         gst_event_has_name(event, kStreamSeamEventName);
}

}  // namespace kek
