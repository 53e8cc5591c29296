#define G_LOG_DOMAIN "kek-db"
#include "db/sqlite_database.h"

#include <glib.h>
#include <sqlite3.h>

#include <algorithm>

namespace kek::core {

namespace {
// Resets a cached statement on every exit path so it can be reused.
struct StatementReset {
  sqlite3_stmt* stmt;
  ~StatementReset() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};
}  // namespace

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return Error{"database " + path + ": " + msg, 500};
  }
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(raw, path));
  sqlite3_busy_timeout(raw, 5000);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL"}) {
    if (auto s = db->exec_script(pragma); !s) return wrap(s.error(), "database " + path);
  }
  if (auto s = db->exec_script(
          "CREATE TABLE IF NOT EXISTS kek_migrations ("
          " plugin TEXT NOT NULL, version INTEGER NOT NULL,"
          " applied_at INTEGER NOT NULL DEFAULT (unixepoch()),"
          " PRIMARY KEY (plugin, version))");
      !s)
    return wrap(s.error(), "database " + path);
  return db;
}

Result<std::unique_ptr<Database>> SqliteDatabase::open_connection() {
  auto other = SqliteDatabase::open(path_);
  if (!other) return other.error();
  (*other)->immediate_transactions_ = true;
  return std::unique_ptr<Database>(std::move(*other));
}

SqliteDatabase::~SqliteDatabase() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Error SqliteDatabase::sqlite_error(std::string_view what) const {
  int code = sqlite3_extended_errcode(db_);
  int status = (code & 0xff) == SQLITE_CONSTRAINT ? 409 : 500;
  return Error{std::string(what) + ": " + sqlite3_errmsg(db_), status};
}

Status SqliteDatabase::exec_script(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    Error e{msg ? msg : "unknown SQLite error", 500};
    sqlite3_free(msg);
    return e;
  }
  return {};
}

Result<sqlite3_stmt*> SqliteDatabase::prepare(std::string_view sql) {
  if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         &tail) != SQLITE_OK)
    return sqlite_error("prepare");
  if (!stmt) return Error{"prepare: empty statement", 500};
  // One statement per call: a second one after ';' would be silently ignored otherwise.
  for (; tail && *tail; ++tail)
    if (!g_ascii_isspace(*tail) && *tail != ';') {
      sqlite3_finalize(stmt);
      return Error{"prepare: more than one statement in one call", 500};
    }
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

Status SqliteDatabase::bind(sqlite3_stmt* stmt, const std::vector<DbValue>& params) {
  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt))
    return Error{"bind: statement takes " + std::to_string(sqlite3_bind_parameter_count(stmt)) +
                     " parameters, got " + std::to_string(params.size()), 500};
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i) + 1;
    int rc = std::visit(
        [&](const auto& v) -> int {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) return sqlite3_bind_null(stmt, idx);
          else if constexpr (std::is_same_v<T, int64_t>) return sqlite3_bind_int64(stmt, idx, v);
          else if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(stmt, idx, v);
          else if constexpr (std::is_same_v<T, std::string>)
            return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
          else
            return sqlite3_bind_blob64(stmt, idx, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT);
        },
        params[i]);
    if (rc != SQLITE_OK) return sqlite_error("bind");
  }
  return {};
}

namespace {

// Reports a statement's duration when it goes out of scope, whichever way the call returns.
struct StatementTiming {
  const std::function<void(double)>& observer;
  int64_t started_us = g_get_monotonic_time();
  ~StatementTiming() {
    if (observer) observer(static_cast<double>(g_get_monotonic_time() - started_us) / 1e6);
  }
};

}  // namespace

Result<DbRows> SqliteDatabase::query(std::string_view sql, const std::vector<DbValue>& params) {
  StatementTiming timing{statement_observer_};
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  StatementReset reset{*stmt};
  if (auto s = bind(*stmt, params); !s) return s.error();
  DbRows rows;
  const int columns = sqlite3_column_count(*stmt);
  std::vector<std::string> names;
  for (int c = 0; c < columns; ++c) names.emplace_back(sqlite3_column_name(*stmt, c));
  for (;;) {
    int rc = sqlite3_step(*stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error("query");
    DbRow row;
    row.names = names;
    row.values.reserve(columns);
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(*stmt, c)) {
        case SQLITE_INTEGER: row.values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(*stmt, c))); break;
        case SQLITE_FLOAT: row.values.emplace_back(sqlite3_column_double(*stmt, c)); break;
        case SQLITE_TEXT:
          row.values.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(*stmt, c)),
                                              sqlite3_column_bytes(*stmt, c)));
          break;
        case SQLITE_BLOB: {
          auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(*stmt, c));
          row.values.emplace_back(Blob{std::vector<uint8_t>(p, p + sqlite3_column_bytes(*stmt, c))});
          break;
        }
        default: row.values.emplace_back(std::monostate{});
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<DbExecResult> SqliteDatabase::exec(std::string_view sql, const std::vector<DbValue>& params) {
  StatementTiming timing{statement_observer_};
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  StatementReset reset{*stmt};
  if (auto s = bind(*stmt, params); !s) return s.error();
  int rc;
  while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return sqlite_error("exec");
  return DbExecResult{sqlite3_changes64(db_), sqlite3_last_insert_rowid(db_)};
}

Status SqliteDatabase::transaction(const std::function<Status()>& body) {
  if (transaction_depth_ == 0 && immediate_transactions_) {
    // A second connection's transaction takes the write lock at its start (waiting for the
    // other connection's commit, within the busy timeout): a deferred one that read first
    // could not write after another connection committed in between (SQLITE_BUSY_SNAPSHOT).
    if (auto s = exec_script("BEGIN IMMEDIATE"); !s) return s;
    ++transaction_depth_;
    Status result = body();
    --transaction_depth_;
    if (result) {
      if (auto s = exec_script("COMMIT"); !s) result = s;
      else return result;
    }
    (void)exec_script("ROLLBACK");
    return result;
  }
  // Nested calls become savepoints so a plugin's helper can open its own transaction.
  const std::string name = "kek_tx" + std::to_string(transaction_depth_);
  if (auto s = exec_script("SAVEPOINT " + name); !s) return s;
  ++transaction_depth_;
  Status result = body();
  --transaction_depth_;
  if (result) {
    if (auto s = exec_script("RELEASE " + name); !s) result = s;
    else return result;
  }
  (void)exec_script("ROLLBACK TO " + name);
  (void)exec_script("RELEASE " + name);
  return result;
}

Result<std::vector<std::pair<std::string, int>>> SqliteDatabase::applied_migrations() {
  auto rows = query("SELECT plugin, version FROM kek_migrations ORDER BY plugin, version");
  if (!rows) return rows.error();
  std::vector<std::pair<std::string, int>> out;
  for (const auto& r : *rows) out.emplace_back(r.text("plugin"), static_cast<int>(r.integer("version")));
  return out;
}

Status SqliteDatabase::migrate(const std::vector<PluginMigrations>& all) {
  return transaction([&]() -> Status {
    for (const auto& plugin : all) {
      auto rows = query("SELECT coalesce(max(version), 0) AS v FROM kek_migrations WHERE plugin = ?",
                        {plugin.plugin});
      if (!rows) return rows.error();
      const int64_t current = rows->at(0).integer("v");
      std::vector<Migration> steps = plugin.steps;
      std::sort(steps.begin(), steps.end(), [](auto& a, auto& b) { return a.version < b.version; });
      for (const auto& step : steps) {
        if (step.version <= current) continue;
        if (auto s = exec_script(step.sql); !s)
          return Error{"migration " + std::to_string(step.version) + " of plugin " + plugin.plugin +
                           " failed: " + s.error().message, 500};
        auto r = exec("INSERT INTO kek_migrations (plugin, version) VALUES (?, ?)",
                      {plugin.plugin, int64_t{step.version}});
        if (!r) return r.error();
        g_message("database: applied migration %d of %s", step.version, plugin.plugin.c_str());
      }
    }
    return {};
  });
}

}  // namespace kek::core
