#include "settings.h"

namespace kek::chat {

Result<Settings> read_settings(const Args& args) {
  Settings s;
  if (auto st = first_failure({args.read("history", s.history, 0, 10000), args.read("max_length", s.max_length, 1, 10000),
                               args.read("rate_messages", s.rate_messages, 1, 1000),
                               args.read("rate_window_s", s.rate_window_s, 1, 3600),
                               args.read("clickable_links", s.clickable_links),
                               args.read("max_rooms", s.max_rooms, 1, 1000000), args.no_unknown_keys()});
      !st)
    return st.error();
  return s;
}

}  // namespace kek::chat
