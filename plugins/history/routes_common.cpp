#include "routes_common.h"

#include "rules.h"

#include <glib.h>

#include <algorithm>
#include <map>

namespace kek::history {

int64_t now_ms() { return g_get_real_time() / 1000; }

std::string iso_time_ms(int64_t ms) {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(ms / 1000);
  if (!t) return "";
  g_autofree char* base = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S");
  char frac[8];
  g_snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(base ? base : "") + frac;
}

HttpResponse no_content() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Caller signed_in_caller(HistoryContext& ctx, const HttpRequest& request) {
  Caller c;
  if (!ctx.store) {
    c.refusal = HttpResponse::error(503, "starting", "history is starting, try again in a moment");
    return c;
  }
  auto* identity = ctx.host.services().get<Identity>();
  if (!identity) {
    c.refusal = HttpResponse::error(401, "history_needs_account",
                                    "watch history needs an account, and this server has none (no auth plugin)");
    return c;
  }
  auto user = identity->user_of(request);
  if (!user) {
    c.refusal = HttpResponse::from(user.error());
    return c;
  }
  if (!*user) {
    c.refusal = HttpResponse::error(401, "history_needs_account",
                                    "watch history is kept for signed-in users only: sign in to keep yours");
    return c;
  }
  c.user = **user;
  return c;
}

Result<std::optional<UserIdentity>> any_caller(HistoryContext& ctx, const HttpRequest& request) {
  auto* identity = ctx.host.services().get<Identity>();
  if (!identity) return std::optional<UserIdentity>{};
  return identity->user_of(request);
}

bool may_open(HistoryContext& ctx, const std::optional<UserIdentity>& user, const std::string& media_prefix) {
  auto* identity = ctx.host.services().get<Identity>();
  return !identity || identity->may_open(user, media_prefix);
}

Result<FilmInfo> film_for(HistoryContext& ctx, const std::optional<UserIdentity>& user, const std::string& item_id) {
  if (!plausible_item_id(item_id)) return Error{"no such film", 404, "no_such_item"};
  auto film = ctx.film_cache.find(item_id, g_get_monotonic_time());
  if (!film) return film.error();
  if (!*film) return Error{"no such film: " + item_id, 404, "no_such_item"};
  if (!may_open(ctx, user, (*film)->media_prefix))
    return Error{"this film is not yours to watch", 403, "forbidden"};
  return **film;
}

Caller heartbeat_caller(HistoryContext& ctx, const HttpRequest& request) {
  Caller caller = signed_in_caller(ctx, request);
  if (caller.refusal) return caller;
  const std::string key =
      std::to_string(caller.user->id) + " " + request.remote + " " + request.header("user-agent").value_or("");
  auto wait = ctx.heartbeats.take(key, g_get_monotonic_time());
  if (!wait) return caller;
  auto r = HttpResponse::error(429, "rate_limited",
                               "too many history reports from this browser: try again in " + std::to_string(*wait) + " s");
  r.headers.emplace_back("Retry-After", std::to_string(*wait));
  caller.refusal = std::move(r);
  return caller;
}

HttpResponse accepted(bool recorded) {
  // The answer to every heartbeat: two constant bodies, not a JSON builder per request.
  return HttpResponse::json(recorded ? R"({"recorded":true})" : R"({"recorded":false,"paused":true})", 202);
}

void write_film_entry(JsonWriter& w, const Entry& e, const FilmInfo* film) {
  const double duration = film && film->duration_s > 0 ? film->duration_s : e.duration_s;
  const double position = std::min(e.position_s, duration > 0 ? duration : e.position_s);
  w.begin_object()
      .member("id", e.id)
      .member("kind", kFilm)
      .member("item_id", e.item_id);
  w.key("title");
  if (film) w.value(film->title);
  else w.null();
  w.key("poster");
  if (film && !film->poster_url.empty()) w.value(film->poster_url);
  else w.null();
  w.member("position_s", position)
      .member("duration_s", duration)
      .member("remaining_s", std::max(0.0, duration - position))
      .member("progress", duration > 0 ? std::clamp(position / duration, 0.0, 1.0) : 0.0)
      .member("watched", e.watched || counts_as_watched(position, duration))
      .member("resume_s", resume_position(position, duration))
      .member("in_progress", in_progress(position, duration))
      .member("sent_at", e.sent_at_ms)
      .member("started_at", iso_time_ms(e.started_ms))
      .member("updated_at", iso_time_ms(e.updated_ms))
      .end_object();
}

void write_live_entry(JsonWriter& w, const Entry& e) {
  w.begin_object()
      .member("id", e.id)
      .member("kind", kLive)
      .member("stream", e.item_id)
      .member("app", e.app)
      .member("owner", e.owner)
      .member("watched_s", e.position_s)
      .member("started_at", iso_time_ms(e.started_ms))
      .member("updated_at", iso_time_ms(e.updated_ms))
      .end_object();
}

void write_entries(HistoryContext& ctx, JsonWriter& w, const UserIdentity& user, const std::vector<Entry>& entries,
                   bool keep_hidden) {
  std::vector<std::string> ids;
  for (const auto& e : entries)
    if (e.kind == kFilm) ids.push_back(e.item_id);
  std::map<std::string, FilmInfo> films;
  if (!ids.empty()) {
    auto found = ctx.films->find_many(ids);
    if (found)
      for (auto& f : *found) films.emplace(f.id, std::move(f));
    else
      g_warning("history: the catalogue did not answer: %s", found.error().message.c_str());
  }
  const std::optional<UserIdentity> who = user;
  w.begin_array();
  for (const auto& e : entries) {
    if (e.kind == kLive) {
      if (keep_hidden || may_open(ctx, who, e.app + "/" + e.item_id + "/")) write_live_entry(w, e);
      continue;
    }
    auto it = films.find(e.item_id);
    const bool visible = it != films.end() && may_open(ctx, who, it->second.media_prefix);
    if (visible) write_film_entry(w, e, &it->second);
    else if (keep_hidden) write_film_entry(w, e, nullptr);
  }
  w.end_array();
}

}  // namespace kek::history
