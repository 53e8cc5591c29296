// The srt plugin: an SRT listener for publishers (OBS, ffmpeg, hardware encoders) that send
// MPEG-TS with H.264/AAC. Their streams go through kek::LiveIngest into the same live layouts as
// RTMP publishes.
#define G_LOG_DOMAIN "kek-srt"
#include "listener.h"
#include "settings.h"

#include <kek/plugin.h>

#include <gst/gst.h>

#include <memory>

namespace {

kek::Status init(kek::Host& host) {
  auto settings = kek::srt::read_settings(host.args());
  if (!settings) return settings.error();
  auto listener = std::make_shared<kek::srt::Listener>(host, std::move(*settings));
  host.on_start([listener] { return listener->listen(); });
  host.on_stop([listener] { listener->stop(); });
  return {};
}

gboolean register_elements(GstPlugin*) { return TRUE; }

}  // namespace

KEK_PLUGIN(srt, KEK_VERSION, "SRT ingest: publish MPEG-TS (H.264/AAC) with a stream key over SRT", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, keksrt, "KEK SRT ingest (no elements)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
