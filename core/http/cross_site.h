// Cross-site request forgery, stopped where every API request passes: a page on another site
// can make a browser send a form (urlencoded, multipart, text/plain) or a no-cors fetch to our
// API, with the user's cookies, but it cannot send a JSON content type without a CORS
// preflight (which we never grant), and the browser names the page's origin in Origin. So a
// state-changing /api/ request is taken only when its Origin is our own, or when it has no
// Origin and is not a form. (WebSocket handshakes are checked in websocket.cpp.) This also stops login CSRF (a cross-site
// form signing the victim into the attacker's account), where no session cookie exists yet.
#pragma once

#include <kek/http.h>

#include <optional>
#include <string>

namespace kek::core::http {

// The client may have reached us by the Host header's name or, through a trusted proxy, by
// forwarded_host (X-Forwarded-Host; empty when none).
std::optional<HttpResponse> cross_site_refusal(const HttpRequest& request, const std::string& forwarded_host);

}  // namespace kek::core::http
