// The channels API: GET /api/channels/{name}, PATCH /api/me/channel, follow and unfollow,
// GET /api/me/following. A channel's "next on the poster" comes from the schedule plugin's
// kek::Poster, when it runs.
#include "channel_body.h"
#include "channels_plugin.h"

#include <kek/json.h>

#include <glib.h>

namespace kek::channels {

HttpResponse failure(const Error& error) {
  if (error.code >= 500) g_warning("channels: %s", error.message.c_str());
  return HttpResponse::error(error.code, error.code >= 500 ? "internal" : error_code_of(error),
                             error.code >= 500 ? "internal error" : error.message);
}

Result<std::optional<UserIdentity>> caller_of(const ChannelsPlugin& p, const HttpRequest& request) {
  auto* identity = p.identity();
  if (!identity) return std::optional<UserIdentity>{};
  return identity->user_of(request);
}

Result<UserIdentity> require_caller(const ChannelsPlugin& p, const HttpRequest& request) {
  auto caller = caller_of(p, request);
  if (!caller) return caller.error();
  if (!*caller) return Error{"sign in first", 401, "sign_in_required"};
  return **caller;
}

namespace {

using PluginPtr = std::shared_ptr<ChannelsPlugin>;

HttpResponse no_such_channel() { return HttpResponse::error(404, "no_such_channel", "no such channel"); }

std::string iso_time(int64_t real_time_us) {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(real_time_us / G_USEC_PER_SEC);
  g_autofree char* s = g_date_time_format_iso8601(t);
  return s ? s : "";
}

// Streams of the channel that the caller may see in a listing (unlisted ones only with a link).
void write_live(JsonWriter& w, const ChannelsPlugin& p, const Channel& channel, const std::optional<UserIdentity>& caller) {
  w.key("live").begin_array();
  if (auto* live = p.live()) {
    auto* identity = p.identity();
    for (const auto& s : live->list()) {
      const bool ours = channel.user_id > 0 ? s.owner_id == channel.user_id : s.owner_id == 0 && s.stream == channel.name;
      if (!ours || (identity && !identity->may_view(caller, s.media_prefix()))) continue;
      w.begin_object()
          .member("stream", s.stream)
          .member("app", s.app)
          .member("since", iso_time(s.since_us))
          .member("state", s.reconnecting ? "reconnecting" : "live")
          .member("playlist", "/media/" + s.media_prefix() + "index.m3u8")
          .end_object();
    }
  }
  w.end_array();
}

// The channel's next event on the poster as the caller may see it (the schedule plugin's
// kek::Poster), or null.
void write_next_on_poster(JsonWriter& w, const std::optional<PosterEntry>& next) {
  w.key("next_on_poster");
  if (!next) {
    w.null();
    return;
  }
  w.begin_object()
      .member("id", next->id)
      .member("kind", next->kind)
      .member("title", next->title)
      .member("starts_at", iso_time(next->starts_at * G_USEC_PER_SEC))
      .member("ends_at", iso_time(next->ends_at * G_USEC_PER_SEC))
      .member("status", next->status)
      .member("page", next->page);
  w.key("poster");
  if (next->poster_url.empty()) w.null();
  else w.value(next->poster_url);
  w.end_object();
}

Result<std::string> channel_json(ChannelsPlugin& p, const Channel& channel, const std::optional<UserIdentity>& caller,
                                 const std::optional<PosterEntry>& next) {
  int64_t followers = 0;
  bool following = false;
  if (channel.user_id > 0) {
    auto count = p.follows.follower_count(channel.user_id);
    if (!count) return count.error();
    followers = *count;
    if (caller) {
      auto f = p.follows.is_following(caller->id, channel.user_id);
      if (!f) return f.error();
      following = *f;
    }
  }
  const ChannelInfo info = channel.user_id > 0 ? p.store.channel_of(channel.user_id) : ChannelInfo{};
  JsonWriter w;
  w.begin_object()
      .member("name", channel.name)
      .member("display_name", channel.display_name.empty() ? channel.name : channel.display_name);
  w.key("avatar_url");
  if (channel.user_id > 0) w.value("/api/users/" + channel.name + "/avatar");
  else w.null();
  w.key("title");
  if (info.title.empty()) w.null();
  else w.value(info.title);
  w.key("category");
  if (info.category.empty()) w.null();
  else w.value(info.category);
  w.member("followers", followers)
      .member("following", following)
      .member("can_follow", channel.user_id > 0 && caller && caller->id != channel.user_id)
      .member("is_mine", channel.user_id > 0 && caller && caller->id == channel.user_id);
  write_live(w, p, channel, caller);
  // What the library will fill in once recordings are its items.
  w.key("banner_url");
  if (const std::string banner = channel.user_id > 0 ? banner_url(p, channel.user_id) : ""; !banner.empty()) w.value(banner);
  else w.null();
  write_next_on_poster(w, next);
  w.key("past_broadcasts").begin_array().end_array();
  w.end_object();
  return w.str();
}

// The channel as the caller sees it, once the poster (when there is one) has said what is next.
void answer_channel(const PluginPtr& plugin, const Channel& channel, const std::optional<UserIdentity>& caller,
                    HttpResponder respond) {
  auto answer = [plugin, channel, caller, respond](const std::optional<PosterEntry>& next) {
    auto body = channel_json(*plugin, channel, caller, next);
    if (!body) return respond(failure(body.error()));
    HttpResponse r = HttpResponse::json(*body);
    r.headers.emplace_back("Cache-Control", "private, no-store");  // it depends on who asks
    respond(std::move(r));
  };
  auto* poster = plugin->poster();
  if (!poster || channel.user_id <= 0) return answer(std::nullopt);
  poster->next_of(channel.user_id, caller, [answer](Result<std::optional<PosterEntry>> next) {
    // The page is still worth showing without its poster line.
    if (!next) g_warning("channels: next on the poster: %s", next.error().message.c_str());
    answer(next ? *next : std::nullopt);
  });
}

void get_channel(const PluginPtr& plugin, const HttpRequest& request, HttpResponder respond) {
  auto channel = plugin->resolve(request.params.at("name"));
  if (!channel) return respond(failure(channel.error()));
  if (!*channel) return respond(no_such_channel());
  auto caller = caller_of(*plugin, request);
  if (!caller) return respond(failure(caller.error()));
  answer_channel(plugin, **channel, *caller, std::move(respond));
}

void patch_my_channel(const PluginPtr& plugin, const HttpRequest& request, HttpResponder respond) {
  auto caller = require_caller(*plugin, request);
  if (!caller) return respond(failure(caller.error()));
  auto change = parse_channel_change(request.body);
  if (!change) return respond(failure(change.error()));
  auto updated = plugin->store.update(caller->id, *change);
  if (!updated) return respond(failure(updated.error()));
  answer_channel(plugin, Channel{caller->id, caller->username, caller->display_name}, *caller, std::move(respond));
}

HttpResponse set_following(ChannelsPlugin& p, const HttpRequest& request, bool follow) {
  auto caller = require_caller(p, request);
  if (!caller) return failure(caller.error());
  auto channel = p.resolve(request.params.at("name"));
  if (!channel) return failure(channel.error());
  if (!*channel) return no_such_channel();
  if ((*channel)->user_id == 0) return HttpResponse::error(400, "cannot_follow", "this channel cannot be followed");
  if ((*channel)->user_id == caller->id) return HttpResponse::error(400, "cannot_follow_self", "you cannot follow your own channel");
  Status done = follow ? p.follows.follow(caller->id, (*channel)->user_id) : p.follows.unfollow(caller->id, (*channel)->user_id);
  if (!done) return failure(done.error());
  auto count = p.follows.follower_count((*channel)->user_id);
  if (!count) return failure(count.error());
  JsonWriter w;
  w.begin_object().member("following", follow).member("followers", *count).end_object();
  return HttpResponse::json(w.str());
}

// The channels the caller follows, live ones first, each with the stream to open.
HttpResponse my_following(ChannelsPlugin& p, const HttpRequest& request) {
  auto caller = require_caller(p, request);
  if (!caller) return failure(caller.error());
  auto ids = p.follows.followed_by(caller->id);
  if (!ids) return failure(ids.error());
  auto* identity = p.identity();
  std::vector<LiveStreamInfo> live;
  if (auto* streams = p.live()) live = streams->list();
  JsonWriter w;
  w.begin_array();
  for (bool live_pass : {true, false}) {
    for (int64_t id : *ids) {
      auto user = identity ? identity->user_by_id(id) : Result<std::optional<UserIdentity>>(std::optional<UserIdentity>{});
      if (!user) return failure(user.error());
      if (!*user) continue;  // the account is gone
      const LiveStreamInfo* stream = nullptr;
      for (const auto& s : live)
        if (s.owner_id == id && identity && identity->may_view(*caller, s.media_prefix())) {
          stream = &s;
          break;
        }
      if ((stream != nullptr) != live_pass) continue;
      const ChannelInfo info = p.store.channel_of(id);
      w.begin_object()
          .member("name", (*user)->username)
          .member("display_name", (*user)->display_name.empty() ? (*user)->username : (*user)->display_name)
          .member("avatar_url", "/api/users/" + (*user)->username + "/avatar");
      w.key("title");
      if (info.title.empty()) w.null();
      else w.value(info.title);
      w.key("category");
      if (info.category.empty()) w.null();
      else w.value(info.category);
      w.key("stream");
      if (stream) w.value(stream->stream);
      else w.null();
      w.member("live", stream != nullptr).end_object();
    }
  }
  w.end_array();
  HttpResponse r = HttpResponse::json(w.str());
  r.headers.emplace_back("Cache-Control", "private, no-store");
  return r;
}

}  // namespace

Result<std::optional<Channel>> ChannelsPlugin::resolve(const std::string& name) const {
  if (name.empty() || name.size() > 128) return std::optional<Channel>{};
  auto* ident = identity();
  if (ident) {
    auto user = ident->find_user(name);
    if (!user) return user.error();
    if (*user) return std::optional<Channel>{Channel{(*user)->id, (*user)->username, (*user)->display_name}};
  }
  auto* streams = live();
  if (!streams) return std::optional<Channel>{};
  auto stream = streams->find(name);
  if (!stream) return std::optional<Channel>{};
  if (stream->owner_id == 0) return std::optional<Channel>{Channel{0, stream->stream, stream->stream}};
  if (!ident) return std::optional<Channel>{};
  auto owner = ident->user_by_id(stream->owner_id);
  if (!owner) return owner.error();
  if (!*owner) return std::optional<Channel>{};
  return std::optional<Channel>{Channel{(*owner)->id, (*owner)->username, (*owner)->display_name}};
}

void add_routes(const PluginPtr& plugin) {
  Http& http = plugin->host.http();
  http.route_async("GET", "/api/channels/{name}", [plugin](const HttpRequest& r, HttpResponder a) { get_channel(plugin, r, std::move(a)); });
  http.route_async("PATCH", "/api/me/channel", [plugin](const HttpRequest& r, HttpResponder a) { patch_my_channel(plugin, r, std::move(a)); });
  http.route("POST", "/api/channels/{name}/follow", [plugin](const HttpRequest& r) { return set_following(*plugin, r, true); });
  http.route("DELETE", "/api/channels/{name}/follow", [plugin](const HttpRequest& r) { return set_following(*plugin, r, false); });
  http.route("GET", "/api/me/following", [plugin](const HttpRequest& r) { return my_following(*plugin, r); });
}

}  // namespace kek::channels
