// The History page's API: the list (newest first, by cursor), removing one entry, clearing
// everything, pausing, and the export. Only ever the caller's own rows: no route takes a user.
#include "routes_common.h"
#include "rules.h"

#include <cstdlib>

namespace kek::history {
namespace {

constexpr int kDefaultPageSize = 30;
constexpr size_t kMaxItemsAsked = 100;

// ?items=a,b,c: the caller's entries of exactly these films (the Library grid's progress bars).
void list_items(const ContextPtr& ctx, const UserIdentity& user, const std::string& ids_text, HttpResponder respond) {
  std::vector<std::string> ids;
  size_t start = 0;
  while (start <= ids_text.size() && ids.size() < kMaxItemsAsked) {
    size_t end = ids_text.find(',', start);
    if (end == std::string::npos) end = ids_text.size();
    std::string id = ids_text.substr(start, end - start);
    if (plausible_item_id(id)) ids.push_back(std::move(id));
    start = end + 1;
  }
  ctx->store->read<std::vector<Entry>>(
      [user_id = user.id, ids](Database& db) { return film_entries(db, user_id, ids); },
      [ctx, user, respond](Result<std::vector<Entry>> entries) {
        if (!entries) return respond(HttpResponse::from(entries.error()));
        JsonWriter w;
        w.begin_object().key("entries");
        write_entries(*ctx, w, user, *entries, false);
        w.key("next_cursor").null().member("paused", ctx->paused.count(user.id) > 0).end_object();
        respond(HttpResponse::json(w.str()));
      });
}

void list(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  Caller caller = signed_in_caller(*ctx, request);
  if (caller.refusal) return respond(*caller.refusal);
  if (auto it = request.query.find("items"); it != request.query.end())
    return list_items(ctx, *caller.user, it->second, std::move(respond));
  int limit = kDefaultPageSize;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    char* end = nullptr;
    const long n = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end || n < 1 || n > 100)
      return respond(HttpResponse::error(400, "invalid_field", "'limit' must be a number from 1 to 100"));
    limit = static_cast<int>(n);
  }
  std::optional<std::string> cursor;
  if (auto it = request.query.find("cursor"); it != request.query.end() && !it->second.empty()) cursor = it->second;
  const UserIdentity user = *caller.user;
  ctx->store->read<EntryPage>(
      [user_id = user.id, cursor, limit](Database& db) { return list_entries(db, user_id, cursor, limit); },
      [ctx, user, respond](Result<EntryPage> page) {
        if (!page) return respond(HttpResponse::from(page.error()));
        JsonWriter w;
        w.begin_object().key("entries");
        write_entries(*ctx, w, user, page->entries, false);
        w.member("next_cursor", page->next_cursor).member("paused", ctx->paused.count(user.id) > 0).end_object();
        respond(HttpResponse::json(w.str()));
      });
}

void remove_entry(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  Caller caller = signed_in_caller(*ctx, request);
  if (caller.refusal) return respond(*caller.refusal);
  const std::string& text = request.params.at("entry_id");
  char* end = nullptr;
  const long long id = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end || id <= 0) return respond(HttpResponse::error(404, "no_such_entry", "no such history entry"));
  ctx->store->read<int64_t>([user_id = caller.user->id, id](Database& db) { return delete_entry(db, user_id, id); },
                            [respond](Result<int64_t> removed) {
                              if (!removed) return respond(HttpResponse::from(removed.error()));
                              if (*removed == 0) return respond(HttpResponse::error(404, "no_such_entry", "no such history entry"));
                              respond(no_content());
                            });
}

void clear(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  Caller caller = signed_in_caller(*ctx, request);
  if (caller.refusal) return respond(*caller.refusal);
  ctx->store->read<int64_t>([user_id = caller.user->id](Database& db) { return clear_history(db, user_id); },
                            [respond](Result<int64_t> removed) {
                              if (!removed) return respond(HttpResponse::from(removed.error()));
                              JsonWriter w;
                              w.begin_object().member("removed", *removed).end_object();
                              respond(HttpResponse::json(w.str()));
                            });
}

HttpResponse settings_json(bool paused) {
  JsonWriter w;
  w.begin_object().member("paused", paused).end_object();
  return HttpResponse::json(w.str());
}

void set_settings(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  Caller caller = signed_in_caller(*ctx, request);
  if (caller.refusal) return respond(*caller.refusal);
  auto paused = parse_paused_setting(request.body);
  if (!paused) return respond(HttpResponse::from(paused.error()));
  const int64_t user_id = caller.user->id;
  const bool value = *paused;
  // From now on: heartbeats already queued are written, later ones are not.
  if (value) ctx->paused.insert(user_id);
  else ctx->paused.erase(user_id);
  ctx->store->write([user_id, value](Database& db) { return set_paused(db, user_id, value, now_ms()); },
                    [respond, value](Status s) {
                      if (!s) return respond(HttpResponse::from(s.error()));
                      respond(settings_json(value));
                    });
}

void export_all(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  Caller caller = signed_in_caller(*ctx, request);
  if (caller.refusal) return respond(*caller.refusal);
  const UserIdentity user = *caller.user;
  ctx->store->read<std::vector<Entry>>(
      [user_id = user.id](Database& db) { return all_entries(db, user_id); },
      [ctx, user, respond](Result<std::vector<Entry>> entries) {
        if (!entries) return respond(HttpResponse::from(entries.error()));
        JsonWriter w;
        w.begin_object()
            .member("format", "kek-history/1")
            .member("exported_at", iso_time_ms(now_ms()))
            .key("user")
            .begin_object()
            .member("id", user.id)
            .member("username", user.username)
            .end_object()
            .member("paused", ctx->paused.count(user.id) > 0)
            .key("entries");
        write_entries(*ctx, w, user, *entries, true);
        w.end_object();
        HttpResponse r = HttpResponse::json(w.str(true));
        r.headers.emplace_back("Content-Disposition", "attachment; filename=\"kek-history.json\"");
        r.headers.emplace_back("Cache-Control", "no-store");
        respond(std::move(r));
      });
}

}  // namespace

void add_list_routes(const ContextPtr& ctx) {
  Http& http = ctx->host.http();
  http.route_async("GET", "/api/me/history", [ctx](const HttpRequest& r, HttpResponder done) { list(ctx, r, std::move(done)); });
  http.route_async("DELETE", "/api/me/history", [ctx](const HttpRequest& r, HttpResponder done) { clear(ctx, r, std::move(done)); });
  http.route_async("DELETE", "/api/me/history/entries/{entry_id}",
                   [ctx](const HttpRequest& r, HttpResponder done) { remove_entry(ctx, r, std::move(done)); });
  http.route("GET", "/api/me/history/settings", [ctx](const HttpRequest& r) {
    Caller caller = signed_in_caller(*ctx, r);
    if (caller.refusal) return *caller.refusal;
    return settings_json(ctx->paused.count(caller.user->id) > 0);
  });
  http.route_async("PATCH", "/api/me/history/settings",
                   [ctx](const HttpRequest& r, HttpResponder done) { set_settings(ctx, r, std::move(done)); });
  http.route_async("GET", "/api/me/history/export",
                   [ctx](const HttpRequest& r, HttpResponder done) { export_all(ctx, r, std::move(done)); });
}

}  // namespace kek::history
