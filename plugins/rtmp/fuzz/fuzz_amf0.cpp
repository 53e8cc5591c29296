// Fuzz target: the AMF0 decoder on arbitrary bytes. Besides "never crash", checks that what
// decodes re-encodes into something that decodes again to the same bytes (encode is the
// inverse of decode up to the string/long-string choice, which encode makes by length).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "amf0.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kek::rtmp;
  const std::span<const std::uint8_t> bytes(data, size);
  auto values = amf0::decode_all(bytes);
  if (!values) return 0;

  const std::vector<std::uint8_t> encoded = amf0::encode_all(*values);
  auto again = amf0::decode_all(encoded);
  if (!again) std::abort();  // our own encoding must decode
  if (amf0::encode_all(*again) != encoded) std::abort();
  for (const amf0::Value& v : *values) (void)v.to_string();
  return 0;
}
