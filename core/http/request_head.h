// A strict reader of an HTTP/1.1 request head (the request line and the header fields up to the
// empty line), for a media fast path that reads the heads of /media/ requests itself: it only has
// to recognise the plain requests players send. Anything it does not take exactly (bare LF,
// folded lines, control bytes, a space before a colon, HTTP/2 or HTTP/0.9) is `invalid`, and the
// connection goes to libsoup, which answers it as it always has; so strictness here costs
// speed, never correctness.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace kek::core::http {

// Heads larger than this are not read here (libsoup refuses them as it always has).
inline constexpr size_t kMaxRequestHeadBytes = 8192;
inline constexpr size_t kMaxRequestHeaders = 64;

struct RequestHead {
  std::string_view method;  // "GET"
  std::string_view target;  // "/media/live/x/index.m3u8?token=..." as sent
  int minor_version = 1;    // HTTP/1.<minor_version>
  // Names as sent; values without the spaces around them. Views into the parsed bytes.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  size_t length = 0;  // bytes of the head, the final CRLF CRLF included

  // The only value of `name` (ASCII case-insensitive); `repeated` is set when it comes twice.
  std::string_view header(std::string_view name, bool* present = nullptr, bool* repeated = nullptr) const;
};

enum class HeadStatus { complete, incomplete, invalid };

struct ParsedHead {
  HeadStatus status = HeadStatus::incomplete;
  RequestHead head;  // for complete
};

// Reads one head from the start of `bytes` (which may hold more: a pipelined next request).
// incomplete: no empty line yet and fewer than max_bytes bytes; more bytes are needed.
// invalid: not a head this reader takes, or larger than max_bytes / max_headers.
ParsedHead parse_request_head(std::string_view bytes, size_t max_bytes = kMaxRequestHeadBytes,
                              size_t max_headers = kMaxRequestHeaders);

// The comma-separated tokens of a header like Connection, compared case-insensitively.
bool header_has_token(std::string_view value, std::string_view token);

}  // namespace kek::core::http
