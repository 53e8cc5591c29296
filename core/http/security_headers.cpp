#include "http/security_headers.h"

#include <array>
#include <string>

namespace kek::core::http {
namespace {

// The web UI: its own scripts only (no inline script, no eval); hls.js and dash.js play from
// blob: URLs (MediaSource) and may run workers from blob:; images may be data: URLs; styles
// may be inline (Vue sets style attributes). Nobody may frame it (clickjacking).
#define KEK_WEBUI_SOURCES                                                                              \
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " \
  "media-src 'self' blob:; worker-src 'self' blob:; connect-src 'self'; font-src 'self' data:; "          \
  "object-src 'none'; base-uri 'self'; form-action 'self'; "
constexpr std::string_view kWebUiPolicy = KEK_WEBUI_SOURCES "frame-ancestors 'none'";
// The player-only pages (/embed/live/<stream>): the web UI made to be framed by any site.
constexpr std::string_view kEmbedPolicy = KEK_WEBUI_SOURCES "frame-ancestors *";
#undef KEK_WEBUI_SOURCES
// JSON is never a document to render.
constexpr std::string_view kApiPolicy = "default-src 'none'; frame-ancestors 'none'";
// A media file opened on its own plays (or shows) and does nothing else.
constexpr std::string_view kMediaPolicy =
    "default-src 'none'; media-src 'self'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

struct AreaPolicy {
  std::string_view prefix;  // the first match wins
  std::string_view csp;
};

constexpr std::array<AreaPolicy, 4> kAreas = {{
    {"/api/", kApiPolicy},
    {"/metrics", kApiPolicy},
    {"/media/", kMediaPolicy},
    {"/embed/", kEmbedPolicy},
}};

}  // namespace

std::string_view content_security_policy(std::string_view path) {
  for (const auto& area : kAreas)
    if (path.starts_with(area.prefix)) return area.csp;
  return kWebUiPolicy;
}

std::array<HeaderField, 3> security_fields(std::string_view path) {
  return {{
      {"X-Content-Type-Options", "nosniff"},
      // Our URLs may carry what is not for other sites (an unlisted stream's name, a signed
      // URL's token): the referrer goes to this site only.
      {"Referrer-Policy", "same-origin"},
      {"Content-Security-Policy", content_security_policy(path)},
  }};
}

void set_fields(SoupServerMessage* msg, std::span<const HeaderField> fields) {
  SoupMessageHeaders* out = soup_server_message_get_response_headers(msg);
  for (const auto& [name, value] : fields)
    soup_message_headers_replace(out, std::string(name).c_str(), std::string(value).c_str());
}

void add_security_headers(SoupServerMessage* msg, std::string_view path) { set_fields(msg, security_fields(path)); }

}  // namespace kek::core::http
