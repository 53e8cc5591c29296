#include "entries.h"

#include <glib.h>

#include <algorithm>
#include <cstdlib>

namespace kek::history {
namespace {

constexpr const char* kEntryColumns =
    "SELECT id, kind, item_id, app, owner, position_s, duration_s, watched, sent_at, started_at, updated_at"
    " FROM history_entries ";

Entry entry_from_row(const DbRow& row) {
  Entry e;
  e.id = row.integer("id");
  e.kind = row.text("kind");
  e.item_id = row.text("item_id");
  e.app = row.text("app");
  e.owner = row.text("owner");
  e.position_s = row.real("position_s");
  e.duration_s = row.real("duration_s");
  e.watched = row.integer("watched") != 0;
  e.sent_at_ms = row.integer("sent_at");
  e.started_ms = row.integer("started_at");
  e.updated_ms = row.integer("updated_at");
  return e;
}

std::vector<Entry> entries_from(const DbRows& rows) {
  std::vector<Entry> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(entry_from_row(row));
  return out;
}

Status done_or(const Result<DbExecResult>& r, const char* what) {
  if (!r) return wrap(r.error(), what);
  return {};
}

// "<updated_at>.<id>": where the previous page ended.
std::string make_cursor(const Entry& last) { return std::to_string(last.updated_ms) + "." + std::to_string(last.id); }

std::optional<std::pair<int64_t, int64_t>> parse_cursor(const std::string& text) {
  const size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 >= text.size() || text.size() > 40) return std::nullopt;
  for (size_t i = 0; i < text.size(); ++i)
    if (i != dot && !g_ascii_isdigit(text[i])) return std::nullopt;
  return std::make_pair(std::strtoll(text.c_str(), nullptr, 10), std::strtoll(text.c_str() + dot + 1, nullptr, 10));
}

}  // namespace

Status write_position(Database& db, const PositionWrite& w) {
  return done_or(
      db.exec("INSERT INTO history_entries"
              " (user_id, kind, item_id, session_key, position_s, duration_s, watched, sent_at, started_at, updated_at)"
              " VALUES (?, 'film', ?, '', ?, ?, ?, ?, ?, ?)"
              " ON CONFLICT (user_id, kind, item_id, session_key) DO UPDATE SET"
              " position_s = excluded.position_s, duration_s = excluded.duration_s,"
              " watched = CASE WHEN excluded.watched = 1 THEN 1 ELSE history_entries.watched END,"
              " sent_at = excluded.sent_at, updated_at = excluded.updated_at"
              " WHERE excluded.sent_at > history_entries.sent_at",
              {w.user_id, w.item_id, w.position_s, w.duration_s, int64_t{w.watched ? 1 : 0}, w.sent_at_ms,
               w.received_ms, w.received_ms}),
      "store a position");
}

Result<std::optional<Entry>> find_film(Database& db, int64_t user_id, const std::string& item_id) {
  auto rows = db.query(std::string(kEntryColumns) + "WHERE user_id = ? AND kind = 'film' AND item_id = ? AND session_key = ''",
                       {user_id, item_id});
  if (!rows) return wrap(rows.error(), "read a position");
  if (rows->empty()) return std::optional<Entry>{};
  return std::optional<Entry>{entry_from_row(rows->front())};
}

Status add_live(Database& db, const LiveWrite& w, int64_t gap_ms) {
  auto rows = db.query(
      "SELECT id, updated_at, sent_at FROM history_entries WHERE user_id = ? AND kind = 'live' AND item_id = ?"
      " ORDER BY updated_at DESC, id DESC LIMIT 1",
      {w.user_id, w.stream});
  if (!rows) return wrap(rows.error(), "read a live viewing");
  if (!rows->empty() && w.received_ms - rows->front().integer("updated_at") <= gap_ms) {
    const DbRow& last = rows->front();
    // Two players of one account on one stream add up to no more than the time that passed.
    const double since_last_s = static_cast<double>(std::max<int64_t>(0, w.received_ms - last.integer("updated_at"))) / 1000.0;
    const double played = std::min(w.played_s, since_last_s + 15.0);
    return done_or(db.exec("UPDATE history_entries SET position_s = position_s + ?, updated_at = ?,"
                           " sent_at = CASE WHEN ? > sent_at THEN ? ELSE sent_at END, owner = ?"
                           " WHERE id = ?",
                           {played, w.received_ms, w.sent_at_ms, w.sent_at_ms, w.owner, last.integer("id")}),
                   "add to a live viewing");
  }
  return done_or(db.exec("INSERT INTO history_entries"
                         " (user_id, kind, item_id, session_key, app, owner, position_s, sent_at, started_at, updated_at)"
                         " VALUES (?, 'live', ?, ?, ?, ?, ?, ?, ?, ?)",
                         {w.user_id, w.stream, std::to_string(w.received_ms), w.app, w.owner, w.played_s, w.sent_at_ms,
                          w.received_ms, w.received_ms}),
                 "start a live viewing");
}

Result<EntryPage> list_entries(Database& db, int64_t user_id, const std::optional<std::string>& cursor, int limit) {
  limit = std::clamp(limit, 1, 100);
  Result<DbRows> rows = DbRows{};
  if (cursor) {
    auto at = parse_cursor(*cursor);
    if (!at) return Error{"'cursor' is not one this server gave out", 400, "invalid_cursor"};
    rows = db.query(std::string(kEntryColumns) +
                        "WHERE user_id = ? AND (updated_at < ? OR (updated_at = ? AND id < ?))"
                        " ORDER BY updated_at DESC, id DESC LIMIT ?",
                    {user_id, at->first, at->first, at->second, int64_t{limit + 1}});
  } else {
    rows = db.query(std::string(kEntryColumns) + "WHERE user_id = ? ORDER BY updated_at DESC, id DESC LIMIT ?",
                    {user_id, int64_t{limit + 1}});
  }
  if (!rows) return wrap(rows.error(), "list history");
  EntryPage page;
  page.entries = entries_from(*rows);
  if (page.entries.size() > static_cast<size_t>(limit)) {
    page.entries.resize(static_cast<size_t>(limit));
    page.next_cursor = make_cursor(page.entries.back());
  }
  return page;
}

Result<std::vector<Entry>> all_entries(Database& db, int64_t user_id) {
  auto rows = db.query(std::string(kEntryColumns) + "WHERE user_id = ? ORDER BY updated_at DESC, id DESC", {user_id});
  if (!rows) return wrap(rows.error(), "export history");
  return entries_from(*rows);
}

Result<std::vector<Entry>> film_entries(Database& db, int64_t user_id, const std::vector<std::string>& item_ids) {
  std::vector<Entry> out;
  for (const auto& id : item_ids) {
    auto e = find_film(db, user_id, id);
    if (!e) return e.error();
    if (*e) out.push_back(std::move(**e));
  }
  return out;
}

Result<int64_t> delete_film(Database& db, int64_t user_id, const std::string& item_id) {
  auto r = db.exec("DELETE FROM history_entries WHERE user_id = ? AND kind = 'film' AND item_id = ?", {user_id, item_id});
  if (!r) return wrap(r.error(), "remove from history");
  return r->changes;
}

Result<int64_t> delete_entry(Database& db, int64_t user_id, int64_t entry_id) {
  auto r = db.exec("DELETE FROM history_entries WHERE user_id = ? AND id = ?", {user_id, entry_id});
  if (!r) return wrap(r.error(), "remove from history");
  return r->changes;
}

Result<int64_t> clear_history(Database& db, int64_t user_id) {
  auto r = db.exec("DELETE FROM history_entries WHERE user_id = ?", {user_id});
  if (!r) return wrap(r.error(), "clear history");
  return r->changes;
}

Status forget_film(Database& db, const std::string& item_id) {
  if (auto s = done_or(db.exec("DELETE FROM history_entries WHERE kind = 'film' AND item_id = ?", {item_id}), "forget a film"); !s)
    return s;
  return done_or(db.exec("DELETE FROM history_views WHERE kind = 'film' AND item_id = ?", {item_id}), "forget a film's views");
}

Status forget_user(Database& db, int64_t user_id) {
  if (auto s = done_or(db.exec("DELETE FROM history_entries WHERE user_id = ?", {user_id}), "forget a user"); !s) return s;
  return done_or(db.exec("DELETE FROM history_settings WHERE user_id = ?", {user_id}), "forget a user's settings");
}

Result<std::vector<int64_t>> users_with_history(Database& db) {
  auto rows = db.query("SELECT user_id FROM history_entries UNION SELECT user_id FROM history_settings");
  if (!rows) return wrap(rows.error(), "list users with history");
  std::vector<int64_t> ids;
  for (const auto& row : *rows) ids.push_back(row.integer("user_id"));
  return ids;
}

Status mark_watched(Database& db, int64_t user_id, const std::string& item_id, bool watched, double duration_s,
                    int64_t sent_at_ms, int64_t now_ms) {
  auto existing = find_film(db, user_id, item_id);
  if (!existing) return existing.error();
  const double duration = duration_s > 0 ? duration_s : (*existing ? (*existing)->duration_s : 0);
  const double position = watched ? duration : 0;
  if (!*existing) {
    if (!watched) return {};  // nothing to unmark
    return done_or(db.exec("INSERT INTO history_entries"
                           " (user_id, kind, item_id, session_key, position_s, duration_s, watched, sent_at, started_at, updated_at)"
                           " VALUES (?, 'film', ?, '', ?, ?, 1, ?, ?, ?)",
                           {user_id, item_id, position, duration, sent_at_ms, now_ms, now_ms}),
                   "mark watched");
  }
  // A mark is a report like the player's, so a later heartbeat still wins over it; but the
  // mark itself is what the user just asked for, so it applies even when the stored report was
  // sent (by a fast clock) later: it then takes that report's time.
  const int64_t sent = std::max(sent_at_ms, (*existing)->sent_at_ms + 1);
  return done_or(db.exec("UPDATE history_entries SET watched = ?, position_s = ?, duration_s = ?, sent_at = ?, updated_at = ?"
                         " WHERE id = ?",
                         {int64_t{watched ? 1 : 0}, position, duration, sent, now_ms, (*existing)->id}),
                 watched ? "mark watched" : "mark unwatched");
}

Result<std::vector<int64_t>> paused_users(Database& db) {
  auto rows = db.query("SELECT user_id FROM history_settings WHERE paused = 1");
  if (!rows) return wrap(rows.error(), "read paused histories");
  std::vector<int64_t> ids;
  for (const auto& row : *rows) ids.push_back(row.integer("user_id"));
  return ids;
}

Status set_paused(Database& db, int64_t user_id, bool paused, int64_t now_ms) {
  return done_or(db.exec("INSERT INTO history_settings (user_id, paused, updated_at) VALUES (?, ?, ?)"
                         " ON CONFLICT (user_id) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at",
                         {user_id, int64_t{paused ? 1 : 0}, now_ms}),
                 "pause history");
}

Status add_view(Database& db, const std::string& kind, const std::string& item_id) {
  return done_or(db.exec("INSERT INTO history_views (kind, item_id, views) VALUES (?, ?, 1)"
                         " ON CONFLICT (kind, item_id) DO UPDATE SET views = history_views.views + 1",
                         {kind, item_id}),
                 "count a view");
}

Result<std::vector<std::pair<std::string, int64_t>>> view_counts(Database& db, const std::string& kind,
                                                                  const std::vector<std::string>& item_ids) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& id : item_ids) {
    auto rows = db.query("SELECT views FROM history_views WHERE kind = ? AND item_id = ?", {kind, id});
    if (!rows) return wrap(rows.error(), "read view counts");
    if (!rows->empty()) out.emplace_back(id, rows->front().integer("views"));
  }
  return out;
}

}  // namespace kek::history
