// One SDP offer answered by a webrtcbin, the way WHEP and WHIP want it: remote description,
// answer, local description, then the host candidates gathered (no trickle) and put into the
// answer. webrtcbin answers its promises on its own threads; the result comes back on the main
// loop. The webrtcbin must be in a pipeline at READY or above, its transceivers already made
// (WHEP: sink pads with codec preferences) or to be made from the offer (WHIP).
#pragma once

#include <kek/error.h>

#include <gst/gst.h>

#include <functional>
#include <string>

namespace kek::webrtc {

// done runs once on the main loop: the answer's SDP text, or the error (400 for an offer
// webrtcbin refused, 500 otherwise). If the caller has gone by then, done should do nothing.
void answer_offer(GstElement* webrtcbin, const std::string& offer_sdp, int gather_timeout_ms,
                  std::function<void(kek::Result<std::string>)> done);

}  // namespace kek::webrtc
