// The thumbnails plugin: kekthumbnailsink, kekposterpick and kekspritesheet (GStreamer face), and
// the `thumbnail` output of live layouts (kek face: live_output.cpp), which joins every live
// pipeline with video and publishes the picture's URL for /api/live.
#define G_LOG_DOMAIN "kek-thumbnails"
#include "decode_pool.h"
#include "demand.h"
#include "kekposterpick.h"
#include "kekspritesheet.h"
#include "kekthumbnailsink.h"
#include "live_output.h"

#include <kek/plugin.h>

#include <memory>

namespace {

kek::Status init(kek::Host& host) {
  // One decode pool for every thumbnail sink of the process (a few decoders, none per stream),
  // reached by the sinks through the kek.services context.
  auto decoders = host.args().integer("decoders", 2, 1, 16);
  if (!decoders) return decoders.error();
  auto pool = std::make_shared<kek::thumbnails::DecodePool>(static_cast<unsigned>(*decoders));
  host.services().provide(kek::thumbnails::DecodePool::kName, pool.get());
  // Who looks at which stream's picture: /api/live's listing asks (the output's urls()), the
  // sinks (on-demand=true in every layout) decode a keyframe past their first only when asked.
  auto demand = std::make_shared<kek::thumbnails::Demand>();
  host.services().provide(kek::thumbnails::Demand::kName, demand.get());
  host.on_stop([pool, demand] { pool->stop(); });  // pipelines are stopped by then
  return host.pipelines().add_live_output(kek::thumbnails::live_output(demand));
}

gboolean register_elements(GstPlugin* plugin) {
  gboolean ok = GST_ELEMENT_REGISTER(kekthumbnailsink, plugin);
  ok &= GST_ELEMENT_REGISTER(kekposterpick, plugin);
  ok &= GST_ELEMENT_REGISTER(kekspritesheet, plugin);
  return ok;
}

}  // namespace

KEK_PLUGIN(thumbnails, KEK_VERSION, "Pictures: live thumbnails (kekthumbnailsink), poster frames (kekposterpick), sprite sheets (kekspritesheet)",
           init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekthumbnails, "KEK pictures (kekthumbnailsink, kekposterpick, kekspritesheet)",
                  register_elements, KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
