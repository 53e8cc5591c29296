#include "metrics/history.h"

#include <kek/json.h>

#include <cmath>
#include <limits>

namespace kek::core::metrics {

namespace {

// Keeps the samples of the families asked for.
class CapturingWriter final : public MetricsWriter {
 public:
  struct Sample {
    std::string metric;
    MetricLabels labels;
    double value;
  };
  explicit CapturingWriter(const std::set<std::string>& wanted) : wanted_(wanted) {}
  void family(std::string_view name, std::string_view, std::string_view) override {
    current_ = wanted_.count(std::string(name)) ? std::string(name) : std::string();
  }
  void sample(const MetricLabels& labels, double value) override {
    if (!current_.empty()) samples.push_back({current_, labels, value});
  }
  std::vector<Sample> samples;

 private:
  const std::set<std::string>& wanted_;
  std::string current_;
};

std::string series_key(const std::string& metric, const MetricLabels& labels) {
  std::string key = metric;
  for (const auto& [k, v] : labels) key += '\x1f' + k + '=' + v;
  return key;
}

}  // namespace

MetricsHistory::MetricsHistory(const MetricsRegistry& registry, std::set<std::string> families,
                               std::set<std::string> rate_families, int interval_s)
    : registry_(registry),
      interval_s_(interval_s > 0 ? interval_s : 10),
      points_(static_cast<size_t>(kWindowS / interval_s_)),
      families_(std::move(families)),
      rate_families_(std::move(rate_families)) {
  for (const auto& f : rate_families_) families_.insert(f);
}

MetricsHistory::~MetricsHistory() {
  if (timer_) g_source_remove(timer_);
}

void MetricsHistory::start() {
  if (timer_) return;
  sample_now(g_get_real_time() / 1000);
  timer_ = g_timeout_add_seconds(static_cast<guint>(interval_s_), [](gpointer self) -> gboolean {
    static_cast<MetricsHistory*>(self)->sample_now(g_get_real_time() / 1000);
    return G_SOURCE_CONTINUE;
  }, this);
}

void MetricsHistory::sample_now(int64_t unix_ms) {
  CapturingWriter w(families_);
  registry_.collect(w);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double elapsed_s = last_sample_ms_ ? static_cast<double>(unix_ms - last_sample_ms_) / 1000.0 : 0;
  times_.push_back(unix_ms);
  for (auto& [key, s] : series_) s.values.push_back(nan);
  std::set<std::string> present;
  for (const auto& sample : w.samples) {
    const std::string key = series_key(sample.metric, sample.labels);
    present.insert(key);
    double value = sample.value;
    if (rate_families_.count(sample.metric)) {
      auto last = last_counter_.find(key);
      value = last != last_counter_.end() && elapsed_s > 0 && sample.value >= last->second
                  ? (sample.value - last->second) / elapsed_s
                  : nan;
      last_counter_[key] = sample.value;
    }
    auto [it, inserted] = series_.try_emplace(key);
    Series& s = it->second;
    if (inserted) {
      s.metric = sample.metric;
      s.labels = sample.labels;
      s.values.assign(times_.size(), nan);
    }
    s.values.back() = value;
  }
  last_sample_ms_ = unix_ms;
  while (times_.size() > points_) {
    times_.pop_front();
    for (auto& [key, s] : series_) s.values.pop_front();
  }
  // A series with no value left in the window (a stream that ended an hour ago) goes.
  for (auto it = series_.begin(); it != series_.end();) {
    bool any = present.count(it->first) > 0;
    for (double v : it->second.values) any = any || !std::isnan(v);
    if (any) {
      ++it;
    } else {
      last_counter_.erase(it->first);
      it = series_.erase(it);
    }
  }
}

std::string MetricsHistory::json() const {
  JsonWriter w;
  w.begin_object().member("interval_s", interval_s_);
  w.key("t").begin_array();
  for (int64_t t : times_) w.value(t);
  w.end_array();
  w.key("series").begin_array();
  for (const auto& [key, s] : series_) {
    w.begin_object().member("metric", s.metric);
    w.key("labels").begin_object();
    for (const auto& [k, v] : s.labels) w.member(k, v);
    w.end_object();
    w.key("values").begin_array();
    for (double v : s.values) {
      if (std::isnan(v)) w.null();
      else w.value(v);
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return w.str();
}

}  // namespace kek::core::metrics
