#include "settings.h"

namespace kek::history {

Result<Settings> read_settings(const Args& args) {
  Settings s;
  // The view rules are kept in milliseconds, configured in seconds.
  int64_t window_s = s.views.window_ms / 1000, after_s = s.views.after_ms / 1000;
  if (auto st = first_failure({args.read("heartbeats_per_minute", s.heartbeats_per_minute, 1, 100000000),
                               args.read("heartbeat_burst", s.heartbeat_burst, 1, 100000000),
                               args.read("live_gap_s", s.live_gap_s, 30, 86400),
                               args.read("view_window_s", window_s, 1, 30 * 86400),
                               args.read("view_after_s", after_s, 0, 3600),
                               args.read("anonymous_views_per_address", s.views.anonymous_per_address, 1, 1000000),
                               args.no_unknown_keys()});
      !st)
    return st.error();
  s.views.window_ms = window_s * 1000;
  s.views.after_ms = after_s * 1000;
  return s;
}

}  // namespace kek::history
