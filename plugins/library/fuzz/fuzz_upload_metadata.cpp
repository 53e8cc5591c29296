// Fuzz target: the tus Upload-Metadata header (what any client sends when it creates an upload),
// on arbitrary bytes. Never crashes; what parses survives being written and parsed again.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <glib.h>

#include "uploads.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string header(reinterpret_cast<const char*>(data), size);
  auto parsed = kek::library::parse_upload_metadata(header);
  if (!parsed) return 0;
  std::string again;
  for (const auto& [key, value] : *parsed) {
    if (key.empty() || key.find(',') != std::string::npos || key.find(' ') != std::string::npos) std::abort();
    g_autofree char* b64 = g_base64_encode(reinterpret_cast<const guchar*>(value.data()), value.size());
    again += (again.empty() ? "" : ",") + key + (value.empty() ? "" : std::string(" ") + b64);
  }
  auto round = kek::library::parse_upload_metadata(again);
  if (!round || *round != *parsed) std::abort();
  return 0;
}
