// The database as a plugin sees it: SQL with bound parameters only (never formatted into the
// text), rows of typed values. SQLite behind it today; the interface leaves room for PostgreSQL.
#pragma once

#include <kek/error.h>
#include <kek/search.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kek {

struct Blob {
  std::vector<uint8_t> bytes;
};
using DbValue = std::variant<std::monostate, int64_t, double, std::string, Blob>;

struct DbRow {
  std::vector<std::string> names;  // shared by all rows of a result in practice; small anyway
  std::vector<DbValue> values;

  const DbValue* find(std::string_view column) const {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == column) return &values[i];
    return nullptr;
  }
  bool is_null(std::string_view column) const {
    const DbValue* v = find(column);
    return !v || std::holds_alternative<std::monostate>(*v);
  }
  int64_t integer(std::string_view column, int64_t fallback = 0) const {
    const DbValue* v = find(column);
    if (v && std::holds_alternative<int64_t>(*v)) return std::get<int64_t>(*v);
    if (v && std::holds_alternative<double>(*v)) return static_cast<int64_t>(std::get<double>(*v));
    return fallback;
  }
  double real(std::string_view column, double fallback = 0) const {
    const DbValue* v = find(column);
    if (v && std::holds_alternative<double>(*v)) return std::get<double>(*v);
    if (v && std::holds_alternative<int64_t>(*v)) return static_cast<double>(std::get<int64_t>(*v));
    return fallback;
  }
  std::string text(std::string_view column, std::string fallback = {}) const {
    const DbValue* v = find(column);
    if (v && std::holds_alternative<std::string>(*v)) return std::get<std::string>(*v);
    return fallback;
  }
};
using DbRows = std::vector<DbRow>;

struct DbExecResult {
  int64_t changes = 0;
  int64_t last_insert_id = 0;
};

// A numbered schema step owned by one plugin; applied once, in order, recorded by the host.
struct Migration {
  int version;
  std::string sql;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Result<DbRows> query(std::string_view sql, const std::vector<DbValue>& params = {}) = 0;
  virtual Result<DbExecResult> exec(std::string_view sql, const std::vector<DbValue>& params = {}) = 0;
  // Runs body inside one transaction: committed when it returns ok, rolled back otherwise.
  virtual Status transaction(const std::function<Status()>& body) = 0;
  // A full-text index named `name` ([a-z0-9_], unique per plugin: "library_items") over
  // `fields`, created the first time it is asked for. Main thread only, like the rest.
  virtual Result<std::shared_ptr<SearchIndex>> search_index(const std::string& name,
                                                            const std::vector<std::string>& fields) {
    (void)name;
    (void)fields;
    return Error{"full-text search is not available on this database", 501};
  }

  // A connection of its own to the same database, for one thread a plugin owns (a writer that
  // batches writes off the main loop). This object stays bound to the main thread; the new one
  // may be used from any one thread at a time. In WAL mode readers on either connection never
  // wait for the other's writes; writers take turns (a busy timeout, not an error). Without
  // support: an error.
  virtual Result<std::unique_ptr<Database>> open_connection() {
    return Error{"this database offers no second connection", 501};
  }
};

}  // namespace kek
