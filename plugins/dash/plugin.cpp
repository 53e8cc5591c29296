// The dash plugin: the kekdashsink element (GStreamer face), and the `dash` output of live
// layouts (kek face: live_output.cpp).
#define G_LOG_DOMAIN "kek-dash"
#include "kekdashsink.h"
#include "live_output.h"

#include <kek/plugin.h>

namespace {

kek::Status init(kek::Host& host) { return host.pipelines().add_live_output(kek::dash::live_output()); }

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(kekdashsink, plugin); }

}  // namespace

KEK_PLUGIN(dash, KEK_VERSION, "DASH: live fragmented-MP4 packaging with a dynamic MPD (kekdashsink)", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekdash, "KEK DASH (kekdashsink)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
