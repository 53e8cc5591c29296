#include "rate_limiter.h"

namespace kek::chat {

int64_t RateLimiter::take(int64_t user_id, int64_t now_us) {
  // Now and then forget users who have been quiet for a whole window: memory stays bounded by
  // the users active lately.
  if (now_us >= next_sweep_us_) {
    std::erase_if(sent_, [&](const auto& entry) { return entry.second.empty() || now_us - entry.second.back() >= window_us_; });
    next_sweep_us_ = now_us + window_us_;
  }
  auto& times = sent_[user_id];
  while (!times.empty() && now_us - times.front() >= window_us_) times.pop_front();
  if (static_cast<int64_t>(times.size()) >= messages_) return times.front() + window_us_ - now_us;
  times.push_back(now_us);
  return 0;
}

}  // namespace kek::chat
