// Who may watch a live stream over WebRTC: the same rule as its HLS under /media/ (the auth
// plugin's Identity::may_open on the stream's media prefix, the viewer's session cookie), or a
// signed media URL token (?token=, MediaAccess::sign) for a player without the web UI's cookie.
#pragma once

#include <kek/host.h>

#include <optional>
#include <string>

namespace kek::webrtc {

// nullopt: the caller may watch what lies under media_prefix ("live/cam/"); else the refusal.
std::optional<HttpResponse> refuse_viewer(Host& host, const HttpRequest& request, const std::string& media_prefix);

}  // namespace kek::webrtc
