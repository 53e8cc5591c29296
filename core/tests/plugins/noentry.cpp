// A GStreamer plugin without the kek entry symbol.
#include <gst/gst.h>

static gboolean plugin_init(GstPlugin*) { return TRUE; }
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, keknoentry, "test", plugin_init, "1.0", "LGPL", "kek", "x")
