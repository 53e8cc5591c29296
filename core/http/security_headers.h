// The headers every response carries, per area of the site: nosniff, a referrer policy that
// keeps our URLs (unlisted stream names, signed URL tokens) from other sites, and a
// Content-Security-Policy with frame-ancestors. One table (security_headers.cpp) says which
// area gets which policy, so a frameable /embed/ page is one more line.
// The same fields go on libsoup's answers (add_security_headers, add_cors_headers) and are
// written by hand by the /media/ fast path (fast_path.h): both take them from here.
#pragma once

#include <libsoup/soup.h>

#include <array>
#include <span>
#include <string_view>

namespace kek::core::http {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// The Content-Security-Policy for a request path.
std::string_view content_security_policy(std::string_view path);

// What every answer to `path` carries, in the order it is set: nosniff, the referrer policy and
// the path's Content-Security-Policy.
std::array<HeaderField, 3> security_fields(std::string_view path);

// Media is fetched cross-origin by players embedded elsewhere: any origin may read it, and
// players read these to stitch ranges together. On every answer under /media/.
inline constexpr std::array<HeaderField, 2> kMediaCorsFields = {{
    {"Access-Control-Allow-Origin", "*"},
    {"Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges"},
}};

// Sets `fields` on msg's response (replacing any of the same name).
void set_fields(SoupServerMessage* msg, std::span<const HeaderField> fields);

// Sets the security fields on msg's response; a handler's own headers may replace them later.
void add_security_headers(SoupServerMessage* msg, std::string_view path);

}  // namespace kek::core::http
