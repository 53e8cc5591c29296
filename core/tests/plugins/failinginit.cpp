// A plugin whose init registers a route and a template, then fails: none of it may remain.
#include <kek/plugin.h>

#include <gst/gst.h>

static kek::Status init(kek::Host& host) {
  host.http().route("GET", "/api/failing", [](const kek::HttpRequest&) { return kek::HttpResponse::json("{}"); });
  kek::PipelineTemplate t;
  t.name = "failing-template";
  t.launch = "fakesrc ! fakesink";
  (void)host.pipelines().add_template(t);
  return kek::Error{"the database it needs is not configured", 500};
}
KEK_PLUGIN(failinginit, "1.0", "fails on purpose", init)

static gboolean plugin_init(GstPlugin*) { return TRUE; }
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekfailinginit, "test", plugin_init, "1.0", "LGPL", "kek", "x")
