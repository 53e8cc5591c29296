// The dash plugin: the kekdashsink element (GStreamer face). The kek face has nothing to set up;
// the live layout (core/config/live_layout.cpp) puts kekdashsink into the pipelines.
#define G_LOG_DOMAIN "kek-dash"
#include "kekdashsink.h"

#include <kek/plugin.h>

namespace {

kek::Status init(kek::Host&) { return {}; }

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(kekdashsink, plugin); }

}  // namespace

KEK_PLUGIN(dash, KEK_VERSION, "DASH: live fragmented-MP4 packaging with a dynamic MPD (kekdashsink)", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekdash, "KEK DASH (kekdashsink)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
