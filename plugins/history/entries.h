// The history tables' SQL: every function takes the Database it runs on (the Store's own
// connection, on its thread). Portable SQL only, bound parameters only.
#pragma once

#include "store.h"

#include <kek/db.h>
#include <kek/error.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kek::history {

inline constexpr const char* kFilm = "film";
inline constexpr const char* kLive = "live";

struct Entry {
  int64_t id = 0;
  std::string kind;     // "film" | "live"
  std::string item_id;  // film: the library item; live: the stream name
  std::string app;      // live: the RTMP app ("live")
  std::string owner;    // live: whose stream it was
  double position_s = 0;  // film: the position; live: seconds watched
  double duration_s = 0;  // film only
  bool watched = false;
  int64_t sent_at_ms = 0;
  int64_t started_ms = 0;
  int64_t updated_ms = 0;
};

struct EntryPage {
  std::vector<Entry> entries;
  std::optional<std::string> next_cursor;
};

// The ordering rule in SQL: an upsert that changes the row only when the report was sent later.
Status write_position(Database& db, const PositionWrite& w);
Result<std::optional<Entry>> find_film(Database& db, int64_t user_id, const std::string& item_id);

struct LiveWrite {
  int64_t user_id = 0;
  std::string stream;
  std::string app;
  std::string owner;
  double played_s = 0;
  int64_t sent_at_ms = 0;
  int64_t received_ms = 0;
};
// Adds to the user's current viewing of the stream (its last report at most gap_ms ago), or
// starts a new one. Never more than the wall-clock time since the last report (and some slack).
Status add_live(Database& db, const LiveWrite& w, int64_t gap_ms);

// Newest first; cursor is a previous page's next_cursor (400 when it is not one).
Result<EntryPage> list_entries(Database& db, int64_t user_id, const std::optional<std::string>& cursor, int limit);
Result<std::vector<Entry>> all_entries(Database& db, int64_t user_id);
// The user's entries of these films (those that have one), in the order of item_ids.
Result<std::vector<Entry>> film_entries(Database& db, int64_t user_id, const std::vector<std::string>& item_ids);

Result<int64_t> delete_film(Database& db, int64_t user_id, const std::string& item_id);
Result<int64_t> delete_entry(Database& db, int64_t user_id, int64_t entry_id);
Result<int64_t> clear_history(Database& db, int64_t user_id);
// Everything kept about one film (it was deleted from the library): entries and view count.
Status forget_film(Database& db, const std::string& item_id);
// Everything kept about one account (it was deleted).
Status forget_user(Database& db, int64_t user_id);
Result<std::vector<int64_t>> users_with_history(Database& db);

// By hand: watched (position at the end) or not (position back to the start). sent_at orders
// it among the player's reports like any other.
Status mark_watched(Database& db, int64_t user_id, const std::string& item_id, bool watched, double duration_s,
                    int64_t sent_at_ms, int64_t now_ms);

Result<std::vector<int64_t>> paused_users(Database& db);
Status set_paused(Database& db, int64_t user_id, bool paused, int64_t now_ms);

Status add_view(Database& db, const std::string& kind, const std::string& item_id);
// item id -> views, for the ids that have any.
Result<std::vector<std::pair<std::string, int64_t>>> view_counts(Database& db, const std::string& kind,
                                                                  const std::vector<std::string>& item_ids);

}  // namespace kek::history
