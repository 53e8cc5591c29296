#include "presentation.h"

#include "fmp4.h"

#include <algorithm>

namespace kek::dash {

uint32_t timescale_of(bool video, const TrackConfig& c) {
  return video ? kVideoTimescale : static_cast<uint32_t>(c.rate > 0 ? c.rate : kAudioTimescaleFallback);
}

uint64_t RepresentationState::bandwidth() const {
  if (peak_bps) return peak_bps;
  if (declared_bps) return declared_bps;
  return video ? 1000000 : 128000;
}

uint64_t RepresentationState::average_bandwidth() const {
  return total_ns ? static_cast<uint64_t>(static_cast<unsigned __int128>(total_bits) * 1000000000 / total_ns) : 0;
}

void RepresentationState::add_segment(const ListedSegment& segment, const std::string& init_url,
                                      std::shared_ptr<const TrackConfig> config, uint64_t ept_ns,
                                      uint64_t segment_end_ns, uint64_t bits_per_second, unsigned window) {
  if (periods.empty() || periods.back().period != segment.period)
    periods.push_back({segment.period, init_url, std::move(config), ept_ns});
  listed.push_back(segment);
  while (window && listed.size() > window) listed.pop_front();
  peak_bps = std::max(peak_bps, bits_per_second);
  if (segment_end_ns > ept_ns) {
    total_ns += segment_end_ns - ept_ns;
    total_bits += static_cast<uint64_t>(static_cast<unsigned __int128>(bits_per_second) * (segment_end_ns - ept_ns) /
                                        1000000000);
  }
  end_ns = std::max(end_ns, segment_end_ns);
}

}  // namespace kek::dash
