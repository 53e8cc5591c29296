// What a WHEP/WHIP client's SDP offer asks for: the payload types of the codecs KEK sends or
// takes (H.264 with packetization-mode 1, Opus), picked from its media sections. Plain SDP
// (GstSDPMessage), no webrtcbin: unit-tested.
#pragma once

#include <kek/error.h>

#include <string>
#include <vector>

namespace kek::webrtc {

struct OfferCodecs {
  int h264_pt = -1;  // -1: the offer has no usable H.264
  int opus_pt = -1;  // -1: no Opus
  int video_mline = -1;  // the m-line each was found in
  int audio_mline = -1;
  bool has_video = false;  // a video m-line, usable or not
  bool has_audio = false;
};

// 400 for text that is not an SDP offer, or one that offers neither H.264 nor Opus.
kek::Result<OfferCodecs> read_offer(const std::string& sdp);

// The offer with only the payload types `codecs` chose in its media sections (and nothing but
// them offered in the answer, so the client sends those): the RTP formats, rtpmap, fmtp and
// rtcp-fb lines of the others are left out. A section with none of ours is left as it is.
std::string keep_only_ours(const std::string& offer_sdp, const OfferCodecs& codecs);

// The answer with `candidates` ("candidate:..." lines' values) added to every media section that
// lacks them, and a=end-of-candidates: a WHEP/WHIP client does not trickle.
std::string with_candidates(const std::string& answer_sdp, const std::vector<std::string>& candidates);

}  // namespace kek::webrtc
