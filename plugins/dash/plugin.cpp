// The dash plugin: the kekdashsink element (GStreamer face), the `dash` and `llhls` outputs of live layouts
// (kek face: live_output.cpp), and LL-HLS serving (ll_hold.cpp): the LlNotices service the sink
// calls as it writes parts and playlists, and the hold on /media/ requests that answers blocking
// playlist reloads and preload hints from it.
#define G_LOG_DOMAIN "kek-dash"
#include "kekdashsink.h"
#include "live_output.h"
#include "ll_hold.h"

#include <kek/plugin.h>

#include <memory>

namespace {

kek::Status init(kek::Host& host) {
  if (auto st = host.args().no_unknown_keys(); !st) return st;  // it takes none
  // Lives as long as the host: the hold keeps it, the service hands out a pointer to it.
  auto ll = std::make_shared<kek::dash::LlHold>(host.media_dir());
  host.services().provide<kek::dash::LlNotices>(ll.get());
  host.http().hold_media([ll](const kek::HttpRequest& request, kek::MediaRelease release) {
    return ll->hold(request, std::move(release));
  });
  if (auto added = host.pipelines().add_live_output(kek::dash::live_output()); !added) return added;
  return host.pipelines().add_live_output(kek::dash::llhls_output());
}

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(kekdashsink, plugin); }

}  // namespace

KEK_PLUGIN(dash, KEK_VERSION, "DASH: live fragmented-MP4 packaging with a dynamic MPD (kekdashsink)", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekdash, "KEK DASH (kekdashsink)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
