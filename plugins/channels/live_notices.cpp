// When a stream starts, each follower of its owner who may watch it gets "channel.live" on
// /api/events (the web UI shows it in the page and, when allowed, as a system notification).
#include "channels_plugin.h"

#include <kek/browser_events.h>
#include <kek/json.h>

#include <glib.h>

namespace kek::channels {

void notify_followers_when_live(const std::shared_ptr<ChannelsPlugin>& plugin) {
  plugin->host.events().subscribe(kEventStreamStarted, [plugin](const Event& e) {
    const int64_t owner_id = g_ascii_strtoll(e.get("owner_id").c_str(), nullptr, 10);
    auto* browsers = plugin->host.services().get<BrowserEvents>();
    auto* identity = plugin->identity();
    if (owner_id <= 0 || !browsers || !identity) return;
    auto owner = identity->user_by_id(owner_id);
    if (!owner || !*owner) return;
    auto followers = plugin->follows.followers_of(owner_id);
    if (!followers) {
      g_warning("channels: followers of %s: %s", (*owner)->username.c_str(), followers.error().message.c_str());
      return;
    }
    const std::string prefix = e.get("app") + "/" + e.get("stream") + "/";
    const ChannelInfo info = plugin->store.channel_of(owner_id);
    JsonWriter w;
    w.begin_object()
        .member("channel", (*owner)->username)
        .member("display_name", (*owner)->display_name.empty() ? (*owner)->username : (*owner)->display_name)
        .member("stream", e.get("stream"))
        .member("title", info.title)
        .member("category", info.category)
        .end_object();
    const std::string data = w.str();
    for (int64_t follower_id : *followers) {
      auto follower = identity->user_by_id(follower_id);
      if (!follower || !*follower) continue;
      // A private stream is news only to those who may watch it.
      if (!identity->may_view(*follower, prefix)) continue;
      BrowserAudience audience;
      audience.user_id = follower_id;
      browsers->publish({"channel.live", data, audience});
    }
  });
}

}  // namespace kek::channels
