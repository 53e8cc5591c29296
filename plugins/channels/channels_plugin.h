// What the channels plugin's parts share: the host, the store of titles, the follows.
#pragma once

#include "channel_store.h"
#include "follows.h"

#include <kek/host.h>
#include <kek/services/identity.h>
#include <kek/services/live_streams.h>
#include <kek/services/poster.h>

#include <optional>
#include <string>

namespace kek::channels {

// A channel as a page shows it: an account, or a stream from the rtmp config (user_id 0, which
// nobody can follow).
struct Channel {
  int64_t user_id = 0;
  std::string name;
  std::string display_name;
};

struct ChannelsPlugin {
  Host& host;
  ChannelStore store;
  Follows follows;

  explicit ChannelsPlugin(Host& h) : host(h), store(h), follows(h) {}

  Identity* identity() const { return host.services().get<Identity>(); }
  LiveStreams* live() const { return host.services().get<LiveStreams>(); }
  Poster* poster() const { return host.services().get<Poster>(); }  // the schedule plugin, when loaded
  // A user name, or the public name of a live stream (whose owner's channel it is).
  Result<std::optional<Channel>> resolve(const std::string& name) const;
};

// The one error shape (500s logged, not told); the signed-in caller (401 when nobody).
HttpResponse failure(const Error& error);
Result<std::optional<UserIdentity>> caller_of(const ChannelsPlugin& p, const HttpRequest& request);
Result<UserIdentity> require_caller(const ChannelsPlugin& p, const HttpRequest& request);

void add_routes(const std::shared_ptr<ChannelsPlugin>& plugin);
// POST/DELETE /api/me/channel/banner (banners.cpp); a deleted account's banner goes with it.
void add_banner_routes(const std::shared_ptr<ChannelsPlugin>& plugin);
// "/media/banners/<id>/<version>.jpg", or "" when the channel has none.
std::string banner_url(const ChannelsPlugin& plugin, int64_t user_id);
// Followers hear (through /api/events) when a channel they follow goes live.
void notify_followers_when_live(const std::shared_ptr<ChannelsPlugin>& plugin);

}  // namespace kek::channels
