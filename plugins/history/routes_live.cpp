// Live viewings: while a signed-in user plays a live stream, the player reports how long it
// played since its last report; the history keeps one entry per viewing (stream, owner, when,
// for how long). The live page's current-viewer count is the rtmp plugin's (segment fetches)
// and does not depend on these reports.
#include "routes_common.h"
#include "rules.h"

namespace kek::history {
namespace {

HttpResponse live_heartbeat(HistoryContext& ctx, const HttpRequest& request) {
  Caller caller = heartbeat_caller(ctx, request);
  if (caller.refusal) return *caller.refusal;
  const UserIdentity& user = *caller.user;
  const int64_t now = now_ms();
  auto report = parse_live_report(request.body, now);
  if (!report) return HttpResponse::from(report.error());
  auto stream = ctx.live.find(request.params.at("stream"), now);
  if (!stream) return HttpResponse::error(404, "no_such_stream", "no such live stream: " + request.params.at("stream"));
  if (!may_open(ctx, caller.user, stream->media_prefix()))
    return HttpResponse::error(403, "forbidden", "this stream is not yours to watch");
  if (ctx.paused.count(user.id)) return accepted(false);
  LiveWrite lw{user.id, stream->stream, stream->app, stream->owner, report->played_s, report->sent_at_ms, now};
  const int64_t gap_ms = ctx.settings.live_gap_s * 1000;
  ctx.store->write([lw, gap_ms](Database& db) { return add_live(db, lw, gap_ms); });
  return accepted(true);
}

}  // namespace

void add_live_routes(const ContextPtr& ctx) {
  Http& http = ctx->host.http();
  auto beat = [ctx](const HttpRequest& r) { return live_heartbeat(*ctx, r); };
  http.route("PUT", "/api/me/history/live/{stream}", beat);
  http.route("POST", "/api/me/history/live/{stream}", beat);  // sendBeacon
  // A stream that ended is kept a little while (the last reports arrive after its end).
  ctx->host.events().subscribe(kEventStreamEnded, [ctx](const Event& e) { ctx->live.ended(e.get("stream"), now_ms()); });
}

}  // namespace kek::history
