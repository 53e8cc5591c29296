// The channels plugin: every account's channel page data (title, category, followers, what is
// live now), follows, and live notices to followers. It keeps only its own tables and asks the
// auth plugin (kek::Identity) and the rtmp plugin (kek::LiveStreams) for the rest.
#define G_LOG_DOMAIN "kek-channels"
#include "channels_plugin.h"

#include <kek/plugin.h>

#include <gst/gst.h>

namespace {

std::vector<kek::Migration> migrations() {
  return {
      {1,
       "CREATE TABLE channels_profiles ("
       "  user_id INTEGER PRIMARY KEY,"
       "  title TEXT NOT NULL DEFAULT '',"
       "  category TEXT NOT NULL DEFAULT '',"
       "  updated_at INTEGER NOT NULL);"
       "CREATE TABLE channels_follows ("
       "  follower_id INTEGER NOT NULL,"
       "  channel_id INTEGER NOT NULL,"
       "  created_at INTEGER NOT NULL,"
       "  PRIMARY KEY (follower_id, channel_id));"
       "CREATE INDEX channels_follows_by_channel ON channels_follows (channel_id);"},
      {2,
       // The offline banner the owner uploaded: media/banners/<user_id>/<version>.jpg; 0 for none.
       "ALTER TABLE channels_profiles ADD COLUMN banner_version INTEGER NOT NULL DEFAULT 0;"},
  };
}

kek::Status init(kek::Host& host) {
  if (auto s = host.args().no_unknown_keys(); !s) return s;
  auto plugin = std::make_shared<kek::channels::ChannelsPlugin>(host);
  host.add_migrations(migrations());
  host.services().provide<kek::Channels>(&plugin->store);
  kek::channels::add_routes(plugin);
  kek::channels::add_banner_routes(plugin);
  kek::channels::notify_followers_when_live(plugin);
  host.on_start([plugin] { return plugin->store.load(); });
  return {};
}

gboolean register_elements(GstPlugin*) { return TRUE; }

}  // namespace

KEK_PLUGIN(channels, KEK_VERSION, "Channels: stream titles and categories, follows, live notices", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekchannels, "KEK channels (no elements)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
