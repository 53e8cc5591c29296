// Fuzz target: the channel's PATCH body, on arbitrary bytes. Never crashes; a change that
// parses, written back as JSON, parses to the same change.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <kek/json.h>

#include "channel_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  auto change = kek::channels::parse_channel_change(body);
  if (!change) return 0;
  kek::JsonWriter w;
  w.begin_object();
  if (change->title) w.member("title", *change->title);
  if (change->category) w.member("category", *change->category);
  w.end_object();
  auto again = kek::channels::parse_channel_change(w.str());
  if (!again || again->title != change->title || again->category != change->category) std::abort();
  return 0;
}
