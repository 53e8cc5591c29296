// WHIP ingest: POST /api/whip/{app} with the stream key as "Authorization: Bearer KEY" and an SDP
// offer (H.264 and/or Opus, sendonly) answers with the SDP answer and a session URL to DELETE.
// The key goes to kek::LiveIngest first (the rtmp plugin's publish authorizer, as for RTMP and
// SRT): a wrong one is refused with 401 before any WebRTC is set up. Each publisher has a
// pipeline of its own:
//
//   webrtcbin ! rtph264depay ! h264parse ! appsink          (H.264 as the browser sent it)
//             ! rtpopusdepay ! opusdec ! AAC encoder ! appsink   (the live layouts package AAC)
//
// whose samples become FLV tag bodies (kek::media::FlvTagger) for the stream's LivePublish, so
// the same live layout as for RTMP serves it (HLS, DASH, recordings). A keyframe is asked for
// (RTCP PLI) every 2 s: a browser sends one only when asked, and segments start at keyframes.
// Main loop only, except the appsink callbacks, which queue to it.
#pragma once

#include "settings.h"

#include <kek/host.h>

#include <gst/gst.h>

#include <map>
#include <memory>
#include <string>

namespace kek::webrtc {

class Whip : public std::enable_shared_from_this<Whip> {
 public:
  Whip(Host& host, Settings settings) : host_(host), settings_(std::move(settings)) {}
  ~Whip();
  Whip(const Whip&) = delete;
  Whip& operator=(const Whip&) = delete;

  void offer(const HttpRequest& request, HttpResponder respond);  // POST /api/whip/{app}
  HttpResponse end(const HttpRequest& request);                   // DELETE /api/whip/{app}/{session}
  void stop();

  struct Publisher;

 private:
  void end_publisher(const std::string& id, const std::string& why);
  void on_bus(const std::string& id, GstMessage* message);

  Host& host_;
  const Settings settings_;
  std::map<std::string, std::shared_ptr<Publisher>> publishers_;  // by session id
};

}  // namespace kek::webrtc
