// Fuzz target: the body of PATCH /api/library/items/{id}, on arbitrary bytes. Never crashes;
// what parses holds the bounds the catalogue relies on.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "item_patch.h"

namespace {
void check_list(const std::optional<std::vector<std::string>>& list) {
  if (!list) return;
  if (list->size() > 50) std::abort();
  for (const auto& v : *list)
    if (v.empty() || v.size() > 100 || std::count(list->begin(), list->end(), v) != 1) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  auto patch = kek::library::parse_item_patch(body);
  if (!patch) return 0;
  if (patch->title && (patch->title->empty() || patch->title->size() > 300)) std::abort();
  if (patch->description && patch->description->size() > 20000) std::abort();
  if (patch->year && *patch->year && (**patch->year < 1870 || **patch->year > 2200)) std::abort();
  if (patch->visibility && *patch->visibility != "public" && *patch->visibility != "unlisted" &&
      *patch->visibility != "private")
    std::abort();
  check_list(patch->genres);
  check_list(patch->allowed);
  return 0;
}
