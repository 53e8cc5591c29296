// The schedule plugin's args (plugins: [{name: schedule, args: {...}}]), read once at start.
#pragma once

#include <kek/args.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kek::schedule {

struct Settings {
  std::string creators = "users";             // who may put events on the poster: users | admins
  std::vector<std::string> outputs = {"hls"};  // what a premiere's live layout writes
  int segment_s = 2;                          // its live segments (cut at the film's keyframes)
  int window = 6;                             // segments its live playlist lists
  int64_t lead_ms = 2000;                     // a premiere's pipeline starts this early, to be on time
  int64_t max_ahead_days = 400;               // no events further ahead than this
  int64_t feed_past_days = 30;                // feeds keep past events this long
  int64_t live_default_duration_s = 3600;     // a live event's expected length when none is given
};

Result<Settings> read_settings(const Args& args);

}  // namespace kek::schedule
