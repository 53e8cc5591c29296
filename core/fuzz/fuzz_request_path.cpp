// Fuzz target: the raw request path of every HTTP request (core/http/request_path.h), any bytes.
// Never crashes; what it accepts is what the router, the guards and the file server may rely on:
// no dot segment however spelled, no empty segment, no NUL, `decoded` is the segments joined.
#include "http/request_path.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  using namespace kek::core::http;
  if (auto decoded = percent_decode(raw); decoded && decoded->find('\0') != std::string::npos) std::abort();
  auto path = parse_request_path(raw);
  if (!path) return 0;
  std::string joined;
  for (const std::string& s : path->segments) {
    if (s.empty() || s == "." || s == ".." || s.find('\0') != std::string::npos) std::abort();
    joined += "/" + s;
    (void)is_plain_file_segment(s);
  }
  if (joined.empty()) joined = "/";
  if (path->decoded != joined) std::abort();
  if (!has_segment_prefix(path->segments, {})) std::abort();  // everything is under "/"
  if (!has_segment_prefix(path->segments, path->segments)) std::abort();
  return 0;
}
