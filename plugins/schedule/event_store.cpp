#include "event_store.h"

namespace kek::schedule {
namespace {

constexpr const char* kColumns =
    "SELECT id, kind, owner_id, owner_username, item_id, stream_key_id, stream, title, description, poster_url,"
    " visibility, starts_at, duration_s, cancelled_at, cancel_reason, sequence, live_since, created_at, updated_at"
    " FROM schedule_events ";

DbValue optional_int(const std::optional<int64_t>& v) { return v ? DbValue{*v} : DbValue{}; }

Event event_of(const DbRow& r) {
  Event e;
  e.id = r.text("id");
  e.kind = parse_kind(r.text("kind")).value_or(Kind::premiere);
  e.owner_id = r.integer("owner_id");
  e.owner = r.text("owner_username");
  e.item_id = r.text("item_id");
  e.stream_key_id = r.integer("stream_key_id");
  e.stream = r.text("stream");
  e.title = r.text("title");
  e.description = r.text("description");
  e.poster_url = r.text("poster_url");
  e.visibility = parse_visibility(r.text("visibility")).value_or(Visibility::private_);
  e.starts_at = r.integer("starts_at");
  e.duration_s = r.integer("duration_s");
  if (!r.is_null("cancelled_at")) e.cancelled_at = r.integer("cancelled_at");
  e.cancel_reason = r.text("cancel_reason");
  e.sequence = static_cast<int>(r.integer("sequence"));
  if (!r.is_null("live_since")) e.live_since = r.integer("live_since");
  e.created_at = r.integer("created_at");
  e.updated_at = r.integer("updated_at");
  return e;
}

}  // namespace

std::vector<Migration> schema_migrations() {
  return {
      {1,
       "CREATE TABLE schedule_events ("
       "  id TEXT PRIMARY KEY,"
       "  kind TEXT NOT NULL,"
       "  owner_id INTEGER NOT NULL,"
       "  owner_username TEXT NOT NULL,"
       "  item_id TEXT,"
       "  stream_key_id INTEGER,"
       "  stream TEXT,"
       "  title TEXT NOT NULL,"
       "  description TEXT NOT NULL DEFAULT '',"
       "  poster_url TEXT NOT NULL DEFAULT '',"
       "  visibility TEXT NOT NULL,"
       "  starts_at INTEGER NOT NULL,"
       "  duration_s INTEGER NOT NULL,"
       "  cancelled_at INTEGER,"
       "  cancel_reason TEXT NOT NULL DEFAULT '',"
       "  sequence INTEGER NOT NULL DEFAULT 0,"
       "  live_since INTEGER,"
       "  created_at INTEGER NOT NULL,"
       "  updated_at INTEGER NOT NULL);"
       "CREATE INDEX schedule_events_by_start ON schedule_events (starts_at);"
       "CREATE INDEX schedule_events_by_item ON schedule_events (item_id);"
       "CREATE INDEX schedule_events_by_owner ON schedule_events (owner_id);"
       "CREATE TABLE schedule_reminders ("
       "  event_id TEXT NOT NULL,"
       "  user_id INTEGER NOT NULL,"
       "  created_at INTEGER NOT NULL,"
       "  PRIMARY KEY (event_id, user_id));"
       "CREATE INDEX schedule_reminders_by_user ON schedule_reminders (user_id);"
       "CREATE TABLE schedule_feed_tokens ("
       "  user_id INTEGER PRIMARY KEY,"
       "  token_hash TEXT NOT NULL UNIQUE,"
       "  created_at INTEGER NOT NULL);"},
  };
}

Status EventStore::insert(const Event& e) {
  auto r = db_().exec(
      "INSERT INTO schedule_events (id, kind, owner_id, owner_username, item_id, stream_key_id, stream, title,"
      " description, poster_url, visibility, starts_at, duration_s, cancelled_at, cancel_reason, sequence, live_since,"
      " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {e.id, to_string(e.kind), e.owner_id, e.owner, e.item_id.empty() ? DbValue{} : DbValue{e.item_id},
       e.stream_key_id ? DbValue{e.stream_key_id} : DbValue{}, e.stream.empty() ? DbValue{} : DbValue{e.stream}, e.title,
       e.description, e.poster_url, to_string(e.visibility), e.starts_at, e.duration_s, optional_int(e.cancelled_at),
       e.cancel_reason, int64_t{e.sequence}, optional_int(e.live_since), e.created_at, e.updated_at});
  if (!r) return wrap(r.error(), "schedule: add event");
  return {};
}

Status EventStore::edit(const Event& e) {
  auto r = db_().exec(
      "UPDATE schedule_events SET stream_key_id = ?, stream = ?, title = ?, description = ?, poster_url = ?,"
      " visibility = ?, starts_at = ?, duration_s = ?, sequence = sequence + 1, updated_at = ? WHERE id = ?",
      {e.stream_key_id ? DbValue{e.stream_key_id} : DbValue{}, e.stream.empty() ? DbValue{} : DbValue{e.stream}, e.title,
       e.description, e.poster_url, to_string(e.visibility), e.starts_at, e.duration_s, e.updated_at, e.id});
  if (!r) return wrap(r.error(), "schedule: edit event");
  return {};
}

Status EventStore::cancel(const std::string& id, int64_t now, const std::string& reason) {
  auto r = db_().exec(
      "UPDATE schedule_events SET cancelled_at = ?, cancel_reason = ?, sequence = sequence + 1, updated_at = ?"
      " WHERE id = ? AND cancelled_at IS NULL",
      {now, reason, now, id});
  if (!r) return wrap(r.error(), "schedule: cancel event");
  return {};
}

Status EventStore::mark_live(const std::string& id, int64_t since) {
  auto r = db_().exec("UPDATE schedule_events SET live_since = ? WHERE id = ? AND live_since IS NULL", {since, id});
  if (!r) return wrap(r.error(), "schedule: mark event live");
  return {};
}

Status EventStore::remove(const std::string& id) {
  return db_().transaction([&]() -> Status {
    if (auto r = db_().exec("DELETE FROM schedule_reminders WHERE event_id = ?", {id}); !r) return r.error();
    if (auto r = db_().exec("DELETE FROM schedule_events WHERE id = ?", {id}); !r) return r.error();
    return {};
  });
}

Result<std::vector<Event>> EventStore::select(std::string_view where, const std::vector<DbValue>& params) {
  auto rows = db_().query(std::string(kColumns) + std::string(where), params);
  if (!rows) return wrap(rows.error(), "schedule: read events");
  std::vector<Event> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(event_of(r));
  return out;
}

Result<std::optional<Event>> EventStore::find(const std::string& id) {
  auto events = select("WHERE id = ?", {id});
  if (!events) return events.error();
  if (events->empty()) return std::optional<Event>{};
  return std::optional<Event>{std::move(events->front())};
}

Result<std::vector<Event>> EventStore::between(int64_t from, int64_t to) {
  return select("WHERE starts_at < ? AND starts_at + duration_s > ? ORDER BY starts_at, id", {to, from});
}

Result<std::vector<Event>> EventStore::not_over_after(int64_t t) {
  return select("WHERE cancelled_at IS NULL AND starts_at + duration_s + ? > ? ORDER BY starts_at, id",
                {kLiveGraceS, t});
}

Result<std::vector<Event>> EventStore::of_item(const std::string& item_id) {
  return select("WHERE item_id = ? ORDER BY starts_at", {item_id});
}

Result<std::vector<Event>> EventStore::of_owner(int64_t owner_id) {
  return select("WHERE owner_id = ? ORDER BY starts_at", {owner_id});
}

Result<std::vector<Event>> EventStore::coming_of_owner(int64_t owner_id, int64_t t, int64_t limit) {
  return select("WHERE owner_id = ? AND cancelled_at IS NULL AND starts_at + duration_s + ? > ? ORDER BY starts_at, id LIMIT ?",
                {owner_id, kLiveGraceS, t, limit});
}

Result<std::vector<Event>> EventStore::live_on_stream(const std::string& stream) {
  return select("WHERE kind = 'live' AND stream = ? AND cancelled_at IS NULL ORDER BY starts_at", {stream});
}

Status EventStore::remind(const std::string& event_id, int64_t user_id, int64_t now) {
  auto exists = reminded(event_id, user_id);
  if (!exists) return exists.error();
  if (*exists) return {};
  auto r = db_().exec("INSERT INTO schedule_reminders (event_id, user_id, created_at) VALUES (?, ?, ?)",
                      {event_id, user_id, now});
  if (!r) return wrap(r.error(), "schedule: add reminder");
  return {};
}

Status EventStore::forget(const std::string& event_id, int64_t user_id) {
  auto r = db_().exec("DELETE FROM schedule_reminders WHERE event_id = ? AND user_id = ?", {event_id, user_id});
  if (!r) return wrap(r.error(), "schedule: remove reminder");
  return {};
}

Result<bool> EventStore::reminded(const std::string& event_id, int64_t user_id) {
  auto rows = db_().query("SELECT 1 AS x FROM schedule_reminders WHERE event_id = ? AND user_id = ?", {event_id, user_id});
  if (!rows) return rows.error();
  return !rows->empty();
}

Result<std::vector<int64_t>> EventStore::reminded_users(const std::string& event_id) {
  auto rows = db_().query("SELECT user_id FROM schedule_reminders WHERE event_id = ? ORDER BY user_id", {event_id});
  if (!rows) return rows.error();
  std::vector<int64_t> out;
  for (const auto& r : *rows) out.push_back(r.integer("user_id"));
  return out;
}

Result<std::vector<Event>> EventStore::reminded_events(int64_t user_id) {
  return select("WHERE id IN (SELECT event_id FROM schedule_reminders WHERE user_id = ?) ORDER BY starts_at", {user_id});
}

Status EventStore::drop_user(int64_t user_id) {
  return db_().transaction([&]() -> Status {
    if (auto r = db_().exec("DELETE FROM schedule_reminders WHERE user_id = ?", {user_id}); !r) return r.error();
    if (auto r = db_().exec("DELETE FROM schedule_feed_tokens WHERE user_id = ?", {user_id}); !r) return r.error();
    if (auto r = db_().exec("DELETE FROM schedule_reminders WHERE event_id IN (SELECT id FROM schedule_events WHERE owner_id = ?)",
                            {user_id});
        !r)
      return r.error();
    if (auto r = db_().exec("DELETE FROM schedule_events WHERE owner_id = ?", {user_id}); !r) return r.error();
    return {};
  });
}

Status EventStore::set_feed_token(int64_t user_id, const std::string& token_hash, int64_t now) {
  return db_().transaction([&]() -> Status {
    if (auto r = db_().exec("DELETE FROM schedule_feed_tokens WHERE user_id = ?", {user_id}); !r) return r.error();
    if (auto r = db_().exec("INSERT INTO schedule_feed_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)",
                            {user_id, token_hash, now});
        !r)
      return r.error();
    return {};
  });
}

Status EventStore::remove_feed_token(int64_t user_id) {
  auto r = db_().exec("DELETE FROM schedule_feed_tokens WHERE user_id = ?", {user_id});
  if (!r) return r.error();
  return {};
}

Result<std::optional<int64_t>> EventStore::feed_user(const std::string& token_hash) {
  auto rows = db_().query("SELECT user_id FROM schedule_feed_tokens WHERE token_hash = ?", {token_hash});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<int64_t>{};
  return std::optional<int64_t>{rows->front().integer("user_id")};
}

Result<bool> EventStore::has_feed_token(int64_t user_id) {
  auto rows = db_().query("SELECT 1 AS x FROM schedule_feed_tokens WHERE user_id = ?", {user_id});
  if (!rows) return rows.error();
  return !rows->empty();
}

}  // namespace kek::schedule
