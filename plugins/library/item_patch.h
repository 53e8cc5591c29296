// PATCH /api/library/items/{id}: the body parsed and checked by a pure function (no catalogue,
// no I/O), which the route calls and fuzz/fuzz_item_patch.cpp drives with arbitrary bytes.
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kek::library {

// Each member nullopt when the body leaves that field as it is.
struct ItemPatch {
  std::optional<std::string> title;  // trimmed, 1-300 bytes
  std::optional<std::string> description;  // at most 20000 bytes
  std::optional<std::optional<int64_t>> year;  // 1870-2200; an empty inner value clears it (null)
  std::optional<std::vector<std::string>> genres;  // each 1-100 bytes, no repeats, at most 50
  std::optional<std::string> visibility;  // public, unlisted or private
  // User names and "group:NAME" as sent (the catalogue finds the accounts); same bounds as genres.
  std::optional<std::vector<std::string>> allowed;
};

// 400 with what is wrong: not a JSON object, an unknown field, a value out of its bounds.
Result<ItemPatch> parse_item_patch(std::string_view body);

}  // namespace kek::library
