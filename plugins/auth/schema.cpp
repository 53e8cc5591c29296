#include "schema.h"

namespace kek::auth {

std::vector<Migration> schema_migrations() {
  return {
      {1,
       // Names are unique without regard to case ("Alice" and "alice" are one account); the
       // spelling given at registration is kept for display.
       "CREATE TABLE auth_users ("
       " id INTEGER PRIMARY KEY,"
       " username TEXT NOT NULL,"
       " email TEXT NOT NULL DEFAULT '',"
       " password_hash TEXT NOT NULL,"
       " role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),"
       " display_name TEXT NOT NULL DEFAULT '',"
       " bio TEXT NOT NULL DEFAULT '',"
       " avatar_version INTEGER NOT NULL DEFAULT 0,"
       " created_at INTEGER NOT NULL);"
       "CREATE UNIQUE INDEX auth_users_username ON auth_users (username COLLATE NOCASE);"},
      {2,
       // Only a hash of the cookie's token is kept: a copy of the database logs nobody in.
       "CREATE TABLE auth_sessions ("
       " id INTEGER PRIMARY KEY,"
       " user_id INTEGER NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,"
       " token_hash TEXT NOT NULL UNIQUE,"
       " csrf_token TEXT NOT NULL,"
       " created_at INTEGER NOT NULL,"
       " last_seen_at INTEGER NOT NULL,"
       " expires_at INTEGER NOT NULL,"
       " user_agent TEXT NOT NULL DEFAULT '',"
       " remote TEXT NOT NULL DEFAULT '');"
       "CREATE INDEX auth_sessions_user ON auth_sessions (user_id);"},
      {3,
       // A revoked key keeps its row: its stream name stays taken and the visibility policy of
       // what it published stays in force.
       "CREATE TABLE auth_stream_keys ("
       " id INTEGER PRIMARY KEY,"
       " user_id INTEGER NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,"
       " name TEXT NOT NULL,"
       " stream TEXT NOT NULL UNIQUE,"
       " key_hash TEXT NOT NULL UNIQUE,"
       " key_hint TEXT NOT NULL,"
       " visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'unlisted', 'private')),"
       " allowed TEXT NOT NULL DEFAULT '[]',"
       " created_at INTEGER NOT NULL,"
       " last_used_at INTEGER,"
       " revoked_at INTEGER);"
       "CREATE INDEX auth_stream_keys_user ON auth_stream_keys (user_id);"},
      {4,
       "CREATE TABLE auth_invites ("
       " id INTEGER PRIMARY KEY,"
       " code_hash TEXT NOT NULL UNIQUE,"
       " created_by INTEGER REFERENCES auth_users (id) ON DELETE SET NULL,"
       " created_at INTEGER NOT NULL,"
       " expires_at INTEGER NOT NULL,"
       " used_by INTEGER REFERENCES auth_users (id) ON DELETE SET NULL,"
       " used_at INTEGER);"
       "CREATE TABLE auth_groups ("
       " id INTEGER PRIMARY KEY,"
       " name TEXT NOT NULL,"
       " created_at INTEGER NOT NULL);"
       "CREATE UNIQUE INDEX auth_groups_name ON auth_groups (name COLLATE NOCASE);"
       "CREATE TABLE auth_group_members ("
       " group_id INTEGER NOT NULL REFERENCES auth_groups (id) ON DELETE CASCADE,"
       " user_id INTEGER NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,"
       " PRIMARY KEY (group_id, user_id));"},
      {5,
       // The owner's choice, per key: also write what this key publishes to a recording.
       "ALTER TABLE auth_stream_keys ADD COLUMN record INTEGER NOT NULL DEFAULT 0;"},
      {6,
       // Media folders of deleted accounts: nobody may fetch them any more (the stream keys that
       // held their policies are gone with the account; without this they would turn public).
       "CREATE TABLE auth_media_tombstones ("
       " prefix TEXT PRIMARY KEY,"
       " former_owner TEXT NOT NULL,"
       " created_at INTEGER NOT NULL);"},
      {7,
       // Accounts are never removed, only marked deleted (their personal data wiped): their id
       // is never given to another account and their name stays reserved, so nothing granted
       // to them passes to a newcomer. Grants in auth_stream_keys.allowed name accounts by id
       // from here on ("user:<id>"). tokens_not_before: signed URLs issued earlier are dead.
       "ALTER TABLE auth_users ADD COLUMN deleted_at INTEGER;"
       "ALTER TABLE auth_users ADD COLUMN tokens_not_before INTEGER NOT NULL DEFAULT 0;"},
      {8,
       // Names a key streamed under before it was made unlisted (and renamed to an unguessable
       // name): they stay the key's, under its policy, and are never handed out again.
       "CREATE TABLE auth_former_streams ("
       " stream TEXT PRIMARY KEY,"
       " key_id INTEGER NOT NULL REFERENCES auth_stream_keys (id) ON DELETE CASCADE,"
       " created_at INTEGER NOT NULL);"},
      {9,
       // An admin disabled the account: it cannot sign in and its stream keys are refused at
       // publish until an admin enables it again (its sessions ended when it was disabled).
       "ALTER TABLE auth_users ADD COLUMN disabled_at INTEGER;"},
  };
}

}  // namespace kek::auth
