// The schedule plugin: the poster (afisha) of premieres and live events (issue 12). A premiere
// plays a library film live at its time through the "premiere" template (kekpremieresrc, this
// library's GStreamer face); a live event waits for one of its creator's stream keys to publish.
// It keeps only its own tables and asks the auth, library and rtmp plugins through services.
#define G_LOG_DOMAIN "kek-schedule"
#include "kekpace.h"
#include "kekplaylistsrc.h"
#include "kekpremieresrc.h"
#include "premiere_template.h"
#include "schedule_plugin.h"

#include <kek/plugin.h>

#include <gst/gst.h>

namespace {

kek::Status init(kek::Host& host) {
  auto settings = kek::schedule::read_settings(host.args());
  if (!settings) return settings.error();
  auto plugin = std::make_shared<kek::schedule::SchedulePlugin>(host, std::move(*settings));
  host.add_migrations(kek::schedule::schema_migrations());
  if (auto s = host.pipelines().add_template(kek::schedule::premiere_template(
          plugin->settings.outputs, plugin->settings.segment_s, plugin->settings.window));
      !s)
    return s;
  kek::schedule::add_routes(plugin);
  host.services().provide<kek::Poster>(&plugin->poster);
  host.on_start([plugin, &host]() -> kek::Status {
    if (auto s = plugin->queue.open(host.db()); !s) return s;
    return plugin->scheduler.start();
  });
  host.on_stop([plugin] {
    plugin->scheduler.stop();
    plugin->queue.close();  // what is queued is written first
  });
  return {};
}

gboolean register_elements(GstPlugin* plugin) {
  return GST_ELEMENT_REGISTER(kekplaylistsrc, plugin) && GST_ELEMENT_REGISTER(kekpace, plugin) &&
         GST_ELEMENT_REGISTER(kekpremieresrc, plugin);
}

}  // namespace

KEK_PLUGIN(schedule, KEK_VERSION, "Poster: premieres played live on schedule, announced live events, calendar feeds", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekschedule, "KEK premieres (kekpremieresrc, kekplaylistsrc, kekpace)",
                  register_elements, KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
