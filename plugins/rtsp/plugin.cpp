// The rtsp plugin: every live stream also at rtsp://HOST:PORT/<app>/<stream> (gst-rtsp-server,
// passthrough), for players and devices that speak RTSP (VLC, ffplay, NVRs, TVs).
#define G_LOG_DOMAIN "kek-rtsp"
#include "server.h"
#include "settings.h"

#include <kek/events.h>
#include <kek/plugin.h>

#include <gst/gst.h>

#include <memory>

namespace {

kek::Status init(kek::Host& host) {
  auto settings = kek::rtsp::read_settings(host.args());
  if (!settings) return settings.error();
  auto server = std::make_shared<kek::rtsp::Server>(host, std::move(*settings));
  host.http().route("GET", "/api/rtsp/{stream}", [server](const kek::HttpRequest& r) { return server->url_for(r); });
  host.events().subscribe(kek::kEventStreamEnded, [server](const kek::Event& e) {
    server->unmount(e.get("app"), e.get("stream"));
  });
  host.on_start([server] { return server->listen(); });
  host.on_stop([server] { server->stop(); });
  return {};
}

gboolean register_elements(GstPlugin*) { return TRUE; }

}  // namespace

KEK_PLUGIN(rtsp, KEK_VERSION, "RTSP out: every live stream at rtsp://HOST:8554/<app>/<stream>, passthrough", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekrtsp, "KEK RTSP output (no elements)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
