// The hls plugin: the kekhlssink element (GStreamer face). The kek face has nothing to set up
// yet; templates that use kekhlssink live with the pipelines.
#define G_LOG_DOMAIN "kek-hls"
#include "kekhlssink.h"

#include <kek/plugin.h>

namespace {

kek::Status init(kek::Host&) { return {}; }

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(kekhlssink, plugin); }

}  // namespace

KEK_PLUGIN(hls, KEK_VERSION, "HLS: adaptive ladders with a master playlist (kekhlssink)", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekhls, "KEK HLS (kekhlssink)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
