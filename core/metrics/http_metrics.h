// HTTP requests by area, route and status, bytes served and a latency histogram, fed by the
// server's request observer (main thread) and written by a collector.
#pragma once

#include "http/request_log.h"
#include "metrics/histogram.h"

#include <kek/metrics.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>

namespace kek::core::metrics {

class HttpMetrics {
 public:
  void observe(const http::RequestRecord& r);
  void write(MetricsWriter& w) const;
  void write_histograms(class TextWriter& w) const;

 private:
  // (area, route, status) -> requests; (area, route) -> latency; area -> bytes.
  std::map<std::tuple<std::string, std::string, unsigned>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Histogram>> latency_;
  std::map<std::string, uint64_t> bytes_;
  // /media/ answers by who gave them: fast_path, fast_path_read (after reading in bytes the page
  // cache lacked, on a reader thread), libsoup.
  uint64_t media_fast_ = 0, media_fast_read_ = 0, media_libsoup_ = 0;
};

}  // namespace kek::core::metrics
