// kek::Database on one SQLite file: WAL mode, foreign keys on, prepared statements cached by
// their SQL text, and the per-plugin numbered migrations.
#pragma once

#include <kek/db.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace kek::core {

struct PluginMigrations {
  std::string plugin;
  std::vector<Migration> steps;
};

class SqliteDatabase : public Database {
 public:
  static Result<std::unique_ptr<SqliteDatabase>> open(const std::string& path);
  ~SqliteDatabase() override;

  Result<DbRows> query(std::string_view sql, const std::vector<DbValue>& params = {}) override;
  Result<DbExecResult> exec(std::string_view sql, const std::vector<DbValue>& params = {}) override;
  Status transaction(const std::function<Status()>& body) override;
  Result<std::shared_ptr<SearchIndex>> search_index(const std::string& name,
                                                    const std::vector<std::string>& fields) override;
  // Another SqliteDatabase on the same file (same pragmas; migrations are this one's job).
  Result<std::unique_ptr<Database>> open_connection() override;

  // Applies every step not yet recorded in kek_migrations, all in one transaction: when one
  // fails, nothing of this run stays and the error names plugin, number and SQLite's message.
  Status migrate(const std::vector<PluginMigrations>& all);
  // (plugin, version) pairs applied so far.
  Result<std::vector<std::pair<std::string, int>>> applied_migrations();

  const std::string& path() const { return path_; }
  // Sees how long each query/exec took, in seconds (metrics); called on the calling thread.
  void set_statement_observer(std::function<void(double)> observer) { statement_observer_ = std::move(observer); }

 private:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Result<sqlite3_stmt*> prepare(std::string_view sql);
  Status bind(sqlite3_stmt* stmt, const std::vector<DbValue>& params);
  Status exec_script(const std::string& sql);
  Error sqlite_error(std::string_view what) const;

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
  int transaction_depth_ = 0;
  std::function<void(double)> statement_observer_;
  bool immediate_transactions_ = false;  // connections from open_connection(): BEGIN IMMEDIATE
};

}  // namespace kek::core
