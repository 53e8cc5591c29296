#include "metrics.h"

namespace kek::rtmp {

void write_metrics(kek::MetricsWriter& w, const StreamRegistry& registry, ViewerCounter& viewers, int64_t now_us) {
  const auto streams = registry.list();
  int live = 0, reconnecting = 0;
  for (const auto& s : streams) (s.reconnecting ? reconnecting : live)++;
  w.family("kek_live_streams", "gauge", "Streams being published over RTMP (reconnecting: waiting for the publisher)");
  w.sample({{"state", "live"}}, live);
  w.sample({{"state", "reconnecting"}}, reconnecting);
  w.family("kek_stream_ingest_bytes_per_second", "gauge", "Ingest rate of each live stream over the last seconds (x8: its bitrate)");
  for (const auto& s : streams) w.sample({{"app", s.app}, {"stream", s.stream}}, static_cast<double>(s.bitrate_kbps) * 1000 / 8);
  w.family("kek_stream_ingest_bytes_total", "counter", "Bytes of media received for each live stream in this session");
  for (const auto& s : streams) w.sample({{"app", s.app}, {"stream", s.stream}}, static_cast<double>(s.bytes));
  w.family("kek_stream_viewers", "gauge", "Distinct clients that fetched a segment of each live stream in the last 30 s");
  for (const auto& s : streams) w.sample({{"app", s.app}, {"stream", s.stream}}, viewers.count(s.app, s.stream, now_us));
}

}  // namespace kek::rtmp
