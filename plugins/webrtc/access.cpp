#include "access.h"

#include <kek/services/identity.h>
#include <kek/services/media_access.h>

namespace kek::webrtc {

std::optional<HttpResponse> refuse_viewer(Host& host, const HttpRequest& request, const std::string& media_prefix) {
  auto* identity = host.services().get<kek::Identity>();
  if (!identity) return std::nullopt;  // no accounts: nothing is private
  auto user = identity->user_of(request);
  if (!user) return HttpResponse::from(user.error());
  if (identity->may_open(*user, media_prefix)) return std::nullopt;
  if (auto token = request.query.find("token"); token != request.query.end()) {
    auto* access = host.services().get<kek::MediaAccess>();
    if (access && access->token_opens(token->second, media_prefix + "index.m3u8")) return std::nullopt;
  }
  if (!*user) return HttpResponse::error(403, "media_private", "this stream is private: sign in to watch it");
  return HttpResponse::error(403, "not_allowed_to_view", "you may not watch this stream");
}

}  // namespace kek::webrtc
