// The headers every response carries, per area of the site: nosniff, a referrer policy that
// keeps our URLs (unlisted stream names, signed URL tokens) from other sites, and a
// Content-Security-Policy with frame-ancestors. One table (security_headers.cpp) says which
// area gets which policy, so a frameable /embed/ page is one more line.
#pragma once

#include <libsoup/soup.h>

#include <string_view>

namespace kek::core::http {

// The Content-Security-Policy for a request path.
std::string_view content_security_policy(std::string_view path);

// Sets the headers on msg's response; a handler's own headers may replace them later.
void add_security_headers(SoupServerMessage* msg, std::string_view path);

}  // namespace kek::core::http
