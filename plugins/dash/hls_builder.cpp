#include "hls_builder.h"

#include <algorithm>
#include <map>

namespace kek::dash {

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
  for (const auto& l : rep.listed) {
    auto tp = period_of(l.period);
    if (tp == rep.periods.end() || !tp->config) continue;
    const uint32_t timescale = timescale_of(rep.video, *tp->config);
    HlsSegment s;
    s.uri = params.media_prefix + "-" + std::to_string(l.number) + ".m4s";
    s.duration_ns = static_cast<uint64_t>(static_cast<unsigned __int128>(l.d) * 1000000000 / timescale);
    s.map_uri = tp->init_url;
    s.discontinuity = l.period != previous;
    previous = l.period;
    p.segments.push_back(std::move(s));
  }
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
