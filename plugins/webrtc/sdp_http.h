// The HTTP side WHEP and WHIP share: the offer's request checks and the 201 that carries the
// answer (application/sdp, Location of the session to DELETE).
#pragma once

#include <kek/http.h>

#include <optional>
#include <string>

namespace kek::webrtc {

inline constexpr size_t kMaxOfferBytes = 64 * 1024;

// A route parameter ("stream", "session"); "" when absent.
const std::string& route_param(const HttpRequest& request, const char* name);
// 415 unless the body is application/sdp, 413 past kMaxOfferBytes; nullopt when it may be read.
std::optional<HttpResponse> refuse_offer_request(const HttpRequest& request);
HttpResponse sdp_created(std::string answer, const std::string& location);

}  // namespace kek::webrtc
