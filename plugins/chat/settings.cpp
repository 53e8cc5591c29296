#include "settings.h"

namespace kek::chat {

Result<Settings> read_settings(const Args& args) {
  Settings s;
  auto history = args.integer("history", s.history, 0, 10000);
  if (!history) return history.error();
  auto max_length = args.integer("max_length", s.max_length, 1, 10000);
  if (!max_length) return max_length.error();
  auto rate_messages = args.integer("rate_messages", s.rate_messages, 1, 1000);
  if (!rate_messages) return rate_messages.error();
  auto rate_window = args.integer("rate_window_s", s.rate_window_s, 1, 3600);
  if (!rate_window) return rate_window.error();
  auto links = args.boolean("clickable_links", s.clickable_links);
  if (!links) return links.error();
  auto rooms = args.integer("max_rooms", s.max_rooms, 1, 1000000);
  if (!rooms) return rooms.error();
  if (auto unknown = args.no_unknown_keys(); !unknown) return unknown.error();
  s.history = *history;
  s.max_length = *max_length;
  s.rate_messages = *rate_messages;
  s.rate_window_s = *rate_window;
  s.clickable_links = *links;
  s.max_rooms = *rooms;
  return s;
}

}  // namespace kek::chat
