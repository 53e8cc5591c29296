// The host's kek::Metrics service: the collectors of the core and of every plugin, run in
// registration order into one writer per scrape.
#pragma once

#include <kek/metrics.h>

#include <functional>
#include <string>
#include <vector>

namespace kek::core::metrics {

class TextWriter;

class MetricsRegistry final : public Metrics {
 public:
  void add_collector(MetricsCollector collector) override { collectors_.push_back(std::move(collector)); }
  // The core's histograms: only on the /metrics page (the plots read gauges and counters).
  void add_histograms(std::function<void(TextWriter&)> writer) { histograms_.push_back(std::move(writer)); }
  void collect(MetricsWriter& writer) const;
  // The whole /metrics page.
  std::string render() const;

 private:
  std::vector<MetricsCollector> collectors_;
  std::vector<std::function<void(TextWriter&)>> histograms_;
};

}  // namespace kek::core::metrics
