// Heartbeats allowed per client: a token bucket per key (the user and the client's address and
// software, i.e. one browser session), refilled at a steady rate. In memory, bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace kek::history {

class RateLimiter {
 public:
  static constexpr size_t kMaxTracked = 100000;

  // per_minute tokens come back each minute; at most burst wait unused.
  RateLimiter(double per_minute, double burst) : per_us_(per_minute / 60e6), burst_(burst) {}

  // Takes one token for key; nullopt when allowed, else the seconds until the next one.
  std::optional<int64_t> take(const std::string& key, int64_t now_us);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_us = 0;
  };
  void prune(int64_t now_us);
  double per_us_;
  double burst_;
  std::unordered_map<std::string, Bucket> buckets_;
  int64_t last_prune_us_ = 0;
};

}  // namespace kek::history
