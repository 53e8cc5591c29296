// The thumbnails plugin: the kekthumbnailsink element (GStreamer face). The kek face has nothing
// to set up; the live layout (core/config/live_layout.cpp) adds a kekthumbnailsink to every live
// pipeline with video, and /api/live (plugins/rtmp) names the picture.
#define G_LOG_DOMAIN "kek-thumbnails"
#include "kekthumbnailsink.h"

#include <kek/plugin.h>

namespace {

kek::Status init(kek::Host&) { return {}; }

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(kekthumbnailsink, plugin); }

}  // namespace

KEK_PLUGIN(thumbnails, KEK_VERSION, "Live thumbnails: a JPEG of one keyframe every few seconds (kekthumbnailsink)",
           init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekthumbnails, "KEK thumbnails (kekthumbnailsink)",
                  register_elements, KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
