// Fuzz target: the JSON bodies the schedule API reads (an event's draft, a cancellation), on
// arbitrary bytes. Never crashes.
#include <cstdint>
#include <string>

#include "bodies.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)kek::schedule::parse_draft(body);
  (void)kek::schedule::parse_cancel_reason(body);
  return 0;
}
