// Metrics a plugin adds to /metrics (Prometheus text format 0.0.4) and to the admin page's
// plots. The host provides the service; a plugin registers a collector once, at init, and the
// collector writes the current values each time they are scraped (main thread):
//
//   if (auto* metrics = host.services().get<kek::Metrics>())
//     metrics->add_collector([this](kek::MetricsWriter& w) {
//       w.gauge("kek_library_jobs_queued", "Library jobs waiting for a worker", queue_.size());
//       w.family("kek_library_job_progress", "gauge", "Progress of each running job, 0..1");
//       for (const auto& job : running_) w.sample({{"job", job.id}}, job.progress);
//     });
//
// Names follow Prometheus' rules: kek_<plugin>_<what>[_unit], counters end in _total. Label
// values are escaped by the host; keep their number bounded (a stream, a pipeline, not a user).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kek {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsWriter {
 public:
  virtual ~MetricsWriter() = default;
  // Starts a family: type is "counter" or "gauge". Samples that follow belong to it.
  virtual void family(std::string_view name, std::string_view type, std::string_view help) = 0;
  virtual void sample(const MetricLabels& labels, double value) = 0;

  void gauge(std::string_view name, std::string_view help, double value, const MetricLabels& labels = {}) {
    family(name, "gauge", help);
    sample(labels, value);
  }
  void counter(std::string_view name, std::string_view help, double value, const MetricLabels& labels = {}) {
    family(name, "counter", help);
    sample(labels, value);
  }
};

using MetricsCollector = std::function<void(MetricsWriter&)>;

class Metrics {
 public:
  static constexpr const char* kName = "kek.metrics/1";
  virtual ~Metrics() = default;
  // The collector lives as long as the process (plugins are never unloaded).
  virtual void add_collector(MetricsCollector collector) = 0;
};

}  // namespace kek
