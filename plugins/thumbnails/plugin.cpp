// The thumbnails plugin: the kekthumbnailsink element (GStreamer face). The kek face has nothing
// to set up; the live layout (core/config/live_layout.cpp) adds a kekthumbnailsink to every live
// pipeline with video, and /api/live (plugins/rtmp) names the picture.
#define G_LOG_DOMAIN "kek-thumbnails"
#include "kekposterpick.h"
#include "kekspritesheet.h"
#include "kekthumbnailsink.h"

#include <kek/plugin.h>

namespace {

kek::Status init(kek::Host&) { return {}; }

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
