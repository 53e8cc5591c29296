// Any bytes as an SRT streamid: no crash, and what parses names a valid app and key.
#include "stream_id.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = kek::srt::parse_stream_id(std::string_view(reinterpret_cast<const char*>(data), size));
  if (auto* ok = std::get_if<kek::srt::StreamIdRequest>(&r)) {
    if (ok->key.empty() || ok->app.empty() || ok->key.find('/') != std::string::npos) std::abort();
  }
  return 0;
}
