#define G_LOG_DOMAIN "kek-http"

#include "http/file_lookup.h"

#include "http/request_path.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>

namespace kek::core::http {
namespace {

std::optional<std::string> real_path(const std::string& path) {
  g_autofree char* resolved = realpath(path.c_str(), nullptr);
  if (!resolved) return std::nullopt;
  return std::string(resolved);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Digits only (no sign, no spaces), and no overflow.
std::optional<int64_t> parse_offset(std::string_view digits) {
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

Result<std::string> resolve_inside(const std::string& root, const std::vector<std::string>& segments) {
  if (root.empty()) return Error{"not found", 404};
  std::string candidate = root;
  for (const auto& segment : segments) {
    if (!is_plain_file_segment(segment)) return Error{"invalid file name in path", 400, "invalid_path"};
    candidate += '/';
    candidate += segment;
  }
  auto real_root = real_path(root);
  if (!real_root) return Error{"not found", 404};
  auto resolved = real_path(candidate);
  if (!resolved) return Error{"not found", 404};

  std::string inside_prefix = real_root->ends_with('/') ? *real_root : *real_root + "/";
  if (!resolved->starts_with(inside_prefix)) {
    g_warning("refused %s: it resolves to %s, outside %s", candidate.c_str(), resolved->c_str(),
              real_root->c_str());
    return Error{"not found", 404};
  }
  GStatBuf info;
  if (g_stat(resolved->c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return Error{"not found", 404};
  return std::move(*resolved);
}

RangeRequest parse_range(std::string_view header, int64_t size) {
  RangeRequest whole;
  header = trim(header);
  constexpr std::string_view unit = "bytes=";
  if (header.size() < unit.size() || g_ascii_strncasecmp(header.data(), unit.data(), unit.size()) != 0)
    return whole;
  std::string_view spec = trim(header.substr(unit.size()));
  if (spec.find(',') != std::string_view::npos) return whole;  // several ranges: send it all
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  std::string_view first_text = trim(spec.substr(0, dash));
  std::string_view last_text = trim(spec.substr(dash + 1));

  RangeRequest unsatisfiable{RangeRequest::Kind::unsatisfiable};
  if (first_text.empty()) {  // "-n": the last n bytes
    auto suffix = parse_offset(last_text);
    if (!suffix) return whole;
    if (*suffix == 0 || size == 0) return unsatisfiable;
    return {RangeRequest::Kind::partial, *suffix >= size ? 0 : size - *suffix, size - 1};
  }
  auto first = parse_offset(first_text);
  if (!first) return whole;
  int64_t last = size - 1;
  if (!last_text.empty()) {
    auto parsed_last = parse_offset(last_text);
    if (!parsed_last || *parsed_last < *first) return whole;
    last = std::min(*parsed_last, size - 1);
  }
  if (*first >= size) return unsatisfiable;
  return {RangeRequest::Kind::partial, *first, last};
}

}  // namespace kek::core::http
