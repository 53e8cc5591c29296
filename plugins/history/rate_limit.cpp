#include "rate_limit.h"

#include <algorithm>
#include <cmath>

namespace kek::history {

std::optional<int64_t> RateLimiter::take(const std::string& key, int64_t now_us) {
  if (buckets_.size() >= kMaxTracked) prune(now_us);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now_us});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(now_us - b.at_us) * per_us_);
    b.at_us = now_us;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait_us = (1.0 - b.tokens) / per_us_;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_us / 1e6)));
}

void RateLimiter::prune(int64_t now_us) {
  // A bucket full again is the same as no bucket: forget those (and, if that is not enough,
  // everything: a spray of made-up clients must not grow memory).
  if (now_us - last_prune_us_ < 1000000) {
    if (buckets_.size() >= kMaxTracked) buckets_.clear();
    return;
  }
  last_prune_us_ = now_us;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double refilled = it->second.tokens + static_cast<double>(now_us - it->second.at_us) * per_us_;
    if (refilled >= burst_) it = buckets_.erase(it);
    else ++it;
  }
  if (buckets_.size() >= kMaxTracked) buckets_.clear();
}

}  // namespace kek::history
