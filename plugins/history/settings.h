// The history plugin's args, read once.
#pragma once

#include "views.h"

#include <kek/args.h>
#include <kek/error.h>

#include <cstdint>

namespace kek::history {

struct Settings {
  int64_t heartbeats_per_minute = 60;  // per browser session; a player sends ~6 (+ pause/seek)
  int64_t heartbeat_burst = 20;
  int64_t live_gap_s = 300;            // a pause longer than this starts a new live viewing
  ViewRules views;
};

Result<Settings> read_settings(const Args& args);

}  // namespace kek::history
