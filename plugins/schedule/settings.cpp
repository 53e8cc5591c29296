#include "settings.h"

namespace kek::schedule {

Result<Settings> read_settings(const Args& args) {
  Settings s;
  auto creators = args.string("creators", s.creators);
  if (!creators) return creators.error();
  if (*creators != "users" && *creators != "admins")
    return Error{"schedule: creators must be users or admins", 400};
  s.creators = *creators;
  auto outputs = args.strings("outputs");
  if (!outputs) return outputs.error();
  if (!outputs->empty()) s.outputs = *outputs;
  auto segment = args.integer("segment_s", s.segment_s, 1, 30);
  if (!segment) return segment.error();
  s.segment_s = static_cast<int>(*segment);
  auto window = args.integer("window", s.window, 2, 100);
  if (!window) return window.error();
  s.window = static_cast<int>(*window);
  auto lead = args.integer("lead_ms", s.lead_ms, 0, 30000);
  if (!lead) return lead.error();
  s.lead_ms = *lead;
  auto ahead = args.integer("max_ahead_days", s.max_ahead_days, 1, 3660);
  if (!ahead) return ahead.error();
  s.max_ahead_days = *ahead;
  auto past = args.integer("feed_past_days", s.feed_past_days, 0, 3660);
  if (!past) return past.error();
  s.feed_past_days = *past;
  auto live = args.integer("live_default_duration_s", s.live_default_duration_s, 60, 86400);
  if (!live) return live.error();
  s.live_default_duration_s = *live;
  if (auto u = args.no_unknown_keys(); !u) return u.error();
  return s;
}

}  // namespace kek::schedule
