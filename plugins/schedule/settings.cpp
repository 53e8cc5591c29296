#include "settings.h"

namespace kek::schedule {

Result<Settings> read_settings(const Args& args) {
  Settings s;
  if (auto st = args.read("creators", s.creators); !st) return st.error();
  if (s.creators != "users" && s.creators != "admins") return Error{"schedule: creators must be users or admins", 400};
  auto outputs = args.strings("outputs");
  if (!outputs) return outputs.error();
  if (!outputs->empty()) s.outputs = *outputs;
  if (auto st = first_failure({args.read("segment_s", s.segment_s, 1, 30), args.read("window", s.window, 2, 100),
                               args.read("lead_ms", s.lead_ms, 0, 30000),
                               args.read("max_ahead_days", s.max_ahead_days, 1, 3660),
                               args.read("feed_past_days", s.feed_past_days, 0, 3660),
                               args.read("live_default_duration_s", s.live_default_duration_s, 60, 86400),
                               args.no_unknown_keys()});
      !st)
    return st.error();
  return s;
}

}  // namespace kek::schedule
