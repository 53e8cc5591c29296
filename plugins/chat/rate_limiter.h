// At most N messages per window per user (a sliding window), across every room.
#pragma once

#include <cstdint>
#include <deque>
#include <map>

namespace kek::chat {

class RateLimiter {
 public:
  RateLimiter(int64_t messages, int64_t window_us) : messages_(messages), window_us_(window_us) {}
  // 0 when `user_id` may send now (and it is counted), else the microseconds until it may.
  int64_t take(int64_t user_id, int64_t now_us);

 private:
  int64_t messages_;
  int64_t window_us_;
  std::map<int64_t, std::deque<int64_t>> sent_;  // per user, the times of the last sends
  int64_t next_sweep_us_ = 0;
};

}  // namespace kek::chat
