// The library plugin: films uploaded or imported, probed, transcoded by the vod-abr template
// into an adaptive ladder (issue 10). This side registers the template and reads the job
// runner's settings; the runner starts once the ingest side's tables (library_items,
// library_jobs) are migrated.
#include "transcode_settings.h"
#include "vod_abr.h"

#include <kek/plugin.h>

#include <gst/gst.h>

namespace {

kek::Status init(kek::Host& host) {
  auto transcode = kek::library::read_transcode_settings(host.args());
  if (!transcode) return transcode.error();
  auto tmpl = kek::library::vod_abr_template();
  tmpl.defaults["ladder"] = kek::library::format_vod_ladder(transcode->ladder);
  tmpl.defaults["segment_s"] = std::to_string(transcode->segment_s);
  tmpl.defaults["preset"] = transcode->preset;
  tmpl.defaults["threads"] = std::to_string(transcode->threads);
  tmpl.defaults["copy"] = transcode->copy ? "true" : "false";
  return host.pipelines().add_template(std::move(tmpl));
}

gboolean register_elements(GstPlugin*) { return TRUE; }

}  // namespace

KEK_PLUGIN(library, KEK_VERSION, "Film library: uploads, folder import, catalogue", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, keklibrary, "KEK film library", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
