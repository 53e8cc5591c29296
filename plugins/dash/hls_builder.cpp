#include "hls_builder.h"

#include <algorithm>
#include <cstdint>
#include <map>

namespace kek::dash {

std::string hls_part_uri(const std::string& media_prefix, uint64_t number, size_t part) {
  return media_prefix + "-" + std::to_string(number) + "." + std::to_string(part) + ".m4s";
}

HlsPosition hls_position(const RepresentationState& rep) {
  HlsPosition at;
  // Media Sequence Numbers start at 0 for segment 1.
  if (!rep.open_parts.empty()) {
    at.msn = rep.next_number - 1;
    at.part = static_cast<int64_t>(rep.open_parts.size()) - 1;
  } else if (!rep.listed.empty()) {
    at.msn = rep.listed.back().number - 1;
    at.part = static_cast<int64_t>(rep.listed.back().parts.size()) - 1;
  }
  return at;
}

HlsMediaPlaylist build_hls_media(const RepresentationState& rep, const HlsParams& params) {
  HlsMediaPlaylist p;
  p.target_s = static_cast<unsigned>(std::max<uint64_t>(1, (params.target_ns + 500000000) / 1000000000));
  p.event = params.event;
  p.ended = params.ended;
  if (!rep.listed.empty()) p.media_sequence = rep.listed.front().number - 1;
  auto period_of = [&](unsigned period) {
    return std::find_if(rep.periods.begin(), rep.periods.end(), [period](auto& tp) { return tp.period == period; });
  };
  if (!rep.listed.empty()) {
    // Each Period this Representation wrote in before the first listed segment was one
    // discontinuity that slid out.
    auto first = period_of(rep.listed.front().period);
    p.discontinuity_sequence = static_cast<uint64_t>(first - rep.periods.begin());
  }
  unsigned previous = rep.listed.empty() ? 0 : rep.listed.front().period;
  // LL-HLS: parts at the live edge only (RFC 8216bis 4.4.4.9: gone once three target durations
  // old); the segments stay listed whole.
  const size_t parts_from = params.part_target_ns == 0 ? SIZE_MAX
                            : rep.listed.size() > params.part_segments ? rep.listed.size() - params.part_segments
                                                                       : 0;
  for (size_t i = 0; i < rep.listed.size(); ++i) {
    const ListedSegment& l = rep.listed[i];
    auto tp = period_of(l.period);
    if (tp == rep.periods.end() || !tp->config) continue;
    const uint32_t timescale = timescale_of(rep.video, *tp->config);
    HlsSegment s;
    s.uri = params.media_prefix + "-" + std::to_string(l.number) + ".m4s";
    s.duration_ns = static_cast<uint64_t>(static_cast<unsigned __int128>(l.d) * 1000000000 / timescale);
    s.map_uri = tp->init_url;
    if (params.availability_start_us)
      s.program_date_time_us = *params.availability_start_us +
                               static_cast<int64_t>(static_cast<unsigned __int128>(l.t) * 1000000 / timescale);
    s.discontinuity = l.period != previous;
    previous = l.period;
    if (i >= parts_from)
      for (size_t k = 0; k < l.parts.size(); ++k)
        s.parts.push_back({hls_part_uri(params.media_prefix, l.number, k), l.parts[k].duration_ns, l.parts[k].independent});
    p.segments.push_back(std::move(s));
  }
  if (params.part_target_ns == 0) return p;
  HlsLowLatency& ll = p.low_latency;
  ll.part_target_ns = params.part_target_ns;
  if (params.ended) return p;
  for (size_t k = 0; k < rep.open_parts.size(); ++k)
    ll.open_parts.push_back({hls_part_uri(params.media_prefix, rep.next_number, k), rep.open_parts[k].duration_ns,
                             rep.open_parts[k].independent});
  ll.open_map_uri = params.open_map_uri;
  ll.open_discontinuity = !rep.listed.empty() && rep.period != rep.listed.back().period;
  ll.preload_hint_uri = hls_part_uri(params.media_prefix, rep.next_number, rep.open_parts.size());
  ll.reports = params.reports;
  return p;
}

HlsMaster build_hls_master(std::span<const RepresentationState* const> reps) {
  HlsMaster m;
  std::map<std::string, int> names;
  for (const RepresentationState* r : reps) {
    if (r->periods.empty() || !r->periods.back().config) continue;
    const TrackConfig& c = *r->periods.back().config;
    if (r->video) {
      m.variants.push_back({hls_media_path(r->name), r->bandwidth(), r->average_bandwidth(), c.width, c.height,
                            c.fps_num, c.fps_den, c.codec});
    } else {
      std::string name = r->label.empty() ? "Audio" : r->label;
      if (int n = ++names[name]; n > 1) name += " " + std::to_string(n);
      m.audio.push_back({hls_media_path(r->name), name, r->language, c.channels, m.audio.empty(), c.codec,
                         r->bandwidth()});
    }
  }
  return m;
}

}  // namespace kek::dash
