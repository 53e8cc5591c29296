// The hls plugin: the kekhlssink element (GStreamer face), and the `hls` output of live layouts
// (kek face: live_output.cpp).
#define G_LOG_DOMAIN "kek-hls"
#include "kekhlssink.h"
#include "live_output.h"

#include <kek/plugin.h>

namespace {

kek::Status init(kek::Host& host) {
  if (auto st = host.args().no_unknown_keys(); !st) return st;  // it takes none
  return host.pipelines().add_live_output(kek::hls::live_output());
}

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(kekhlssink, plugin); }

}  // namespace

KEK_PLUGIN(hls, KEK_VERSION, "HLS: adaptive ladders with a master playlist (kekhlssink)", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekhls, "KEK HLS (kekhlssink)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
