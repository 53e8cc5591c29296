#define G_LOG_DOMAIN "kek-http"

#include "http/request_path.h"

#include <glib.h>

namespace kek::core::http {

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '%') {
      if (c == '\0') return std::nullopt;
      out.push_back(c);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;  // a '%' needs two hex digits after it
    int high = g_ascii_xdigit_value(text[i + 1]);
    int low = g_ascii_xdigit_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    char decoded = static_cast<char>(high * 16 + low);
    if (decoded == '\0') return std::nullopt;
    out.push_back(decoded);
    i += 2;
  }
  return out;
}

Result<RequestPath> parse_request_path(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') return Error{"request path must start with '/'", 400, "invalid_path"};
  RequestPath path;
  size_t start = 1;
  while (start <= raw_path.size()) {
    size_t end = raw_path.find('/', start);
    if (end == std::string_view::npos) end = raw_path.size();
    std::string_view raw_segment = raw_path.substr(start, end - start);
    start = end + 1;
    if (raw_segment.empty()) continue;
    auto segment = percent_decode(raw_segment);
    if (!segment) return Error{"malformed percent-encoding in request path", 400, "invalid_path"};
    if (*segment == "." || *segment == "..") return Error{"dot segments are not allowed in request paths", 400, "invalid_path"};
    path.segments.push_back(std::move(*segment));
  }
  for (const auto& segment : path.segments) {
    path.decoded += '/';
    path.decoded += segment;
  }
  if (path.decoded.empty()) path.decoded.push_back('/');  // (not = "/": GCC 12 -Wrestrict false positive)
  return path;
}

bool is_plain_file_segment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment == "..") return false;
  return segment.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

bool has_segment_prefix(const std::vector<std::string>& path, const std::vector<std::string>& prefix) {
  if (prefix.size() > path.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (path[i] != prefix[i]) return false;
  return true;
}

}  // namespace kek::core::http
