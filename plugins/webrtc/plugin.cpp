// The webrtc plugin: live streams played to browsers over WebRTC (WHEP), and publishing from a
// browser or OBS over WebRTC (WHIP) into the same live layouts as RTMP.
#define G_LOG_DOMAIN "kek-webrtc"
#include "settings.h"
#include "whep.h"
#include "whip.h"

#include <kek/events.h>
#include <kek/plugin.h>

#include <gst/gst.h>

#include <memory>

namespace {

kek::Status init(kek::Host& host) {
  auto settings = kek::webrtc::read_settings(host.args());
  if (!settings) return settings.error();
  auto whep = std::make_shared<kek::webrtc::Whep>(host, *settings);
  host.http().route_async("POST", "/api/whep/{stream}", [whep](const kek::HttpRequest& r, kek::HttpResponder respond) {
    whep->offer(r, std::move(respond));
  });
  host.http().route("DELETE", "/api/whep/{stream}/{session}", [whep](const kek::HttpRequest& r) { return whep->end(r); });
  auto whip = std::make_shared<kek::webrtc::Whip>(host, *settings);
  host.http().route_async("POST", "/api/whip/{app}", [whip](const kek::HttpRequest& r, kek::HttpResponder respond) {
    whip->offer(r, std::move(respond));
  });
  host.http().route("DELETE", "/api/whip/{app}/{session}", [whip](const kek::HttpRequest& r) { return whip->end(r); });
  host.events().subscribe(kek::kEventStreamEnded, [whep](const kek::Event& e) {
    whep->stream_ended(e.get("app"), e.get("stream"));
  });
  host.on_stop([whep, whip] {
    whip->stop();
    whep->stop();
  });
  return {};
}

gboolean register_elements(GstPlugin*) { return TRUE; }

}  // namespace

KEK_PLUGIN(webrtc, KEK_VERSION, "WebRTC: live streams to browsers (WHEP), publishing from browsers and OBS (WHIP)", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekwebrtc, "KEK WebRTC (no elements)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
