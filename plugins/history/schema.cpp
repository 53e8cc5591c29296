#include "schema.h"

namespace kek::history {

std::vector<Migration> schema_migrations() {
  return {
      {1,
       // One row per film a user started (session_key ''), and one per live viewing (session_key:
       // when it began). position_s is the film position, or for live the seconds watched.
       // sent_at is the client's clock of the stored report (the greatest wins); started_at and
       // updated_at are the server's (ms), for the list and its days.
       "CREATE TABLE history_entries ("
       " id INTEGER PRIMARY KEY,"
       " user_id INTEGER NOT NULL,"
       " kind TEXT NOT NULL CHECK (kind IN ('film', 'live')),"
       " item_id TEXT NOT NULL,"
       " session_key TEXT NOT NULL DEFAULT '',"
       " app TEXT NOT NULL DEFAULT '',"
       " owner TEXT NOT NULL DEFAULT '',"
       " position_s REAL NOT NULL DEFAULT 0,"
       " duration_s REAL NOT NULL DEFAULT 0,"
       " watched INTEGER NOT NULL DEFAULT 0,"
       " sent_at INTEGER NOT NULL,"
       " started_at INTEGER NOT NULL,"
       " updated_at INTEGER NOT NULL,"
       " UNIQUE (user_id, kind, item_id, session_key));"
       "CREATE INDEX history_entries_recent ON history_entries (user_id, updated_at, id);"
       "CREATE INDEX history_entries_item ON history_entries (kind, item_id);"
       // Users who paused their history (nothing is recorded for them meanwhile).
       "CREATE TABLE history_settings ("
       " user_id INTEGER PRIMARY KEY,"
       " paused INTEGER NOT NULL DEFAULT 0,"
       " updated_at INTEGER NOT NULL);"
       // How many times each film and live stream was watched (views, not viewers).
       "CREATE TABLE history_views ("
       " kind TEXT NOT NULL CHECK (kind IN ('film', 'live')),"
       " item_id TEXT NOT NULL,"
       " views INTEGER NOT NULL DEFAULT 0,"
       " PRIMARY KEY (kind, item_id));"},
  };
}

}  // namespace kek::history
