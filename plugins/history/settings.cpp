#include "settings.h"

namespace kek::history {

Result<Settings> read_settings(const Args& args) {
  Settings s;
  auto per_minute = args.integer("heartbeats_per_minute", s.heartbeats_per_minute, 1, 100000000);
  if (!per_minute) return per_minute.error();
  s.heartbeats_per_minute = *per_minute;
  auto burst = args.integer("heartbeat_burst", s.heartbeat_burst, 1, 100000000);
  if (!burst) return burst.error();
  s.heartbeat_burst = *burst;
  auto gap = args.integer("live_gap_s", s.live_gap_s, 30, 86400);
  if (!gap) return gap.error();
  s.live_gap_s = *gap;
  auto window = args.integer("view_window_s", s.views.window_ms / 1000, 1, 30 * 86400);
  if (!window) return window.error();
  s.views.window_ms = *window * 1000;
  auto after = args.integer("view_after_s", s.views.after_ms / 1000, 0, 3600);
  if (!after) return after.error();
  s.views.after_ms = *after * 1000;
  auto per_address = args.integer("anonymous_views_per_address", s.views.anonymous_per_address, 1, 1000000);
  if (!per_address) return per_address.error();
  s.views.anonymous_per_address = *per_address;
  if (auto st = args.no_unknown_keys(); !st) return st.error();
  return s;
}

}  // namespace kek::history
