// One film's place in the user's history: the player's heartbeats (PUT, and POST for
// navigator.sendBeacon when the page goes away), reading it back for "Resume from", removing
// it, and marking it watched or not by hand.
#include "routes_common.h"
#include "rules.h"

namespace kek::history {
namespace {

HttpResponse heartbeat(HistoryContext& ctx, const HttpRequest& request) {
  Caller caller = heartbeat_caller(ctx, request);
  if (caller.refusal) return *caller.refusal;
  const UserIdentity& user = *caller.user;
  const int64_t now = now_ms();
  auto report = parse_position_report(request.body, now);
  if (!report) return HttpResponse::from(report.error());
  auto film = film_for(ctx, caller.user, request.params.at("item_id"));
  if (!film) return HttpResponse::from(film.error());
  auto duration = check_against_catalogue(*report, film->duration_s);
  if (!duration) return HttpResponse::from(duration.error());
  if (ctx.paused.count(user.id)) return accepted(false);
  PositionWrite w;
  w.user_id = user.id;
  w.item_id = film->id;
  w.position_s = std::min(report->position_s, *duration);
  w.duration_s = *duration;
  w.watched = counts_as_watched(w.position_s, w.duration_s);
  w.sent_at_ms = report->sent_at_ms;
  w.received_ms = now;
  ctx.store->report(std::move(w));
  return accepted(true);
}

void get_position(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  Caller caller = signed_in_caller(*ctx, request);
  if (caller.refusal) return respond(*caller.refusal);
  auto film = film_for(*ctx, caller.user, request.params.at("item_id"));
  if (!film) return respond(HttpResponse::from(film.error()));
  const int64_t user_id = caller.user->id;
  ctx->store->read<std::optional<Entry>>(
      [user_id, id = film->id](Database& db) { return find_film(db, user_id, id); },
      [ctx, film = *film, paused = ctx->paused.count(user_id) > 0, respond](Result<std::optional<Entry>> entry) {
        if (!entry) return respond(HttpResponse::from(entry.error()));
        JsonWriter w;
        w.begin_object().member("item_id", film.id).member("paused", paused).key("entry");
        if (*entry) write_film_entry(w, **entry, &film);
        else w.null();
        w.end_object();
        respond(HttpResponse::json(w.str()));
      });
}

void delete_position(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  Caller caller = signed_in_caller(*ctx, request);
  if (caller.refusal) return respond(*caller.refusal);
  // No catalogue check: a film that is gone (or no longer the user's to watch) can still be
  // removed from their history.
  const std::string item_id = request.params.at("item_id");
  if (!plausible_item_id(item_id)) return respond(HttpResponse::error(404, "no_such_item", "no such film"));
  const int64_t user_id = caller.user->id;
  ctx->store->read<int64_t>([user_id, item_id](Database& db) { return delete_film(db, user_id, item_id); },
                            [respond](Result<int64_t> removed) {
                              if (!removed) return respond(HttpResponse::from(removed.error()));
                              respond(no_content());
                            });
}

void mark(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  Caller caller = signed_in_caller(*ctx, request);
  if (caller.refusal) return respond(*caller.refusal);
  auto mark = parse_watched_mark(request.body, now_ms());
  if (!mark) return respond(HttpResponse::from(mark.error()));
  const int64_t sent_at = mark->sent_at_ms;
  auto film = film_for(*ctx, caller.user, request.params.at("item_id"));
  if (!film) return respond(HttpResponse::from(film.error()));
  const int64_t user_id = caller.user->id;
  const bool value = mark->watched;
  ctx->store->read<std::optional<Entry>>(
      [user_id, value, sent_at, film = *film](Database& db) -> Result<std::optional<Entry>> {
        if (auto s = mark_watched(db, user_id, film.id, value, film.duration_s, sent_at, now_ms()); !s) return s.error();
        return find_film(db, user_id, film.id);
      },
      [film = *film, respond](Result<std::optional<Entry>> entry) {
        if (!entry) return respond(HttpResponse::from(entry.error()));
        JsonWriter w;
        w.begin_object().member("item_id", film.id).key("entry");
        if (*entry) write_film_entry(w, **entry, &film);
        else w.null();
        w.end_object();
        respond(HttpResponse::json(w.str()));
      });
}

}  // namespace

void add_position_routes(const ContextPtr& ctx) {
  Http& http = ctx->host.http();
  auto beat = [ctx](const HttpRequest& r) { return heartbeat(*ctx, r); };
  http.route("PUT", "/api/me/history/{item_id}", beat);
  // navigator.sendBeacon (the page is closing) can only POST, with the CSRF token in its body.
  http.route("POST", "/api/me/history/{item_id}", beat);
  http.route_async("GET", "/api/me/history/{item_id}",
                   [ctx](const HttpRequest& r, HttpResponder respond) { get_position(ctx, r, std::move(respond)); });
  http.route_async("DELETE", "/api/me/history/{item_id}",
                   [ctx](const HttpRequest& r, HttpResponder respond) { delete_position(ctx, r, std::move(respond)); });
  http.route_async("PUT", "/api/me/history/{item_id}/watched",
                   [ctx](const HttpRequest& r, HttpResponder respond) { mark(ctx, r, std::move(respond)); });
}

}  // namespace kek::history
