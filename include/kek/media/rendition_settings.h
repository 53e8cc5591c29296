// The comma-separated element properties that name a ladder's renditions and declare their bit
// rates (kekhlssink's variants/bitrates, kekdashsink's representations/bitrates), parsed the same
// way everywhere. Header-only and pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kek::media {

// "a, b,,c" -> {"a", "b", "", "c"}: items trimmed, empty ones kept so positions stay meaningful.
inline std::vector<std::string> split_list(std::string_view list) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::vector<std::string> out;
  if (list.empty()) return out;
  size_t pos = 0;
  while (true) {
    size_t comma = list.find(',', pos);
    std::string_view item = list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && is_space(item.front())) item.remove_prefix(1);
    while (!item.empty() && is_space(item.back())) item.remove_suffix(1);
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

// {"a", "b"} -> "a,b": the inverse of split_list, for the same properties.
inline std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// A rendition name becomes a directory and a URL path segment: [A-Za-z0-9._-], not "." or "..".
inline bool valid_rendition_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

// Declared rates: "3000000", "3000k", "3M"; empty or "0" = 0 (measure instead); nullopt if bad.
inline std::optional<uint64_t> parse_bitrate(std::string_view s) {
  if (s.empty()) return 0;
  uint64_t n = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string_view suffix = s.substr(i);
  uint64_t scale = 1;
  if (suffix == "k" || suffix == "K") scale = 1000;
  else if (suffix == "m" || suffix == "M") scale = 1000 * 1000;
  else if (!suffix.empty()) return std::nullopt;
  if (n > UINT64_MAX / scale) return std::nullopt;
  return n * scale;
}

}  // namespace kek::media
