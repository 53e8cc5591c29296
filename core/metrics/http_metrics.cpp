#include "metrics/http_metrics.h"

#include "metrics/text_format.h"

namespace kek::core::metrics {

void HttpMetrics::observe(const http::RequestRecord& r) {
  std::string area(r.area), route(r.route);
  ++requests_[{area, route, r.status}];
  auto& h = latency_[{area, route}];
  if (!h) h = std::make_unique<Histogram>();
  h->observe(r.duration_s);
  bytes_[area] += static_cast<uint64_t>(std::max<int64_t>(r.bytes, 0));
  if (r.area == "media") ++(!r.fast_path ? media_libsoup_ : r.read_from_disk ? media_fast_read_ : media_fast_);
}

void HttpMetrics::write(MetricsWriter& w) const {
  w.family("kek_http_requests_total", "counter", "HTTP requests answered, by area (api, media, webui), route and status");
  for (const auto& [key, n] : requests_) {
    const auto& [area, route, status] = key;
    w.sample({{"area", area}, {"route", route}, {"status", std::to_string(status)}}, static_cast<double>(n));
  }
  w.family("kek_http_response_bytes_total", "counter", "Response body bytes sent, by area");
  for (const auto& [area, n] : bytes_) w.sample({{"area", area}}, static_cast<double>(n));
  w.family("kek_http_media_answers_total", "counter",
           "Answers under /media/ by who gave them: the fast path from the page cache (fast_path), the fast path "
           "after reading what the page cache lacked on a reader thread (fast_path_read), libsoup (libsoup)");
  w.sample({{"via", "fast_path"}}, static_cast<double>(media_fast_));
  w.sample({{"via", "fast_path_read"}}, static_cast<double>(media_fast_read_));
  w.sample({{"via", "libsoup"}}, static_cast<double>(media_libsoup_));
}

void HttpMetrics::write_histograms(TextWriter& w) const {
  w.family("kek_http_request_duration_seconds", "histogram",
           "Time from a request's arrival to its last byte handed to the socket, by area and route");
  for (const auto& [key, h] : latency_) w.histogram({{"area", key.first}, {"route", key.second}}, *h);
}

}  // namespace kek::core::metrics
