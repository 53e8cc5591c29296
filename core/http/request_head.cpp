#include "http/request_head.h"

#include <algorithm>

namespace kek::core::http {
namespace {

bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// A field value's byte: visible ASCII, space, tab, or obs-text (RFC 9110 5.5); never a control.
bool is_value_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

// A request target's byte: visible ASCII only (no space, no control, no raw UTF-8).
bool is_target_byte(unsigned char c) { return c > 0x20 && c < 0x7f; }

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; };
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool parse_request_line(std::string_view line, RequestHead& head) {
  const size_t first_space = line.find(' ');
  if (first_space == std::string_view::npos || first_space == 0) return false;
  head.method = line.substr(0, first_space);
  if (!std::all_of(head.method.begin(), head.method.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); }))
    return false;
  const size_t second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos || second_space == first_space + 1) return false;
  head.target = line.substr(first_space + 1, second_space - first_space - 1);
  if (!std::all_of(head.target.begin(), head.target.end(), [](char c) { return is_target_byte(static_cast<unsigned char>(c)); }))
    return false;
  const std::string_view version = line.substr(second_space + 1);
  if (version.size() != 8 || !version.starts_with("HTTP/1.") || version[7] < '0' || version[7] > '9') return false;
  head.minor_version = version[7] - '0';
  return true;
}

bool parse_header_line(std::string_view line, RequestHead& head) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); }))
    return false;
  const std::string_view value = line.substr(colon + 1);
  if (!std::all_of(value.begin(), value.end(), [](char c) { return is_value_byte(static_cast<unsigned char>(c)); }))
    return false;
  head.headers.emplace_back(name, trim(value));
  return true;
}

// Bytes that can never start a valid line of a head where a line is still being received: a
// line without its CRLF yet is judged when it is complete, except for what no line may hold.
bool holds_forbidden_byte(std::string_view partial) {
  return std::any_of(partial.begin(), partial.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b == '\n' || b == 0 || (b < 0x20 && b != '\t' && b != '\r') || b == 0x7f;
  });
}

}  // namespace

std::string_view RequestHead::header(std::string_view name, bool* present, bool* repeated) const {
  std::string_view found;
  int count = 0;
  for (const auto& [n, v] : headers)
    if (same_name(n, name)) {
      if (count++ == 0) found = v;
    }
  if (present) *present = count > 0;
  if (repeated) *repeated = count > 1;
  return found;
}

ParsedHead parse_request_head(std::string_view bytes, size_t max_bytes, size_t max_headers) {
  ParsedHead parsed;
  RequestHead& head = parsed.head;
  const std::string_view window = bytes.substr(0, std::min(bytes.size(), max_bytes));
  size_t at = 0;
  bool first = true;
  for (;;) {
    const size_t end = window.find("\r\n", at);
    if (end == std::string_view::npos) {
      const std::string_view rest = window.substr(at);
      // A lone CR at the end may be the first half of a CRLF still to come.
      const std::string_view judged = rest.ends_with('\r') ? rest.substr(0, rest.size() - 1) : rest;
      if (holds_forbidden_byte(judged) || judged.find('\r') != std::string_view::npos) {
        parsed.status = HeadStatus::invalid;
      } else {
        parsed.status = bytes.size() >= max_bytes ? HeadStatus::invalid : HeadStatus::incomplete;
      }
      return parsed;
    }
    const std::string_view line = window.substr(at, end - at);
    // A CR or LF inside a line: a bare one, which this reader does not take.
    if (line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos) {
      parsed.status = HeadStatus::invalid;
      return parsed;
    }
    at = end + 2;
    if (first) {
      first = false;
      if (!parse_request_line(line, head)) {
        parsed.status = HeadStatus::invalid;
        return parsed;
      }
      continue;
    }
    if (line.empty()) {
      head.length = at;
      parsed.status = HeadStatus::complete;
      return parsed;
    }
    // obs-fold (a line continued on the next, which starts with a space) is not taken.
    if (line.front() == ' ' || line.front() == '\t' || head.headers.size() >= max_headers ||
        !parse_header_line(line, head)) {
      parsed.status = HeadStatus::invalid;
      return parsed;
    }
  }
}

bool header_has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view item = trim(value.substr(0, comma));
    if (same_name(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace kek::core::http
