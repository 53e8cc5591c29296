// Fuzz target: every JSON body the history API reads (a film's position heartbeat, a live
// player's, a view, "watched", the pause setting), on arbitrary bytes. Never crashes; what
// parses holds the rules' bounds (finite, not negative, sent_at not past the clock's slack).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kek::history;
  const std::string body(reinterpret_cast<const char*>(data), size);
  const int64_t now = 1764600000000;  // 2025-12-01, a fixed clock: the same input, the same answer
  if (auto p = parse_position_report(body, now)) {
    if (!std::isfinite(p->position_s) || !std::isfinite(p->duration_s) || p->position_s < 0) std::abort();
    if (p->sent_at_ms > now + kMaxClockAheadMs) std::abort();
  }
  if (auto l = parse_live_report(body, now)) {
    if (!std::isfinite(l->played_s) || l->played_s < 0 || l->sent_at_ms > now + kMaxClockAheadMs) std::abort();
  }
  if (auto v = parse_view_report(body)) {
    if ((v->kind != "film" && v->kind != "live") || v->id.empty() || !(v->played_s >= 0)) std::abort();
  }
  if (auto m = parse_watched_mark(body, now)) {
    if (m->sent_at_ms > now + kMaxClockAheadMs) std::abort();
  }
  (void)parse_paused_setting(body);
  return 0;
}
