// Fuzz target: the Range header of a media request against a file size (core/http/file_lookup.h).
// The first 8 bytes are the file's size, the rest the header. Never crashes; a partial answer is
// always inside the file: 0 <= first <= last < size.
#include "http/file_lookup.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint64_t raw_size = 0;
  const std::size_t n = size < 8 ? size : 8;
  std::memcpy(&raw_size, data, n);
  const int64_t file_size = static_cast<int64_t>(raw_size >> 1);  // 0 .. 2^63-1
  const std::string_view header(reinterpret_cast<const char*>(data) + n, size - n);
  using kek::core::http::RangeRequest;
  const RangeRequest r = kek::core::http::parse_range(header, file_size);
  if (r.kind == RangeRequest::Kind::partial && !(r.first >= 0 && r.first <= r.last && r.last < file_size)) std::abort();
  return 0;
}
