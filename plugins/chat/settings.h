// The chat plugin's args, read once.
#pragma once

#include <kek/args.h>
#include <kek/error.h>

#include <cstdint>

namespace kek::chat {

struct Settings {
  int64_t history = 200;           // messages replayed to someone who joins
  int64_t max_length = 500;        // characters per message
  int64_t rate_messages = 5;       // a user may send this many messages...
  int64_t rate_window_s = 10;      // ...in this many seconds (across all rooms)
  bool clickable_links = false;    // links are shown as text unless the server allows them
  int64_t max_rooms = 1000;        // rooms kept in memory; the quietest empty ones go first
  int64_t max_timeout_s = 7 * 24 * 3600;
};

Result<Settings> read_settings(const Args& args);

}  // namespace kek::chat
