#include "manifest_builder.h"

#include "periods.h"

#include <algorithm>
#include <climits>

namespace kek::dash {

namespace {
constexpr uint64_t kMsNs = 1'000'000;
constexpr uint64_t kSecondNs = 1'000'000'000;

uint64_t ticks_to_ns(uint64_t ticks, uint32_t timescale) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(ticks) * kSecondNs / timescale);
}
}  // namespace

Manifest build_manifest(std::span<const RepresentationState* const> reps, std::vector<PeriodState>& periods,
                        const ManifestParams& params) {
  Manifest m;
  m.live = params.live;
  m.availability_start_us = params.availability_start_us;
  m.publish_us = params.publish_us;
  m.target_duration_ns = params.target_ns;
  m.max_segment_ns = params.max_segment_ns;
  m.window = params.window;
  for (unsigned p = 0; p < periods.size(); ++p) {
    if (!period_settled(reps, p)) break;
    PeriodState& ps = periods[p];
    if (!ps.start_fixed) {
      uint64_t start = UINT64_MAX;
      for (const RepresentationState* t : reps)
        for (const auto& tp : t->periods)
          if (tp.period == p) start = std::min(start, tp.first_ept_ns);
      if (start == UINT64_MAX) continue;  // nobody wrote anything in it
      ps.start_ns = start / kMsNs * kMsNs;
      ps.start_fixed = true;
    }
    Period period;
    period.id = "p" + std::to_string(p);
    period.start_ns = ps.start_ns;
    for (const RepresentationState* t : reps) {
      auto tp = std::find_if(t->periods.begin(), t->periods.end(), [p](auto& x) { return x.period == p; });
      if (tp == t->periods.end()) continue;
      Representation r;
      r.id = t->name;
      r.video = t->video;
      const TrackConfig& c = *tp->config;
      r.codecs = c.codec;
      r.bandwidth = t->bandwidth();
      r.width = c.width;
      r.height = c.height;
      r.fps_num = c.fps_num;
      r.fps_den = c.fps_den;
      r.sample_rate = c.rate;
      r.channels = c.channels;
      r.language = t->language;
      r.label = t->label;
      r.timescale = timescale_of(t->video, c);
      r.initialization = t->name + "/" + tp->init_url;
      r.media = t->name + "/" + params.media_prefix + "-$Number$.m4s";
      for (const auto& l : t->listed)
        if (l.period == p) r.segments.push_back({l.number, l.t, l.d});
      if (!r.segments.empty()) period.representations.push_back(std::move(r));
    }
    if (period.representations.empty()) continue;  // slid out of the window
    m.periods.push_back(std::move(period));
  }
  if (!params.live && !m.periods.empty()) {
    // A static MPD starts at its first listed segment: the window may have dropped the beginning.
    auto& first = m.periods.front();
    uint64_t start = UINT64_MAX;
    for (const auto& r : first.representations)
      start = std::min(start, ticks_to_ns(r.segments.front().t, r.timescale));
    first.start_ns = std::max(first.start_ns, start / kMsNs * kMsNs);
    for (const RepresentationState* t : reps) m.end_ns = std::max(m.end_ns, t->end_ns);
  }
  return m;
}

}  // namespace kek::dash
