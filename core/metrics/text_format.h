// Prometheus text exposition format 0.0.4: families with HELP and TYPE, samples with escaped
// label values. The one writer of /metrics (core's own metrics and every plugin's collector).
#pragma once

#include "metrics/histogram.h"

#include <kek/metrics.h>

#include <set>
#include <string>
#include <string_view>

namespace kek::core::metrics {

class TextWriter final : public MetricsWriter {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) override;
  void sample(const MetricLabels& labels, double value) override;
  // A histogram family's samples for one label set (_bucket{le=...}, _sum, _count).
  void histogram(const MetricLabels& labels, const Histogram& h);

  const std::string& text() const { return out_; }

 private:
  void write_sample(std::string_view suffix, const MetricLabels& labels, const char* extra_label,
                    const std::string& extra_value, double value);
  std::string out_;
  std::string current_;  // the family samples belong to; empty after a refused family
  std::set<std::string, std::less<>> seen_;
};

// Metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]* (labels without ':').
bool valid_metric_name(std::string_view name);
std::string escape_label_value(std::string_view value);
std::string format_value(double value);

}  // namespace kek::core::metrics
