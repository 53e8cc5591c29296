// WHEP playback: POST /api/whep/{stream} with an SDP offer answers with the SDP answer and a
// session URL to DELETE. Each live stream that has viewers has one pipeline of its own:
//
//   kekrtmpsrc ! flvdemux ! h264parse ! tee                                  (H.264 as published)
//                         ! aacparse ! avdec_aac ! ... ! opusenc ! tee       (Opus, once per stream)
//
// and each viewer is a small bin added to it while it plays and removed when it ends: a leaky
// queue per track (a slow or stuck peer loses its own packets, never another's), the RTP
// payloader with the payload type the viewer's offer chose, and a webrtcbin. The pipeline stops
// with its last viewer and when the stream ends. Main loop only.
#pragma once

#include "settings.h"

#include <kek/host.h>

#include <gst/gst.h>

#include <map>
#include <memory>
#include <string>

namespace kek::webrtc {

class Whep : public std::enable_shared_from_this<Whep> {
 public:
  Whep(Host& host, Settings settings) : host_(host), settings_(std::move(settings)) {}
  ~Whep();
  Whep(const Whep&) = delete;
  Whep& operator=(const Whep&) = delete;

  void offer(const HttpRequest& request, HttpResponder respond);  // POST /api/whep/{stream}
  HttpResponse end(const HttpRequest& request);                   // DELETE /api/whep/{stream}/{session}
  void stream_ended(const std::string& app, const std::string& stream);
  void stop();

  struct Hub;
  struct Viewer;

 private:
  std::shared_ptr<Hub> hub_for(const std::string& stream, bool video, bool audio);
  void end_viewer(const std::shared_ptr<Hub>& hub, const std::string& id, const char* why);
  void end_hub(const std::string& stream, const char* why);
  void on_bus(const std::shared_ptr<Hub>& hub, GstMessage* message);

  Host& host_;
  const Settings settings_;
  std::map<std::string, std::shared_ptr<Hub>> hubs_;  // by stream name
};

}  // namespace kek::webrtc
