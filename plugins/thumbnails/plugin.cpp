// The thumbnails plugin: kekthumbnailsink, kekposterpick and kekspritesheet (GStreamer face), and
// the `thumbnail` output of live layouts (kek face: live_output.cpp), which joins every live
// pipeline with video and publishes the picture's URL for /api/live.
#define G_LOG_DOMAIN "kek-thumbnails"
#include "kekposterpick.h"
#include "kekspritesheet.h"
#include "kekthumbnailsink.h"
#include "live_output.h"

#include <kek/plugin.h>

namespace {

kek::Status init(kek::Host& host) {
  return host.pipelines().add_live_output(kek::thumbnails::live_output());
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
