// The library plugin: films uploaded (tus) or imported from folders, probed, transcoded by the
// vod-abr template into an adaptive ladder, listed in a catalogue with the same visibility as
// live streams (issue 10). init wires the parts together; they live in one LibraryPlugin that
// the routes keep alive for as long as the host runs.
#include "catalogue.h"
#include "deleted_accounts.h"
#include "events_bridge.h"
#include "folder_import.h"
#include "ingest.h"
#include "recordings.h"
#include "job_runner.h"
#include "kekkeyframes.h"
#include "routes.h"
#include "schema.h"
#include "settings.h"
#include "transcode_settings.h"
#include "uploads.h"
#include "vod_abr.h"
#include "vod_subtitles.h"

#include <kek/plugin.h>
#include <kek/services/media_access.h>

#include <gst/gst.h>

#include <memory>

namespace {

using namespace kek::library;

struct LibraryPlugin {
  LibraryPlugin(kek::Host& host, Settings s, TranscodeSettings t)
      : settings(std::move(s)), catalogue(host, settings), runner(std::make_shared<JobRunner>(host, std::move(t))) {}
  Settings settings;
  Catalogue catalogue;
  // Shared: its workers' results come back to it only while it lives.
  std::shared_ptr<JobRunner> runner;
  std::shared_ptr<Ingest> ingest;
  std::shared_ptr<Uploads> uploads;
  std::shared_ptr<FolderImport> folders;
  std::shared_ptr<kek::SearchIndex> index;
  bool serving = false;
};

constexpr const char* kLibraryCommandHelp =
    "library scan    scan the import folders once: add new files, follow moved ones, drop removed ones";

int run_library_command(LibraryPlugin& plugin, const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] != "scan") {
    g_printerr("usage: kek %s\n", kLibraryCommandHelp);
    return 2;
  }
  if (plugin.settings.folders.empty()) {
    g_print("no import folders are configured (library args: folders: [{path: /srv/films, owner: admin}])\n");
    return 0;
  }
  auto index = plugin.catalogue.host().db().search_index("library_items", {"title", "description", "genres"});
  if (index) plugin.index = *index;
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  ScanReport result;
  bool done = false;
  plugin.folders->scan([&](const ScanReport& report) {
    result = report;
    done = true;
  });
  while (!done || plugin.folders->copies_running() > 0) g_main_context_iteration(nullptr, TRUE);
  for (const auto& line : result.lines) g_print("%s\n", line.c_str());
  g_print("%d added, %d moved, %d changed, %d removed, %d unchanged\n", result.added, result.moved, result.changed,
          result.removed, result.unchanged);
  return 0;
}

void index_item(LibraryPlugin& p, const std::string& id) {
  if (!p.index) return;
  auto row = p.catalogue.row(id);
  if (!row || !*row) return;
  std::string genres;
  for (const auto& g : strings_of_json_array((*row)->text("genres"))) genres += (genres.empty() ? "" : " ") + g;
  if (auto s = p.index->put(id, {(*row)->text("title"), (*row)->text("description"), genres}); !s)
    g_warning("library: indexing %s: %s", id.c_str(), s.error().message.c_str());
}

kek::Status register_template(kek::Host& host, const TranscodeSettings& transcode) {
  auto tmpl = vod_abr_template();
  tmpl.defaults["ladder"] = format_vod_ladder(transcode.ladder);
  tmpl.defaults["segment_s"] = std::to_string(transcode.segment_s);
  tmpl.defaults["preset"] = transcode.preset;
  tmpl.defaults["threads"] = std::to_string(transcode.threads);
  tmpl.defaults["copy"] = transcode.copy ? "true" : "false";
  if (auto s = host.pipelines().add_template(std::move(tmpl)); !s) return s;
  return host.pipelines().add_template(vod_subtitles_template());
}

kek::Status init(kek::Host& host) {
  // The transcode keys first: read_settings ends by refusing any key nobody asked for.
  auto transcode = read_transcode_settings(host.args());
  if (!transcode) return transcode.error();
  auto settings = read_settings(host.args());
  if (!settings) return settings.error();
  if (auto s = register_template(host, *transcode); !s) return s;
  host.add_migrations(schema_migrations());

  auto plugin = std::make_shared<LibraryPlugin>(host, std::move(*settings), std::move(*transcode));
  plugin->ingest = std::make_shared<Ingest>(plugin->catalogue);
  plugin->uploads = std::make_shared<Uploads>(plugin->catalogue, [plugin](const std::string& id) { plugin->ingest->probe(id); });
  plugin->uploads->add_routes();
  add_catalogue_routes(std::make_shared<RouteDeps>(RouteDeps{
      plugin->catalogue,
      [plugin](const std::string& id) { plugin->ingest->probe(id); },
      [plugin](const std::string& id) { return plugin->runner->retry(id); },
      [plugin](const std::string& id) { return plugin->runner->cancel(id); },
  }));
  plugin->catalogue.set_index_updater([plugin](const std::string& id) { index_item(*plugin, id); },
                                      [plugin](const std::string& id) {
                                        if (plugin->index) (void)plugin->index->remove(id);
                                      });
  plugin->folders = std::make_shared<FolderImport>(plugin->catalogue, [plugin](const std::string& id) {
    if (plugin->serving) plugin->ingest->probe(id);  // offline (kek library scan): probed at the next start
  });
  if (plugin->settings.import_recordings)
    import_recordings(plugin->catalogue, [plugin](const std::string& id) { plugin->ingest->probe(id); });
  host.add_command("library", kLibraryCommandHelp,
                   [plugin](const std::vector<std::string>& args) { return run_library_command(*plugin, args); });
  host.services().provide<kek::Library>(&plugin->catalogue);
  forward_events_to_browsers(plugin->catalogue);
  forget_accounts_when_deleted(plugin->catalogue, plugin->uploads, [plugin] { return plugin->serving; });
  // A deleted item's running transcode stops with it: the runner listens to library.deleted.
  if (auto* metrics = host.services().get<kek::Metrics>())
    metrics->add_collector([plugin](kek::MetricsWriter& w) { plugin->runner->write_metrics(w); });

  host.on_start([plugin, &host]() -> kek::Status {
    auto index = host.db().search_index("library_items", {"title", "description", "genres"});
    if (!index) return index.error();
    plugin->index = *index;
    if (plugin->settings.uploaders.kind == UploaderRule::Kind::group)
      if (auto* media = host.services().get<kek::MediaAccess>())
        media->set_policy(".library-uploaders/",
                          {kek::Visibility::private_, 0, {}, {plugin->settings.uploaders.group}});
    plugin->catalogue.apply_all_policies();
    plugin->uploads->start_expiry_timer();
    forget_deleted_accounts(plugin->catalogue, *plugin->uploads);
    plugin->serving = true;
    plugin->ingest->resume_unprobed();
    plugin->folders->watch();
    plugin->folders->scan();
    return plugin->runner->start();
  });
  host.on_stop([plugin] { plugin->runner->stop(); });
  return {};
}

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(kekkeyframes, plugin); }

}  // namespace

KEK_PLUGIN(library, KEK_VERSION, "Film library: uploads, folder import, catalogue", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, keklibrary, "KEK film library", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
