// A plugin built for a future ABI: the host must refuse it before calling anything else.
#include <kek/plugin.h>

#include <gst/gst.h>

static int never_called(void*, char*, size_t) { return 0; }

extern "C" G_MODULE_EXPORT const KekPluginDescriptor* kek_plugin_entry(void) {
  static const KekPluginDescriptor d = {KEK_ABI_MAJOR + 98, 0, sizeof(KekPluginDescriptor), "badabi", "9.9",
                                        "built for another ABI", never_called};
  return &d;
}

static gboolean plugin_init(GstPlugin*) { return TRUE; }
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekbadabi, "test", plugin_init, "1.0", "LGPL", "kek", "x")
