#include "views.h"

#include <algorithm>

namespace kek::history {

ViewCounter::Verdict ViewCounter::report(const std::string& viewer, const std::string& address, bool anonymous,
                                         const std::string& item_key, double played_s, int64_t now_ms) {
  prune(now_ms);
  Seen& seen = seen_[{viewer, item_key}];
  if (seen.counted_ms && now_ms - seen.counted_ms < rules_.window_ms) return Verdict::already_counted;
  // A view that began longer ago than the window (the tab stayed open) begins again now.
  if (!seen.first_ms || now_ms - seen.first_ms > rules_.window_ms) seen.first_ms = now_ms;
  if (played_s * 1000 < static_cast<double>(rules_.after_ms)) return seen.first_ms == now_ms ? Verdict::started : Verdict::waiting;
  // The server's clock must agree that the time was played (a little slack for the network).
  if (now_ms - seen.first_ms < rules_.after_ms - 2000) return Verdict::waiting;
  if (anonymous) {
    auto& [start, count] = by_address_[{address, item_key}];
    if (!start || now_ms - start >= rules_.window_ms) {
      start = now_ms;
      count = 0;
    }
    if (count >= rules_.anonymous_per_address) return Verdict::address_limit;
    ++count;
  }
  seen.counted_ms = now_ms;
  seen.first_ms = 0;
  return Verdict::counted;
}

void ViewCounter::prune(int64_t now_ms) {
  if (seen_.size() + by_address_.size() < kMaxTracked && now_ms - last_prune_ms_ < rules_.window_ms) return;
  last_prune_ms_ = now_ms;
  for (auto it = seen_.begin(); it != seen_.end();) {
    const int64_t last = std::max(it->second.first_ms, it->second.counted_ms);
    if (now_ms - last >= rules_.window_ms) it = seen_.erase(it);
    else ++it;
  }
  for (auto it = by_address_.begin(); it != by_address_.end();) {
    if (now_ms - it->second.first >= rules_.window_ms) it = by_address_.erase(it);
    else ++it;
  }
  // Still too many (a flood of made-up viewers): start again rather than grow.
  if (seen_.size() >= kMaxTracked) seen_.clear();
  if (by_address_.size() >= kMaxTracked) by_address_.clear();
}

}  // namespace kek::history
