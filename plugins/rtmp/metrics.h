// The rtmp plugin's part of /metrics: live streams, and per stream (its public name, never the
// key) the ingest bitrate, bytes received and viewers.
#pragma once

#include "stream_registry.h"
#include "viewer_counter.h"

#include <kek/metrics.h>

namespace kek::rtmp {

void write_metrics(kek::MetricsWriter& w, const StreamRegistry& registry, ViewerCounter& viewers, int64_t now_us);

}  // namespace kek::rtmp
