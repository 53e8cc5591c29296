// The library plugin: films uploaded (tus) or imported from folders, probed, transcoded by the
// vod-abr template into an adaptive ladder, listed in a catalogue with the same visibility as
// live streams (issue 10).
#include "schema.h"
#include "settings.h"
#include "transcode_settings.h"
#include "vod_abr.h"

#include <kek/plugin.h>

#include <gst/gst.h>

namespace {

kek::Status init(kek::Host& host) {
  // The transcode keys first: read_settings ends by refusing any key nobody asked for.
  auto transcode = kek::library::read_transcode_settings(host.args());
  if (!transcode) return transcode.error();
  auto settings = kek::library::read_settings(host.args());
  if (!settings) return settings.error();
  host.add_migrations(kek::library::schema_migrations());
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
