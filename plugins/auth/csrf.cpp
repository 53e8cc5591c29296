// CSRF: a synchronizer token per session. Every state-changing /api/ request that carries a
// live session cookie must repeat the session's token in X-CSRF-Token; a page on another site
// can make the browser send the cookie, but cannot read the token to send with it.
#include "routes.h"

#include "secrets.h"

namespace kek::auth {
namespace {

bool changes_state(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

std::optional<HttpResponse> check_csrf(AuthContext& ctx, const HttpRequest& request) {
  if (!changes_state(request.method) || !request.cookie(kSessionCookie)) return std::nullopt;
  auto session = ctx.sessions.find(request);
  if (!session) return failure(session.error());
  // A cookie that names no live session carries no authority; the handler sees an anonymous
  // request (so logging in again with a stale cookie works).
  if (!*session) return std::nullopt;
  auto sent = request.header("x-csrf-token");
  if (sent && same_secret(*sent, (*session)->csrf_token)) return std::nullopt;
  return HttpResponse::error(403, "csrf_token_invalid", "missing or wrong CSRF token (send X-CSRF-Token from GET /api/auth/session)");
}

}  // namespace

void add_csrf_guard(const ContextPtr& ctx) {
  ctx->host.http().guard("/api/", [ctx](const HttpRequest& r) { return check_csrf(*ctx, r); });
}

}  // namespace kek::auth
