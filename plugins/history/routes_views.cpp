// View counts of films and live streams. Anyone who may watch an item reports its view (a
// guest by a client id its browser keeps); see views.h for what counts.
#include "routes_common.h"
#include "rules.h"

#include <glib.h>

#include <map>
#include <sstream>

namespace kek::history {
namespace {

constexpr size_t kMaxIdsPerQuery = 100;

bool plausible_client_id(const std::string& id) {
  if (id.size() < 8 || id.size() > 64) return false;
  for (char c : id)
    if (!g_ascii_isalnum(c) && c != '-' && c != '_') return false;
  return true;
}

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string id;
  while (std::getline(in, id, ',') && out.size() < kMaxIdsPerQuery)
    if (!id.empty()) out.push_back(id);
  return out;
}

const char* verdict_name(ViewCounter::Verdict v) {
  switch (v) {
    case ViewCounter::Verdict::started: return "started";
    case ViewCounter::Verdict::waiting: return "waiting";
    case ViewCounter::Verdict::counted: return "counted";
    case ViewCounter::Verdict::already_counted: return "already_counted";
    case ViewCounter::Verdict::address_limit: return "address_limit";
  }
  return "waiting";
}

HttpResponse report_view(HistoryContext& ctx, const HttpRequest& request) {
  if (!ctx.store) return HttpResponse::error(503, "starting", "history is starting, try again in a moment");
  auto report = parse_view_report(request.body);
  if (!report) return HttpResponse::from(report.error());
  const std::string& kind = report->kind;
  const std::string& id = report->id;
  const std::optional<std::string>& client = report->client_id;
  const double played_s = report->played_s;
  auto user = any_caller(ctx, request);
  if (!user) return HttpResponse::from(user.error());
  if (!*user && (!client || !plausible_client_id(*client)))
    return HttpResponse::error(400, "invalid_field", "'client_id' (8-64 letters, digits, - or _) is required without an account");

  std::string key;
  const int64_t now = now_ms();
  if (kind == kFilm) {
    auto film = film_for(ctx, *user, id);
    if (!film) return HttpResponse::from(film.error());
    key = std::string(kFilm) + ":" + film->id;
  } else {
    auto stream = ctx.live.find(id, now);
    if (!stream) return HttpResponse::error(404, "no_such_stream", "no such live stream: " + id);
    if (!may_open(ctx, *user, stream->media_prefix()))
      return HttpResponse::error(403, "forbidden", "this stream is not yours to watch");
    key = std::string(kLive) + ":" + stream->stream;
  }
  const std::string viewer = *user ? "u:" + std::to_string((*user)->id) : "c:" + *client;
  auto verdict = ctx.views.report(viewer, request.remote, !*user, key, played_s, now);
  if (verdict == ViewCounter::Verdict::counted)
    ctx.store->write([kind = kind, item = key.substr(key.find(':') + 1)](Database& db) { return add_view(db, kind, item); });
  JsonWriter w;
  w.begin_object()
      .member("counted", verdict == ViewCounter::Verdict::counted)
      .member("state", verdict_name(verdict))
      .end_object();
  return HttpResponse::json(w.str());
}

void view_counts_of(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  if (!ctx->store) return respond(HttpResponse::error(503, "starting", "history is starting, try again in a moment"));
  auto user = any_caller(*ctx, request);
  if (!user) return respond(HttpResponse::from(user.error()));
  std::vector<std::string> films;
  std::vector<std::string> streams;
  const int64_t now = now_ms();
  if (auto it = request.query.find("films"); it != request.query.end()) {
    std::vector<std::string> wanted;
    for (auto& id : split_ids(it->second))
      if (plausible_item_id(id)) wanted.push_back(id);
    auto found = ctx->films->find_many(wanted);
    if (found)
      for (const auto& f : *found)
        if (may_open(*ctx, *user, f.media_prefix)) films.push_back(f.id);
  }
  if (auto it = request.query.find("live"); it != request.query.end()) {
    for (auto& name : split_ids(it->second)) {
      auto stream = ctx->live.find(name, now);
      // A stream not live now is counted under its name; its access rule is the one of its folder.
      const std::string prefix = stream ? stream->media_prefix() : "live/" + name + "/";
      if (may_open(*ctx, *user, prefix)) streams.push_back(name);
    }
  }
  using Counts = std::pair<std::vector<std::pair<std::string, int64_t>>, std::vector<std::pair<std::string, int64_t>>>;
  ctx->store->read<Counts>(
      [films, streams](Database& db) -> Result<Counts> {
        auto f = view_counts(db, kFilm, films);
        if (!f) return f.error();
        auto l = view_counts(db, kLive, streams);
        if (!l) return l.error();
        return Counts{std::move(*f), std::move(*l)};
      },
      [films, streams, respond](Result<Counts> counts) {
        if (!counts) return respond(HttpResponse::from(counts.error()));
        auto write = [](JsonWriter& w, const std::vector<std::string>& ids, const std::vector<std::pair<std::string, int64_t>>& n) {
          std::map<std::string, int64_t> by_id(n.begin(), n.end());
          w.begin_object();
          for (const auto& id : ids) w.member(id, by_id.count(id) ? by_id[id] : int64_t{0});
          w.end_object();
        };
        JsonWriter w;
        w.begin_object().key("films");
        write(w, films, counts->first);
        w.key("live");
        write(w, streams, counts->second);
        w.end_object();
        respond(HttpResponse::json(w.str()));
      });
}

}  // namespace

void add_view_routes(const ContextPtr& ctx) {
  Http& http = ctx->host.http();
  http.route("POST", "/api/history/views", [ctx](const HttpRequest& r) { return report_view(*ctx, r); });
  http.route_async("GET", "/api/history/views",
                   [ctx](const HttpRequest& r, HttpResponder done) { view_counts_of(ctx, r, std::move(done)); });
}

}  // namespace kek::history
