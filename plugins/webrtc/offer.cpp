#include "offer.h"

#include <gst/sdp/sdp.h>

#include <cstring>

namespace kek::webrtc {

namespace {

// 2: the profile every WebRTC browser decodes (constrained baseline, 42e0..), 1: another
// packetization-mode 1 H.264, 0: not usable (mode 0 sends one NAL unit per packet, no FU-A).
int h264_rank(const GstStructure* s) {
  const char* mode = gst_structure_get_string(s, "packetization-mode");
  if (!mode || strcmp(mode, "1") != 0) return 0;
  const char* profile = gst_structure_get_string(s, "profile-level-id");
  return profile && g_ascii_strncasecmp(profile, "42e0", 4) == 0 ? 2 : 1;
}

}  // namespace

kek::Result<OfferCodecs> read_offer(const std::string& sdp) {
  GstSDPMessage* raw = nullptr;
  if (sdp.empty() || gst_sdp_message_new_from_text(sdp.c_str(), &raw) != GST_SDP_OK || !raw)
    return kek::Error{"the body is not an SDP offer", 400};
  g_autoptr(GstSDPMessage) msg = raw;
  if (gst_sdp_message_medias_len(msg) == 0) return kek::Error{"the SDP offer has no media", 400};
  OfferCodecs codecs;
  int best_h264 = 0;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(msg, i);
    const char* kind = gst_sdp_media_get_media(media);
    const bool video = kind && strcmp(kind, "video") == 0, audio = kind && strcmp(kind, "audio") == 0;
    codecs.has_video |= video;
    codecs.has_audio |= audio;
    for (guint f = 0; f < gst_sdp_media_formats_len(media); ++f) {
      const int pt = atoi(gst_sdp_media_get_format(media, f));
      g_autoptr(GstCaps) caps = gst_sdp_media_get_caps_from_media(media, pt);
      if (!caps || gst_caps_is_empty(caps)) continue;
      const GstStructure* s = gst_caps_get_structure(caps, 0);
      const char* name = gst_structure_get_string(s, "encoding-name");
      if (!name) continue;
      if (video && g_ascii_strcasecmp(name, "H264") == 0) {
        const int rank = h264_rank(s);
        if (rank > best_h264) {
          best_h264 = rank;
          codecs.h264_pt = pt;
          codecs.video_mline = static_cast<int>(i);
        }
      } else if (audio && codecs.opus_pt < 0 && g_ascii_strcasecmp(name, "OPUS") == 0) {
        codecs.opus_pt = pt;
        codecs.audio_mline = static_cast<int>(i);
      }
    }
  }
  if (codecs.h264_pt < 0 && codecs.opus_pt < 0)
    return kek::Error{"the SDP offer has neither H.264 (packetization-mode=1) nor Opus", 400};
  return codecs;
}

std::string keep_only_ours(const std::string& offer_sdp, const OfferCodecs& codecs) {
  GstSDPMessage* raw = nullptr;
  if (gst_sdp_message_new_from_text(offer_sdp.c_str(), &raw) != GST_SDP_OK || !raw) return offer_sdp;
  g_autoptr(GstSDPMessage) msg = raw;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); ++i) {
    const int keep = static_cast<int>(i) == codecs.video_mline ? codecs.h264_pt
                     : static_cast<int>(i) == codecs.audio_mline ? codecs.opus_pt : -1;
    if (keep < 0) continue;
    GstSDPMedia* media = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg, i));
    for (guint f = gst_sdp_media_formats_len(media); f-- > 0;)
      if (atoi(gst_sdp_media_get_format(media, f)) != keep) gst_sdp_media_remove_format(media, f);
    for (guint a = gst_sdp_media_attributes_len(media); a-- > 0;) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(media, a);
      if (!attr->key || !attr->value) continue;
      const std::string key = attr->key;
      if (key != "rtpmap" && key != "fmtp" && key != "rtcp-fb") continue;
      if (attr->value[0] != '*' && atoi(attr->value) != keep) gst_sdp_media_remove_attribute(media, a);
    }
  }
  g_autofree char* text = gst_sdp_message_as_text(msg);
  return text ? text : offer_sdp;
}

std::string with_candidates(const std::string& answer_sdp, const std::vector<std::string>& candidates) {
  // Split into lines (CRLF or LF), then into the session part and one part per m= section.
  std::vector<std::vector<std::string>> sections(1);
  size_t start = 0;
  while (start < answer_sdp.size()) {
    size_t end = answer_sdp.find('\n', start);
    if (end == std::string::npos) end = answer_sdp.size();
    std::string line = answer_sdp.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    start = end + 1;
    if (line.empty()) continue;
    if (line.rfind("m=", 0) == 0) sections.emplace_back();
    sections.back().push_back(std::move(line));
  }
  std::string out;
  for (size_t i = 0; i < sections.size(); ++i) {
    bool has_candidates = false, has_end = false;
    for (const auto& line : sections[i]) {
      out += line + "\r\n";
      has_candidates |= line.rfind("a=candidate:", 0) == 0;
      has_end |= line == "a=end-of-candidates";
    }
    if (i == 0) continue;
    if (!has_candidates)
      for (const auto& c : candidates) out += "a=" + c + "\r\n";
    if (!has_end) out += "a=end-of-candidates\r\n";
  }
  return out;
}

}  // namespace kek::webrtc
