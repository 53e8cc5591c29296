// Finding a file for a URL without ever leaving the directory it is served from, and reading the
// Range header that asks for part of it.
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kek::core::http {

// The real path of root/segments... when it is a regular file inside realpath(root). Segments
// that are not plain names give 400; a missing file, a directory, or a path that escapes the
// root through a symlink give 404 (the same answer as missing, so escapes reveal nothing).
Result<std::string> resolve_inside(const std::string& root, const std::vector<std::string>& segments);

struct RangeRequest {
  enum class Kind { whole, partial, unsatisfiable };
  Kind kind = Kind::whole;
  int64_t first = 0;  // inclusive byte offsets, for partial
  int64_t last = 0;
};

// One "bytes=a-b", "bytes=a-" or "bytes=-n" range against `size` bytes. A header it does not
// take (several ranges, another unit, a malformed spec) asks for the whole file, which RFC 9110
// lets a server do; only a well-formed range that starts past the end is unsatisfiable.
RangeRequest parse_range(std::string_view header, int64_t size);

}  // namespace kek::core::http
