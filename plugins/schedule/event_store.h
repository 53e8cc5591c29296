// The schedule plugin's tables: events, reminders and calendar feed tokens. Prepared SQL only,
// portable (no SQLite-only syntax). An EventStore is bound to one connection: the main one for
// the small reads by id on the main loop, the StoreQueue's own for the writes and listings.
#pragma once

#include "event.h"

#include <kek/db.h>
#include <kek/error.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kek::schedule {

std::vector<Migration> schema_migrations();

class EventStore {
 public:
  explicit EventStore(std::function<Database&()> db) : db_(std::move(db)) {}

  Status insert(const Event& e);
  // Only what its owner edits (texts, time, length, visibility, stream key; updated_at), and
  // SEQUENCE bumped in the table: a change queued meanwhile (a cancel, live_since) is kept.
  Status edit(const Event& e);
  // Cancelled now with the reason (SEQUENCE bumped), unless it already was.
  Status cancel(const std::string& id, int64_t now, const std::string& reason);
  // When its stream went live, unless that is known already.
  Status mark_live(const std::string& id, int64_t since);
  Status remove(const std::string& id);
  Result<std::optional<Event>> find(const std::string& id);
  // Events that overlap [from, to) (a premiere running across `from` included), by start.
  Result<std::vector<Event>> between(int64_t from, int64_t to);
  // Events not cancelled whose end is after `t` (what the scheduler arms timers for).
  Result<std::vector<Event>> not_over_after(int64_t t);
  Result<std::vector<Event>> of_item(const std::string& item_id);
  Result<std::vector<Event>> of_owner(int64_t owner_id);
  // The owner's events not cancelled whose end (a live event's window) is after `t`, by start,
  // at most `limit` of them: what "next on the poster" picks from.
  Result<std::vector<Event>> coming_of_owner(int64_t owner_id, int64_t t, int64_t limit);
  Result<std::vector<Event>> live_on_stream(const std::string& stream);

  // Reminders: the user hears when the event starts.
  Status remind(const std::string& event_id, int64_t user_id, int64_t now);
  Status forget(const std::string& event_id, int64_t user_id);
  Result<bool> reminded(const std::string& event_id, int64_t user_id);
  Result<std::vector<int64_t>> reminded_users(const std::string& event_id);
  Result<std::vector<Event>> reminded_events(int64_t user_id);
  Status drop_user(int64_t user_id);

  // The private feed: one token per user, stored as its SHA-256 only.
  Status set_feed_token(int64_t user_id, const std::string& token_hash, int64_t now);
  Status remove_feed_token(int64_t user_id);
  Result<std::optional<int64_t>> feed_user(const std::string& token_hash);
  Result<bool> has_feed_token(int64_t user_id);

 private:
  Result<std::vector<Event>> select(std::string_view where, const std::vector<DbValue>& params);
  std::function<Database&()> db_;
};

}  // namespace kek::schedule
