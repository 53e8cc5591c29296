// The swscale plugin: kekswscale, a scaler on FFmpeg's libswscale (GStreamer face), set as the
// scaler of the live layouts' encoded rungs in place of videoscale (kek face). Args:
//   method: bicubic (default, FFmpeg's scale filter's), bilinear or fast-bilinear.
#define G_LOG_DOMAIN "kek-swscale"
#include "kekswscale.h"

#include <kek/plugin.h>

#include <string>

namespace {

kek::Status init(kek::Host& host) {
  auto method = host.args().string("method", "bicubic");
  if (!method) return method.error();
  if (*method != "bicubic" && *method != "bilinear" && *method != "fast-bilinear")
    return kek::Error{"method: bicubic, bilinear or fast-bilinear, not '" + *method + "'", 400};
  return host.pipelines().set_live_scaler("kekswscale method=" + *method);
}

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(kekswscale, plugin); }

}  // namespace

KEK_PLUGIN(swscale, KEK_VERSION, "Scaling on libswscale (kekswscale) for the live ladder's rungs", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekswscale, "KEK libswscale scaler (kekswscale)",
                  register_elements, KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
