// A Prometheus histogram with fixed upper bounds: observe() from any thread (relaxed atomics,
// no allocation), read by the scrape on the main thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace kek::core::metrics {

// Seconds: 0.5 ms .. 10 s, the range of an HTTP answer or an SQL statement.
inline constexpr std::array<double, 14> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                         0.1,    0.25,  0.5,    1,     2.5,  5,     10};

class Histogram {
 public:
  static constexpr size_t kBuckets = kLatencyBounds.size();

  void observe(double seconds) {
    size_t i = 0;
    while (i < kBuckets && seconds > kLatencyBounds[i]) ++i;
    if (i < kBuckets) buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    // Sum in microseconds, so it stays an integer atomic.
    sum_us_.fetch_add(static_cast<uint64_t>(seconds * 1e6 + 0.5), std::memory_order_relaxed);
  }
  // Cumulative count of observations <= kLatencyBounds[i].
  uint64_t cumulative(size_t i) const {
    uint64_t n = 0;
    for (size_t b = 0; b <= i && b < kBuckets; ++b) n += buckets_[b].load(std::memory_order_relaxed);
    return n;
  }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6; }

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

}  // namespace kek::core::metrics
