// Turning the raw (still percent-encoded) request path into decoded segments, the one form the
// router, the guards and the file server all compare against, so none can be bypassed by an
// encoding the others read differently.
#pragma once

#include <kek/error.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kek::core::http {

// Decodes %XX escapes once. nullopt for a malformed escape or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view text);

struct RequestPath {
  std::vector<std::string> segments;  // decoded; empty segments ("//", trailing "/") dropped
  std::string decoded;                // "/" + segments joined by "/"
};

// Splits on the literal '/' of the raw path and decodes each segment, so "%2F" stays inside its
// segment. Refuses (400) malformed escapes, NUL, and "." or ".." segments however they were
// spelled: a path that means "go up" is never valid here.
Result<RequestPath> parse_request_path(std::string_view raw_path);

// For paths that name files: a segment must not smuggle a separator ("/" or "\" decoded from an
// escape) or be a dot segment.
bool is_plain_file_segment(std::string_view segment);

// True when `path` starts with all of `prefix`'s segments (segment-wise, so "/api/admin" covers
// "/api/admin/users" but not "/api/administrators").
bool has_segment_prefix(const std::vector<std::string>& path, const std::vector<std::string>& prefix);

}  // namespace kek::core::http
