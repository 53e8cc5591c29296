// Fuzz target: the request head the media fast path reads off a socket (core/http/request_head.h),
// any bytes. Never crashes; a complete head ends in CRLF CRLF inside the bytes and the limit, its
// method and target are non-empty views into it, no header value holds a CR, LF or NUL; reading
// just the head's bytes again gives the same head, and no shorter prefix of it is complete.
#include "http/request_head.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kek::core::http;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A small limit now and then, so the limits themselves are reached.
  const size_t max_bytes = size > 0 && data[0] == 'x' ? 64 : kMaxRequestHeadBytes;
  const ParsedHead parsed = parse_request_head(bytes, max_bytes, 8);
  if (parsed.status != HeadStatus::complete) return 0;
  const RequestHead& head = parsed.head;
  if (head.length < 4 || head.length > size || head.length > max_bytes) std::abort();
  if (bytes.substr(head.length - 4, 4) != "\r\n\r\n") std::abort();
  if (head.method.empty() || head.target.empty() || !inside(head.method, bytes) || !inside(head.target, bytes))
    std::abort();
  if (head.minor_version < 0 || head.minor_version > 9 || head.headers.size() > 8) std::abort();
  for (const auto& [name, value] : head.headers) {
    if (name.empty() || !inside(name, bytes) || !inside(value, bytes)) std::abort();
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) std::abort();
    if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) std::abort();
  }
  const ParsedHead again = parse_request_head(bytes.substr(0, head.length), max_bytes, 8);
  if (again.status != HeadStatus::complete || again.head.length != head.length ||
      again.head.headers.size() != head.headers.size() || again.head.target != head.target)
    std::abort();
  if (parse_request_head(bytes.substr(0, head.length - 1), max_bytes, 8).status == HeadStatus::complete) std::abort();
  (void)header_has_token(head.header("connection"), "close");
  return 0;
}
