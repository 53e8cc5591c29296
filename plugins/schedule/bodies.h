// The JSON bodies the schedule API reads, parsed by pure functions (no plugin, no I/O): the
// routes call them and fuzz/fuzz_bodies.cpp drives them with arbitrary bytes. Checking what the
// values mean (times, texts, the film) stays with the routes.
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kek::schedule {

// POST /api/events and PATCH /api/events/{id}: each member nullopt when absent.
struct Draft {
  std::optional<std::string> title, description, poster_url, starts_at, item_id;
  std::optional<int64_t> duration_s, stream_key_id;
  std::optional<std::string> visibility, kind;
};
Result<Draft> parse_draft(std::string_view body);

// POST /api/events/{id}/cancel: {reason?} ("" when absent).
Result<std::string> parse_cancel_reason(std::string_view body);

}  // namespace kek::schedule
