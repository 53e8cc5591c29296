#include "bandwidth.h"

namespace kek::hls {

namespace {
uint64_t bits_per_second(uint64_t bytes, uint64_t ns) {
  if (ns == 0) return 0;
  // bytes * 8e9 / ns without overflow for any realistic byte count (< 2^64 / 8e9 ~ 2.3 GB).
  return static_cast<uint64_t>(static_cast<double>(bytes) * 8e9 / static_cast<double>(ns));
}
}  // namespace

bool BandwidthMeter::add(uint64_t ts_ns, uint64_t duration_ns, uint64_t bytes) {
  bool closed = false;
  if (!in_window_) {
    in_window_ = true;
    window_start_ = ts_ns;
    last_end_ = ts_ns;
  } else if (ts_ns >= window_start_ + window_ns_) {
    // The window ends where this buffer starts; the buffer opens the next one.
    close_window(ts_ns, true);
    window_start_ = ts_ns;
    last_end_ = ts_ns;
    closed = true;
  } else if (ts_ns < window_start_) {
    // Timestamps went backwards without a segment event (B-frame PTS, a bad source): start over
    // rather than compute a negative span. The bytes so far stay in this window.
    window_start_ = ts_ns;
  }
  window_bytes_ += bytes;
  if (ts_ns + duration_ns > last_end_) last_end_ = ts_ns + duration_ns;
  return closed;
}

bool BandwidthMeter::finish() {
  if (!in_window_ || last_end_ <= window_start_) return false;
  uint64_t span = last_end_ - window_start_;
  close_window(last_end_, span * 2 >= window_ns_ || !rates_.measured);
  in_window_ = false;
  return true;
}

void BandwidthMeter::restart_window() {
  // What was counted so far is real data over a known span: it counts for the average. Too
  // short a span for a meaningful peak, though, so the peak ignores it.
  if (in_window_ && last_end_ > window_start_) close_window(last_end_, false);
  window_bytes_ = 0;
  in_window_ = false;
}

void BandwidthMeter::close_window(uint64_t end_ns, bool count_for_peak) {
  uint64_t span = end_ns - window_start_;
  if (count_for_peak) {
    uint64_t rate = bits_per_second(window_bytes_, span);
    if (rate > rates_.peak_bps) rates_.peak_bps = rate;
  }
  total_bytes_ += window_bytes_;
  total_ns_ += span;
  window_bytes_ = 0;
  rates_.average_bps = bits_per_second(total_bytes_, total_ns_);
  if (rates_.peak_bps < rates_.average_bps) rates_.peak_bps = rates_.average_bps;
  rates_.measured = true;
}

}  // namespace kek::hls
