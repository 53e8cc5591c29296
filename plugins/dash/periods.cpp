#include "periods.h"

#include <algorithm>

namespace kek::dash {

int64_t join_time(const PeriodState& next, uint64_t target_ns) {
  return next.requested_at + (next.by_seam ? static_cast<int64_t>(2 * target_ns) : 0);
}

bool joins_now(const PeriodState& next, uint64_t target_ns, int64_t dts, bool video, bool sync) {
  return dts >= join_time(next, target_ns) && (!video || sync);
}

bool period_settled(std::span<const RepresentationState* const> reps, unsigned p) {
  for (const RepresentationState* t : reps) {
    if (!t->have_first) continue;
    bool has = std::any_of(t->periods.begin(), t->periods.end(), [p](auto& tp) { return tp.period == p; });
    if (!has && t->period <= p && !t->ended) return false;
  }
  return true;
}

bool enter_next_period(std::vector<PeriodState>& periods, RepresentationState& rep, int64_t at, bool by_seam) {
  if (periods.size() > rep.period + 1) {
    ++rep.period;
    return false;
  }
  periods.push_back({at, by_seam, false, 0});
  rep.period = static_cast<unsigned>(periods.size() - 1);
  return true;
}

}  // namespace kek::dash
