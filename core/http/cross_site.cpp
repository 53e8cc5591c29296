#include "http/cross_site.h"

#include "http/websocket.h"

#include <glib.h>

#include <array>

namespace kek::core::http {
namespace {

bool is_safe_method(std::string_view method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& ch : out) ch = g_ascii_tolower(ch);
  return out;
}

// The media type alone: "Text/Plain; charset=utf-8" -> "text/plain".
std::string media_type(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  while (!content_type.empty() && content_type.front() == ' ') content_type.remove_prefix(1);
  return lower(content_type);
}

// What an HTML form (or a no-cors fetch) may send without a preflight.
bool is_form_type(const std::string& type) {
  constexpr std::array<std::string_view, 3> kForms = {"application/x-www-form-urlencoded", "multipart/form-data",
                                                     "text/plain"};
  for (auto form : kForms)
    if (type == form) return true;
  return false;
}

}  // namespace

std::optional<HttpResponse> cross_site_refusal(const HttpRequest& request, const std::string& forwarded_host) {
  // (WebSocket handshakes are GETs: websocket.cpp checks their Origin.)
  if (is_safe_method(request.method)) return std::nullopt;
  if (auto origin = request.header("origin")) {
    const auto host = request.header("host");
    if (is_same_origin(origin->c_str(), host ? host->c_str() : nullptr) ||
        (!forwarded_host.empty() && is_same_origin(origin->c_str(), forwarded_host.c_str())))
      return std::nullopt;
    g_autofree char* shown = g_strescape(origin->substr(0, 200).c_str(), nullptr);
    g_autofree char* path = g_strescape(request.path.substr(0, 200).c_str(), nullptr);
    g_message("refused a cross-site %s %s from %s (Origin %s)", request.method.c_str(), path, request.remote.c_str(),
              shown);
    return HttpResponse::error(403, "cross_origin",
                               "this API takes no requests from pages of other sites (Origin does not match Host)");
  }
  if (auto site = request.header("sec-fetch-site"); site && lower(*site) == "cross-site")
    return HttpResponse::error(403, "cross_origin", "this API takes no requests from pages of other sites");
  if (is_form_type(media_type(request.header("content-type").value_or(""))))
    return HttpResponse::error(415, "json_required", "send the request body as JSON (Content-Type: application/json)");
  return std::nullopt;
}

}  // namespace kek::core::http
