#include "sdp_http.h"

#include <glib.h>

namespace kek::webrtc {

const std::string& route_param(const HttpRequest& request, const char* name) {
  static const std::string none;
  auto it = request.params.find(name);
  return it == request.params.end() ? none : it->second;
}

std::optional<HttpResponse> refuse_offer_request(const HttpRequest& request) {
  auto type = request.header("content-type").value_or("");
  if (g_ascii_strncasecmp(type.c_str(), "application/sdp", 15) != 0)
    return HttpResponse::error(415, "sdp_expected", "send the SDP offer as application/sdp");
  if (request.body.size() > kMaxOfferBytes)
    return HttpResponse::error(413, "offer_too_large", "the SDP offer is larger than 64 KiB");
  return std::nullopt;
}

HttpResponse sdp_created(std::string answer, const std::string& location) {
  HttpResponse created;
  created.status = 201;
  created.content_type = "application/sdp";
  created.body = std::move(answer);
  created.headers.emplace_back("Location", location);
  created.headers.emplace_back("Cache-Control", "no-store");
  return created;
}

}  // namespace kek::webrtc
