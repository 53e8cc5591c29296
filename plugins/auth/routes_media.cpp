// Private media: the /media/ guard, and signed URLs for players that carry no cookie.
#include "routes.h"
#include "timestamps.h"

namespace kek::auth {
namespace {

constexpr std::string_view kMediaRoot = "/media/";

std::optional<HttpResponse> guard_media(AuthContext& ctx, const HttpRequest& request) {
  if (!request.path.starts_with(kMediaRoot)) return std::nullopt;
  const std::string_view relative = std::string_view(request.path).substr(kMediaRoot.size());
  auto policy = ctx.media.policy_for(relative);
  if (!policy || MediaAccessService::may_view(*policy, std::nullopt, Purpose::open)) return std::nullopt;

  auto caller = find_caller(ctx, request);
  if (!caller) return failure(caller.error());
  if (*caller && MediaAccessService::may_view(*policy, viewer_of(ctx, (*caller)->user), Purpose::open))
    return std::nullopt;

  auto token = request.query.find("token");
  if (token != request.query.end()) {
    switch (ctx.media.check_token(token->second, relative, now_seconds())) {
      case TokenVerdict::granted: return std::nullopt;
      case TokenVerdict::expired: return HttpResponse::error(403, "signed_url_expired", "the signed URL has expired");
      case TokenVerdict::malformed: return HttpResponse::error(403, "signed_url_invalid", "the signed URL is not valid");
      case TokenVerdict::signer_gone:
      case TokenVerdict::signer_refused:
        return HttpResponse::error(403, "signed_url_revoked", "the signed URL no longer opens this media (its owner changed who may watch)");
    }
  }
  return HttpResponse::error(403, "media_private", "this media is private");
}

HttpResponse sign_media(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto body = parse_sign(request.body);
  if (!body) return failure(body.error());
  auto* prefix = &body->prefix;
  // Accept "/media/live/x/" as well as "live/x/": both name the same folder.
  if (prefix->starts_with(kMediaRoot)) prefix->erase(0, kMediaRoot.size());
  if (auto s = check_media_prefix(*prefix); !s) return failure(s.error());
  const int64_t seconds = body->ttl_s.value_or(3600);
  if (seconds < 1 || seconds > ctx.settings.max_signed_url_seconds)
    return HttpResponse::error(400, "invalid_ttl", "ttl_s must be between 1 and " + std::to_string(ctx.settings.max_signed_url_seconds));
  if (!ctx.media.may_see_all_under(*prefix, viewer_of(ctx, caller->user), Purpose::open))
    return HttpResponse::error(403, "not_allowed_to_view", "you may not see everything under " + *prefix);
  // The token names who asked and when: every use checks them against the policies then.
  const int64_t now = now_seconds();
  const int64_t expires_at = now + seconds;
  auto token = ctx.media.sign_at(*prefix, caller->user.id, now, expires_at);
  if (!token) return failure(token.error());
  return json_answer([&](JsonWriter& w) {
    // url_prefix carries the token in the path, so a playlist's relative segment URLs keep it.
    w.begin_object()
        .member("token", *token)
        .member("expires_at", iso8601(expires_at))
        .member("url_prefix", "/media/~t/" + *token + "/" + *prefix)
        .end_object();
  });
}

}  // namespace

void add_media_routes(const ContextPtr& ctx) {
  Http& http = ctx->host.http();
  http.guard("/media/", [ctx](const HttpRequest& r) { return guard_media(*ctx, r); });
  http.route("POST", "/api/media/sign", [ctx](const HttpRequest& r) { return sign_media(*ctx, r); });
}

}  // namespace kek::auth
