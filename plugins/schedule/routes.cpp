// The poster's API: events (create, read, edit, cancel, delete), the listing by span or month in
// the viewer's zone, reminders, and the calendar feeds (public, per event, private per user).
#include "bodies.h"
#include "ics.h"
#include "premiere_template.h"
#include "schedule_plugin.h"
#include "time_ranges.h"

#include <kek/json.h>
#include <kek/random.h>
#include <kek/text.h>

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <variant>

namespace kek::schedule {
namespace {

using PluginPtr = std::shared_ptr<SchedulePlugin>;
using Caller = std::optional<UserIdentity>;

HttpResponse failure(const Error& error) {
  if (error.code >= 500) g_warning("schedule: %s", error.message.c_str());
  return HttpResponse::error(error.code, error.code >= 500 ? "internal" : error_code_of(error),
                             error.code >= 500 ? "internal error" : error.message);
}

HttpResponse no_such_event() { return HttpResponse::error(404, "no_such_event", "no such event"); }

std::string query_value(const HttpRequest& r, const char* key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? "" : it->second;
}

Result<Caller> caller_of(SchedulePlugin& p, const HttpRequest& request) {
  auto* identity = p.identity();
  if (!identity) return Caller{};
  return identity->user_of(request);
}

Result<UserIdentity> signed_in(SchedulePlugin& p, const HttpRequest& request) {
  auto caller = caller_of(p, request);
  if (!caller) return caller.error();
  if (!*caller) return Error{"sign in first", 401, "sign_in_required"};
  return **caller;
}

bool is_valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return g_ascii_isalnum(c) || c == '-' || c == '_'; });
}

// The event the caller may open by its id, or the answer.
std::variant<Event, HttpResponse> openable(SchedulePlugin& p, const std::string& id, const Caller& caller) {
  if (!is_valid_id(id)) return no_such_event();
  auto e = p.store.find(id);
  if (!e) return failure(e.error());
  if (!*e || !p.may_open(caller, **e)) return no_such_event();
  return std::move(**e);
}

std::variant<Event, HttpResponse> editable(SchedulePlugin& p, const std::string& id, const UserIdentity& caller) {
  auto e = openable(p, id, caller);
  if (auto* r = std::get_if<HttpResponse>(&e)) return *r;
  const Event& ev = std::get<Event>(e);
  if (!caller.admin && caller.id != ev.owner_id)
    return HttpResponse::error(403, "not_your_event", "only the event's creator or an admin may change it");
  return e;
}

// The absolute address of the server as the request reached it, for links in calendar files.
std::string base_url(const HttpRequest& r) {
  auto host = r.header("host");
  if (!host || host->empty() || host->find_first_of(" \r\n/\\\"") != std::string::npos) return {};
  std::string proto = r.header("x-forwarded-proto").value_or("http");
  if (proto != "https") proto = "http";
  return proto + "://" + *host;
}

std::string playlist_of(const Event& e) { return "/media/live/" + premiere_stream(e.id) + "/index.m3u8"; }

struct Context {
  SchedulePlugin& p;
  const Caller& caller;
  int64_t now;
  std::map<std::string, LibraryItemInfo> items;  // the premieres' films, read once per answer
  const std::set<std::string>* reminded = nullptr;  // the caller's reminders, when read with a listing
};

void load_items(Context& c, const std::vector<Event>& events) {
  auto* lib = c.p.library();
  if (!lib) return;
  std::vector<std::string> ids;
  for (const auto& e : events)
    if (e.kind == Kind::premiere && !c.items.count(e.item_id)) ids.push_back(e.item_id);
  if (ids.empty()) return;
  auto found = lib->items(ids);
  if (!found) return;
  for (auto& i : *found) c.items.emplace(i.id, std::move(i));
}

void write_event(JsonWriter& w, Context& c, const Event& e) {
  const Phase phase = c.p.phase(e, c.now);
  const LibraryItemInfo* item = nullptr;
  if (auto it = c.items.find(e.item_id); e.kind == Kind::premiere && it != c.items.end()) item = &it->second;
  const bool editable = c.caller && (c.caller->admin || c.caller->id == e.owner_id);
  w.begin_object()
      .member("id", e.id)
      .member("kind", to_string(e.kind))
      .member("title", e.title)
      .member("description", e.description)
      .member("starts_at", iso8601_utc(e.starts_at))
      .member("ends_at", iso8601_utc(e.ends_at()))
      .member("duration_s", e.duration_s)
      .member("status", to_string(phase))
      .member("cancelled", e.cancelled_at.has_value())
      .member("cancel_reason", e.cancel_reason)
      .member("visibility", to_string(e.visibility))
      .member("sequence", e.sequence)
      .member("page", "/poster/" + e.id)
      .member("ics", "/api/poster/events/" + e.id + "/event.ics");
  std::string poster = e.poster_url;
  if (poster.empty() && item) poster = item->poster_url;
  w.key("poster");
  if (poster.empty()) w.null();
  else w.value(poster);
  w.key("owner").begin_object().member("id", e.owner_id).member("username", e.owner).end_object();
  w.key("item");
  if (e.kind == Kind::premiere) {
    w.begin_object().member("id", e.item_id);
    // The film itself only to those who may open it (its own visibility), and only once playable.
    const bool may_watch_film = item && (editable || !c.p.identity() || c.p.identity()->may_open(c.caller, item->media_prefix));
    w.key("title");
    if (may_watch_film) w.value(item->title);
    else w.null();
    w.key("page");
    if (may_watch_film) w.value("/library/" + e.item_id);
    else w.null();
    w.key("hls");
    if (may_watch_film && !item->hls_url.empty()) w.value(item->hls_url);
    else w.null();
    w.member("available", item != nullptr).end_object();
  } else {
    w.null();
  }
  w.key("stream");
  if (e.kind == Kind::live) w.value(e.stream);
  else w.null();
  // Where to watch it now: the premiere's live playlist while it plays (and after: it ends with
  // EXT-X-ENDLIST), the stream's page for a live event that is live.
  w.key("playlist");
  if (e.kind == Kind::premiere && (phase == Phase::live || phase == Phase::ended) && !e.cancelled_at)
    w.value(playlist_of(e));
  else if (e.kind == Kind::live && phase == Phase::live)
    w.value("/media/live/" + e.stream + "/index.m3u8");
  else
    w.null();
  w.key("watch_page");
  if (e.kind == Kind::live) w.value("/live/" + e.stream);
  else w.null();
  w.key("live_since");
  if (e.live_since) w.value(iso8601_utc(*e.live_since));
  else w.null();
  bool reminded = false;
  if (c.caller && c.reminded) reminded = c.reminded->count(e.id) > 0;
  else if (c.caller) reminded = c.p.store.reminded(e.id, c.caller->id).value_or(false);
  w.member("reminded", reminded).member("can_edit", editable);
  w.member("created_at", iso8601_utc(e.created_at)).member("updated_at", iso8601_utc(e.updated_at));
  w.end_object();
}

std::string event_json(Context& c, const Event& e) {
  load_items(c, {e});
  JsonWriter w;
  write_event(w, c, e);
  return w.str();
}

// ---- validation of what people send ----

Status check_start(const SchedulePlugin& p, int64_t starts_at, int64_t now) {
  if (starts_at < now) return Error{"the start time is in the past", 400, "starts_in_the_past"};
  if (starts_at > now + p.settings.max_ahead_days * 86400)
    return Error{"the start time is more than " + std::to_string(p.settings.max_ahead_days) + " days ahead", 400,
                 "starts_too_far_ahead"};
  return {};
}

Result<int64_t> parse_start(const std::string& text) {
  auto t = parse_iso8601(text);
  if (!t) return Error{"starts_at must be an ISO-8601 time with its offset, e.g. 2026-03-29T20:00:00+03:00", 400, "invalid_time"};
  return *t;
}

Status check_poster_url(const std::string& url) {
  if (url.empty()) return {};
  if (url.size() > 500 || url.find_first_of(" \"'<>\r\n\\") != std::string::npos ||
      !(url.rfind("/media/", 0) == 0 || url.rfind("/api/", 0) == 0 || url.rfind("https://", 0) == 0))
    return Error{"poster_url must be a /media/ path or an https:// address", 400, "invalid_poster_url"};
  return {};
}

Status apply_texts(Event& e, const Draft& d) {
  if (d.title) {
    std::string t = *d.title;
    g_strstrip(t.data());
    t = t.c_str();
    if (auto s = check_text(t, "the title", 140); !s) return s;
    if (t.empty()) return Error{"the title must not be empty", 400, "title_required"};
    e.title = t;
  }
  if (d.description) {
    if (auto s = check_text(*d.description, "the description", 4000, true); !s) return s;
    e.description = *d.description;
  }
  if (d.poster_url) {
    if (auto s = check_poster_url(*d.poster_url); !s) return s;
    e.poster_url = *d.poster_url;
  }
  return {};
}

// The film of a premiere: it exists, it plays, and the creator may show it.
Result<LibraryItemInfo> film_for(SchedulePlugin& p, const std::string& item_id, const UserIdentity& creator) {
  auto* lib = p.library();
  if (!lib) return Error{"premieres need the library plugin", 501, "no_library"};
  auto item = lib->item(item_id);
  if (!item) return item.error();
  if (!*item) return Error{"no such film in the library", 404, "no_such_item"};
  if (!creator.admin && (*item)->owner_id != creator.id)
    return Error{"only the film's owner or an admin may give it a premiere", 403, "item_not_yours"};
  if ((*item)->status != "ready" || !(*item)->playable)
    return Error{"the film is not ready yet (" + (*item)->status + ")", 409, "item_not_ready"};
  return std::move(**item);
}

Result<StreamKeyInfo> key_for(SchedulePlugin& p, int64_t key_id, const UserIdentity& creator) {
  auto* keys = p.keys();
  if (!keys) return Error{"live events need the auth plugin's stream keys", 501, "no_stream_keys"};
  auto key = keys->key(key_id);
  if (!key) return key.error();
  if (!*key || (*key)->owner_id != creator.id) return Error{"no such stream key of yours", 404, "no_such_stream_key"};
  return std::move(**key);
}

Status check_visibility(Visibility wanted, Visibility source, const char* what) {
  if (stricter(wanted, source) != wanted)
    return Error{std::string("the ") + what + " is " + to_string(source) + ": its event cannot be " + to_string(wanted), 400,
                 "visibility_wider_than_source"};
  return {};
}

bool may_create(const SchedulePlugin& p, const UserIdentity& u) { return u.admin || p.settings.creators == "users"; }

void create_event(const PluginPtr& plugin, const HttpRequest& request, HttpResponder respond) {
  SchedulePlugin& p = *plugin;
  auto caller = signed_in(p, request);
  if (!caller) return respond(failure(caller.error()));
  if (!may_create(p, *caller)) return respond(HttpResponse::error(403, "not_a_creator", "only admins put events on the poster"));
  auto d = parse_draft(request.body);
  if (!d) return respond(failure(d.error()));
  const auto kind = parse_kind(d->kind.value_or(""));
  if (!kind) return respond(HttpResponse::error(400, "invalid_kind", "kind must be \"premiere\" or \"live\""));
  if (!d->starts_at) return respond(HttpResponse::error(400, "invalid_time", "starts_at is required"));
  auto starts_at = parse_start(*d->starts_at);
  if (!starts_at) return respond(failure(starts_at.error()));
  const int64_t now = unix_now();
  if (auto s = check_start(p, *starts_at, now); !s) return respond(failure(s.error()));
  std::optional<Visibility> visibility;
  if (d->visibility) {
    visibility = parse_visibility(*d->visibility);
    if (!visibility) return respond(HttpResponse::error(400, "invalid_visibility", "visibility must be public, unlisted or private"));
  }

  Event e;
  e.id = random_token(12);
  if (e.id.empty()) return respond(failure(Error{"no random bytes", 500}));
  e.kind = *kind;
  e.owner_id = caller->id;
  e.owner = caller->username;
  e.starts_at = *starts_at;
  e.created_at = e.updated_at = now;
  if (*kind == Kind::premiere) {
    if (!d->item_id || d->item_id->empty()) return respond(HttpResponse::error(400, "item_required", "a premiere needs item_id"));
    auto film = film_for(p, *d->item_id, *caller);
    if (!film) return respond(failure(film.error()));
    e.item_id = film->id;
    e.duration_s = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(film->duration_s)));
    e.visibility = visibility.value_or(film->visibility);
    if (auto s = check_visibility(e.visibility, film->visibility, "film"); !s) return respond(failure(s.error()));
    e.title = film->title;
  } else {
    if (!d->stream_key_id) return respond(HttpResponse::error(400, "stream_key_required", "a live event needs stream_key_id"));
    auto key = key_for(p, *d->stream_key_id, *caller);
    if (!key) return respond(failure(key.error()));
    e.stream_key_id = key->id;
    e.stream = key->stream;
    e.duration_s = d->duration_s.value_or(p.settings.live_default_duration_s);
    if (e.duration_s < 60 || e.duration_s > 7 * 86400)
      return respond(HttpResponse::error(400, "invalid_duration", "duration_s must be between 60 and 604800 seconds"));
    e.visibility = visibility.value_or(key->policy.visibility);
    if (auto s = check_visibility(e.visibility, key->policy.visibility, "stream key"); !s) return respond(failure(s.error()));
    if (!d->title) return respond(HttpResponse::error(400, "title_required", "a live event needs a title"));
  }
  if (auto s = apply_texts(e, *d); !s) return respond(failure(s.error()));
  p.queue.write([e](EventStore& s) { return s.insert(e); },
                [plugin, e, caller = *caller, respond](Status s) {
                  if (!s) return respond(failure(s.error()));
                  plugin->apply_policy(e);
                  plugin->scheduler.changed();
                  const Caller who = caller;
                  Context c{*plugin, who, unix_now(), {}};
                  HttpResponse r = HttpResponse::json(event_json(c, e), 201);
                  r.headers.emplace_back("Location", "/api/poster/events/" + e.id);
                  respond(std::move(r));
                });
}

void patch_event(const PluginPtr& plugin, const HttpRequest& request, HttpResponder respond) {
  SchedulePlugin& p = *plugin;
  auto caller = signed_in(p, request);
  if (!caller) return respond(failure(caller.error()));
  auto found = editable(p, request.params.at("id"), *caller);
  if (auto* r = std::get_if<HttpResponse>(&found)) return respond(*r);
  Event e = std::get<Event>(found);
  auto d = parse_draft(request.body);
  if (!d) return respond(failure(d.error()));
  const int64_t now = unix_now();
  if (e.cancelled_at) return respond(HttpResponse::error(409, "event_cancelled", "a cancelled event cannot be changed"));
  if (d->kind && *d->kind != to_string(e.kind)) return respond(HttpResponse::error(400, "kind_fixed", "an event's kind cannot change"));
  if (d->item_id && *d->item_id != e.item_id) return respond(HttpResponse::error(400, "item_fixed", "a premiere's film cannot change"));
  const Event before = e;
  if (d->starts_at) {
    auto t = parse_start(*d->starts_at);
    if (!t) return respond(failure(t.error()));
    if (*t != e.starts_at) {
      if (now >= e.starts_at) return respond(HttpResponse::error(409, "already_started", "the event has started: its time cannot move"));
      if (auto s = check_start(p, *t, now); !s) return respond(failure(s.error()));
      e.starts_at = *t;
    }
  }
  if (d->duration_s) {
    if (e.kind == Kind::premiere) {
      if (*d->duration_s != e.duration_s)
        return respond(HttpResponse::error(400, "duration_fixed", "a premiere lasts as long as its film"));
    } else {
      if (*d->duration_s < 60 || *d->duration_s > 7 * 86400)
        return respond(HttpResponse::error(400, "invalid_duration", "duration_s must be between 60 and 604800 seconds"));
      e.duration_s = *d->duration_s;
    }
  }
  if (d->stream_key_id && e.kind == Kind::live && *d->stream_key_id != e.stream_key_id) {
    if (now >= e.starts_at) return respond(HttpResponse::error(409, "already_started", "the event has started: its stream key stays"));
    auto key = key_for(p, *d->stream_key_id, *caller);
    if (!key) return respond(failure(key.error()));
    e.stream_key_id = key->id;
    e.stream = key->stream;
  }
  if (d->visibility) {
    auto v = parse_visibility(*d->visibility);
    if (!v) return respond(HttpResponse::error(400, "invalid_visibility", "visibility must be public, unlisted or private"));
    e.visibility = *v;
    if (e.kind == Kind::premiere) {
      if (auto* lib = p.library()) {
        auto item = lib->item(e.item_id);
        if (item && *item)
          if (auto s = check_visibility(e.visibility, (*item)->visibility, "film"); !s) return respond(failure(s.error()));
      }
    } else if (auto* keys = p.keys()) {
      auto key = keys->key(e.stream_key_id);
      if (key && *key)
        if (auto s = check_visibility(e.visibility, (*key)->policy.visibility, "stream key"); !s) return respond(failure(s.error()));
    }
  }
  if (auto s = apply_texts(e, *d); !s) return respond(failure(s.error()));
  const bool changed = e.title != before.title || e.description != before.description || e.poster_url != before.poster_url ||
                       e.starts_at != before.starts_at || e.duration_s != before.duration_s ||
                       e.visibility != before.visibility || e.stream_key_id != before.stream_key_id;
  if (!changed) {
    Context c{p, *caller, now, {}};
    return respond(HttpResponse::json(event_json(c, e)));
  }
  e.updated_at = now;
  p.queue.read<std::optional<Event>>(
      [e](EventStore& s) -> Result<std::optional<Event>> {
        if (auto st = s.edit(e); !st) return st.error();
        return s.find(e.id);
      },
      [plugin, caller = *caller, respond](Result<std::optional<Event>> now_is) {
        if (!now_is) return respond(failure(now_is.error()));
        if (!*now_is) return respond(no_such_event());
        const Event& e = **now_is;
        plugin->apply_policy(e);
        plugin->scheduler.changed();
        plugin->tell_changed(e);
        const Caller who = caller;
        Context c{*plugin, who, unix_now(), {}};
        respond(HttpResponse::json(event_json(c, e)));
      });
}

void cancel_event(const PluginPtr& plugin, const HttpRequest& request, HttpResponder respond) {
  SchedulePlugin& p = *plugin;
  auto caller = signed_in(p, request);
  if (!caller) return respond(failure(caller.error()));
  auto found = editable(p, request.params.at("id"), *caller);
  if (auto* r = std::get_if<HttpResponse>(&found)) return respond(*r);
  Event e = std::get<Event>(found);
  auto reason = parse_cancel_reason(request.body);
  if (!reason) return respond(failure(reason.error()));
  const std::string why = *reason;
  if (auto s = check_text(why, "the reason", 500); !s) return respond(failure(s.error()));
  const int64_t now = unix_now();
  if (e.cancelled_at) return respond(HttpResponse::error(409, "event_cancelled", "the event is already cancelled"));
  if (now >= e.ends_at()) return respond(HttpResponse::error(409, "event_over", "the event is over"));
  p.cancel(e, why.empty() ? "cancelled by " + caller->username : why,
           [plugin, caller = *caller, respond](Result<std::optional<Event>> now_is) {
             if (!now_is) return respond(failure(now_is.error()));
             if (!*now_is) return respond(no_such_event());
             const Caller who = caller;
             Context c{*plugin, who, unix_now(), {}};
             respond(HttpResponse::json(event_json(c, **now_is)));
           });
}

void delete_event(const PluginPtr& plugin, const HttpRequest& request, HttpResponder respond) {
  SchedulePlugin& p = *plugin;
  auto caller = signed_in(p, request);
  if (!caller) return respond(failure(caller.error()));
  auto found = editable(p, request.params.at("id"), *caller);
  if (auto* r = std::get_if<HttpResponse>(&found)) return respond(*r);
  const Event e = std::get<Event>(found);
  p.queue.write([id = e.id](EventStore& s) { return s.remove(id); }, [plugin, e, respond](Status s) {
    if (!s) return respond(failure(s.error()));
    plugin->scheduler.halt(e.id);
    plugin->tell_changed(e, "poster.deleted");
    if (auto* m = plugin->media()) m->remove_policy(SchedulePlugin::media_prefix(e));
    plugin->scheduler.changed();
    HttpResponse r;
    r.status = 204;
    r.content_type = "";
    respond(std::move(r));
  });
}

HttpResponse get_event(SchedulePlugin& p, const HttpRequest& request) {
  auto caller = caller_of(p, request);
  if (!caller) return failure(caller.error());
  auto found = openable(p, request.params.at("id"), *caller);
  if (auto* r = std::get_if<HttpResponse>(&found)) return *r;
  Context c{p, *caller, unix_now(), {}};
  HttpResponse r = HttpResponse::json(event_json(c, std::get<Event>(found)));
  r.headers.emplace_back("Cache-Control", "private, no-store");
  return r;
}

// GET /api/poster: from/to (ISO-8601), or month=YYYY-MM, or neither (the agenda: today to the
// same day next month), days in tz (IANA; UTC by default). owner=me: the caller's own events;
// owner=<user name>: that account's.
void list_events(const PluginPtr& plugin, const HttpRequest& request, HttpResponder respond) {
  SchedulePlugin& p = *plugin;
  auto caller = caller_of(p, request);
  if (!caller) return respond(failure(caller.error()));
  const int64_t now = unix_now();
  const std::string tz_name = query_value(request, "tz").empty() ? "UTC" : query_value(request, "tz");
  TimeZone tz = time_zone(tz_name);
  if (!tz) return respond(HttpResponse::error(400, "invalid_time_zone", "tz must be an IANA time zone such as Europe/Moscow"));
  TimeSpan span;
  const std::string from = query_value(request, "from"), to = query_value(request, "to"), month = query_value(request, "month");
  if (!from.empty() || !to.empty()) {
    auto f = parse_iso8601(from), t = parse_iso8601(to);
    if (!f || !t) return respond(HttpResponse::error(400, "invalid_time", "from and to must be ISO-8601 times with their offsets"));
    if (*t <= *f || *t - *f > 400 * 86400)
      return respond(HttpResponse::error(400, "invalid_span", "to must be after from, at most 400 days later"));
    span = {*f, *t};
  } else if (!month.empty()) {
    auto ym = parse_year_month(month);
    auto m = ym ? month_span(ym->first, ym->second, tz.get()) : std::nullopt;
    if (!m) return respond(HttpResponse::error(400, "invalid_month", "month must be YYYY-MM"));
    span = *m;
  } else {
    span = agenda_span(now, tz.get());
  }
  // owner=me: the caller's own; owner=<user name>: that account's (what the caller may see of them).
  const std::string owner = query_value(request, "owner");
  std::optional<int64_t> owner_id;
  if (owner == "me") {
    if (!*caller) return respond(HttpResponse::error(401, "sign_in_required", "sign in first"));
    owner_id = (*caller)->id;
  } else if (!owner.empty()) {
    owner_id = -1;  // no such account: nothing is theirs
    if (auto* identity = p.identity()) {
      auto user = identity->find_user(owner);
      if (!user) return respond(failure(user.error()));
      if (*user) owner_id = (*user)->id;
    }
  }
  struct Listing {
    std::vector<Event> events;
    std::set<std::string> reminded;
  };
  const std::optional<int64_t> reader = *caller ? std::optional<int64_t>((*caller)->id) : std::nullopt;
  p.queue.read<Listing>(
      [span, reader](EventStore& s) -> Result<Listing> {
        Listing l;
        auto events = s.between(span.from, span.to);
        if (!events) return events.error();
        l.events = std::move(*events);
        if (reader) {
          auto reminded = s.reminded_events(*reader);
          if (!reminded) return reminded.error();
          for (const auto& e : *reminded) l.reminded.insert(e.id);
        }
        return l;
      },
      [plugin, caller = *caller, owner_id, span, tz_name, now, respond](Result<Listing> listing) {
        if (!listing) return respond(failure(listing.error()));
        SchedulePlugin& p = *plugin;
        std::vector<Event> shown;
        for (auto& e : listing->events) {
          if (owner_id && e.owner_id != *owner_id) continue;
          if (!p.listed_for(caller, e)) continue;
          shown.push_back(std::move(e));
        }
        Context c{p, caller, now, {}, &listing->reminded};
        load_items(c, shown);
        JsonWriter w;
        w.begin_object()
            .member("from", iso8601_utc(span.from))
            .member("to", iso8601_utc(span.to))
            .member("tz", tz_name)
            .member("now", iso8601_utc(now));
        w.key("events").begin_array();
        for (const auto& e : shown) write_event(w, c, e);
        w.end_array().end_object();
        HttpResponse r = HttpResponse::json(w.str());
        r.headers.emplace_back("Cache-Control", "private, no-store");
        respond(std::move(r));
      });
}

void set_reminder(const PluginPtr& plugin, const HttpRequest& request, bool on, HttpResponder respond) {
  SchedulePlugin& p = *plugin;
  auto caller = signed_in(p, request);
  if (!caller) return respond(failure(caller.error()));
  auto found = openable(p, request.params.at("id"), *caller);
  if (auto* r = std::get_if<HttpResponse>(&found)) return respond(*r);
  const Event& e = std::get<Event>(found);
  p.queue.write(
      [id = e.id, user = caller->id, on, now = unix_now()](EventStore& s) {
        return on ? s.remind(id, user, now) : s.forget(id, user);
      },
      [on, respond](Status s) {
        if (!s) return respond(failure(s.error()));
        JsonWriter w;
        w.begin_object().member("reminded", on).end_object();
        respond(HttpResponse::json(w.str()));
      });
}

// ---- calendars ----

IcsEvent ics_of(const Event& e, const std::string& base) {
  IcsEvent i;
  i.uid = e.id + "@kek";
  i.sequence = e.sequence;
  i.stamp = e.updated_at;
  i.created = e.created_at;
  i.last_modified = e.updated_at;
  i.start = e.starts_at;
  i.end = e.ends_at();
  i.summary = e.kind == Kind::premiere ? "Premiere: " + e.title : e.title;
  std::string description = e.description;
  if (e.cancelled_at && !e.cancel_reason.empty())
    description = "Cancelled: " + e.cancel_reason + (description.empty() ? "" : "\n\n" + description);
  description += std::string(description.empty() ? "" : "\n\n") + "By " + e.owner;
  if (!base.empty()) description += "\n" + base + "/poster/" + e.id;
  i.description = description;
  if (!base.empty()) i.url = base + "/poster/" + e.id;
  i.location = "KEK";
  i.cancelled = e.cancelled_at.has_value();
  return i;
}

HttpResponse calendar(std::string_view name, const std::vector<Event>& events, const std::string& base,
                      const std::string& filename) {
  std::vector<IcsEvent> items;
  for (const auto& e : events) items.push_back(ics_of(e, base));
  HttpResponse r;
  r.content_type = "text/calendar; charset=utf-8";
  r.body = ics_calendar(name, items);
  r.headers.emplace_back("Content-Disposition", "inline; filename=\"" + filename + "\"");
  r.headers.emplace_back("Cache-Control", "private, no-store");
  return r;
}

HttpResponse event_ics(SchedulePlugin& p, const HttpRequest& request) {
  auto caller = caller_of(p, request);
  if (!caller) return failure(caller.error());
  auto found = openable(p, request.params.at("id"), *caller);
  if (auto* r = std::get_if<HttpResponse>(&found)) return *r;
  const Event& e = std::get<Event>(found);
  HttpResponse r = calendar("KEK", {e}, base_url(request), "kek-" + e.id + ".ics");
  r.headers.back() = {"Cache-Control", "private, no-store"};
  for (auto& h : r.headers)
    if (h.first == "Content-Disposition") h.second = "attachment; filename=\"kek-" + e.id + ".ics\"";
  return r;
}

// The public feed: every public event from feed_past_days ago on (cancelled ones marked so).
void public_feed(const PluginPtr& plugin, const HttpRequest& request, HttpResponder respond) {
  const int64_t now = unix_now();
  const int64_t from = now - plugin->settings.feed_past_days * 86400;
  const int64_t to = now + plugin->settings.max_ahead_days * 86400 + 86400;
  plugin->queue.read<std::vector<Event>>(
      [from, to](EventStore& s) { return s.between(from, to); },
      [plugin, base = base_url(request), respond](Result<std::vector<Event>> events) {
        if (!events) return respond(failure(events.error()));
        std::vector<Event> shown;
        for (auto& e : *events)
          if (e.visibility == Visibility::public_ && plugin->may_list(std::nullopt, e)) shown.push_back(std::move(e));
        respond(calendar("KEK poster", shown, base, "kek-poster.ics"));
      });
}

std::string token_hash(const std::string& token) {
  g_autofree char* h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, token.c_str(), static_cast<gssize>(token.size()));
  return h ? h : "";
}

// The private feed: the user's own events and those they asked to be reminded of, that they
// may still see; its URL carries a secret token, checked at every use.
void private_feed(const PluginPtr& plugin, const HttpRequest& request, HttpResponder respond) {
  std::string file = request.params.at("file");
  if (file.size() < 5 || file.substr(file.size() - 4) != ".ics") return respond(HttpResponse::error(404, "no_such_feed", "no such feed"));
  const std::string token = file.substr(0, file.size() - 4);
  if (token.size() < 20 || !is_valid_id(token)) return respond(HttpResponse::error(404, "no_such_feed", "no such feed"));
  struct Feed {
    std::optional<int64_t> user_id;
    std::vector<Event> own, reminded;
  };
  plugin->queue.read<Feed>(
      [hash = token_hash(token)](EventStore& s) -> Result<Feed> {
        Feed f;
        auto user_id = s.feed_user(hash);
        if (!user_id) return user_id.error();
        f.user_id = *user_id;
        if (!f.user_id) return f;
        auto own = s.of_owner(*f.user_id);
        if (!own) return own.error();
        auto reminded = s.reminded_events(*f.user_id);
        if (!reminded) return reminded.error();
        f.own = std::move(*own);
        f.reminded = std::move(*reminded);
        return f;
      },
      [plugin, base = base_url(request), respond](Result<Feed> feed) {
        if (!feed) return respond(failure(feed.error()));
        if (!feed->user_id) return respond(HttpResponse::error(404, "no_such_feed", "no such feed (revoked?)"));
        SchedulePlugin& p = *plugin;
        Caller user;
        if (auto* identity = p.identity()) {
          auto u = identity->user_by_id(*feed->user_id);
          if (!u) return respond(failure(u.error()));
          if (!*u) return respond(HttpResponse::error(404, "no_such_feed", "no such feed"));
          user = **u;
        }
        const int64_t since = unix_now() - p.settings.feed_past_days * 86400;
        std::vector<Event> shown;
        std::set<std::string> seen;
        for (auto* list : {&feed->own, &feed->reminded})
          for (auto& e : *list)
            if (e.ends_at() >= since && !seen.count(e.id) && p.may_open(user, e)) {
              seen.insert(e.id);
              shown.push_back(e);
            }
        std::sort(shown.begin(), shown.end(), [](const Event& a, const Event& b) { return a.starts_at < b.starts_at; });
        respond(calendar("KEK: my poster", shown, base, "kek-my-poster.ics"));
      });
}

HttpResponse feed_answer(const HttpRequest& request, const std::optional<std::string>& token,
                         bool exists) {
  JsonWriter w;
  w.begin_object().member("exists", exists);
  w.key("url");
  if (token) w.value("/api/poster/feeds/" + *token + ".ics");
  else w.null();
  const std::string base = base_url(request);
  w.key("webcal");
  if (token && !base.empty()) w.value("webcal://" + base.substr(base.find("://") + 3) + "/api/poster/feeds/" + *token + ".ics");
  else w.null();
  w.end_object();
  HttpResponse r = HttpResponse::json(w.str());
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

void add_routes(const PluginPtr& plugin) {
  Http& http = plugin->host.http();
  // The routes that write or list answer once the store's queue has done its part.
  using AsyncRoute = void (*)(const PluginPtr&, const HttpRequest&, HttpResponder);
  auto route_async = [&](const char* method, const char* pattern, AsyncRoute fn) {
    http.route_async(method, pattern, [plugin, fn](const HttpRequest& r, HttpResponder a) { fn(plugin, r, std::move(a)); });
  };
  auto remind = [](const PluginPtr& p, const HttpRequest& r, HttpResponder a) { set_reminder(p, r, true, std::move(a)); };
  auto forget = [](const PluginPtr& p, const HttpRequest& r, HttpResponder a) { set_reminder(p, r, false, std::move(a)); };
  route_async("GET", "/api/poster", list_events);
  route_async("POST", "/api/poster/events", create_event);
  http.route("GET", "/api/poster/events/{id}", [plugin](const HttpRequest& r) { return get_event(*plugin, r); });
  route_async("PATCH", "/api/poster/events/{id}", patch_event);
  route_async("DELETE", "/api/poster/events/{id}", delete_event);
  route_async("POST", "/api/poster/events/{id}/cancel", cancel_event);
  route_async("PUT", "/api/poster/events/{id}/reminder", remind);
  route_async("POST", "/api/poster/events/{id}/reminder", remind);
  route_async("DELETE", "/api/poster/events/{id}/reminder", forget);
  http.route("GET", "/api/poster/events/{id}/event.ics", [plugin](const HttpRequest& r) { return event_ics(*plugin, r); });
  route_async("GET", "/api/poster.ics", public_feed);
  route_async("GET", "/api/poster/feeds/{file}", private_feed);
  // The caller's private feed: whether it exists (its URL is shown once, when made), a new one
  // (the old URL stops working), or none.
  http.route("GET", "/api/poster/feed", [plugin](const HttpRequest& r) {
    auto caller = signed_in(*plugin, r);
    if (!caller) return failure(caller.error());
    auto exists = plugin->store.has_feed_token(caller->id);
    if (!exists) return failure(exists.error());
    return feed_answer(r, std::nullopt, *exists);
  });
  http.route_async("POST", "/api/poster/feed", [plugin](const HttpRequest& r, HttpResponder respond) {
    auto caller = signed_in(*plugin, r);
    if (!caller) return respond(failure(caller.error()));
    const std::string token = random_token(24);
    if (token.empty()) return respond(failure(Error{"no random bytes", 500}));
    // The answer names the feed's address as this request reached the server.
    HttpResponse answer = feed_answer(r, token, true);
    answer.status = 201;
    plugin->queue.write([user = caller->id, hash = token_hash(token), now = unix_now()](
                            EventStore& s) { return s.set_feed_token(user, hash, now); },
                        [answer, respond](Status s) { respond(s ? answer : failure(s.error())); });
  });
  http.route_async("DELETE", "/api/poster/feed", [plugin](const HttpRequest& r, HttpResponder respond) {
    auto caller = signed_in(*plugin, r);
    if (!caller) return respond(failure(caller.error()));
    plugin->queue.write([user = caller->id](EventStore& s) { return s.remove_feed_token(user); }, [respond](Status s) {
      if (!s) return respond(failure(s.error()));
      HttpResponse resp;
      resp.status = 204;
      resp.content_type = "";
      respond(std::move(resp));
    });
  });
}

}  // namespace kek::schedule
