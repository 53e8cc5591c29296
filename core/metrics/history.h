// The last hour of a few series, sampled every 10 s from the same collectors /metrics runs, for
// the admin page's plots: ingest bitrate and viewers per live stream, CPU and RSS of the
// process. Counters (CPU seconds) are kept as rates between samples.
#pragma once

#include "metrics/registry.h"

#include <glib.h>

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kek::core::metrics {

class MetricsHistory {
 public:
  static constexpr int kWindowS = 3600;  // one hour

  // families: gauge names kept as they are; rate_families: counters kept as per-second rates.
  MetricsHistory(const MetricsRegistry& registry, std::set<std::string> families, std::set<std::string> rate_families,
                 int interval_s = 10);
  ~MetricsHistory();
  MetricsHistory(const MetricsHistory&) = delete;
  MetricsHistory& operator=(const MetricsHistory&) = delete;

  // Takes a sample now and then every interval on the thread-default main context.
  void start();
  void sample_now(int64_t unix_ms);
  // {"interval_s":10,"t":[ms...],"series":[{"metric":..,"labels":{..},"values":[v|null...]}]}
  std::string json() const;

 private:
  struct Series {
    std::string metric;
    std::vector<std::pair<std::string, std::string>> labels;
    std::deque<double> values;  // aligned with times_; NaN where the series had no sample
  };
  const MetricsRegistry& registry_;
  int interval_s_;
  size_t points_;
  std::set<std::string> families_;
  std::set<std::string> rate_families_;
  std::deque<int64_t> times_;
  std::map<std::string, Series> series_;        // key: metric + labels
  std::map<std::string, double> last_counter_;  // for rates
  int64_t last_sample_ms_ = 0;
  guint timer_ = 0;
};

}  // namespace kek::core::metrics
