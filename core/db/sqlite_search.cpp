// kek::SearchIndex on SQLite FTS5: one virtual table kek_search_<name> (id UNINDEXED, fields...),
// the unicode61 tokenizer without diacritics, every query word a quoted prefix term, bm25 rank.
#include "db/sqlite_database.h"

#include <glib.h>

#include <memory>
#include <string>
#include <vector>

namespace kek::core {
namespace {

bool is_plain_name(const std::string& name) {
  if (name.empty() || name.size() > 48) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// "Die Hard 2" -> "\"die\"* \"hard\"* \"2\"*": each word a prefix term, quotes doubled, so no
// FTS5 operator can come from the user.
std::string match_expression(const std::string& text) {
  std::string expr;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    std::string quoted = "\"";
    for (char c : word) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    expr += (expr.empty() ? "" : " ") + quoted + "\"*";
    word.clear();
  };
  for (const char* p = text.c_str(); *p;) {
    gunichar c = g_utf8_get_char_validated(p, -1);
    if (c == static_cast<gunichar>(-1) || c == static_cast<gunichar>(-2)) break;
    const char* next = g_utf8_next_char(p);
    if (g_unichar_isalnum(c) || g_unichar_ismark(c)) word.append(p, next);
    else flush();
    p = next;
  }
  flush();
  return expr;
}

class SqliteSearchIndex final : public SearchIndex {
 public:
  SqliteSearchIndex(Database& db, std::string table, size_t fields)
      : db_(db), table_(std::move(table)), fields_(fields) {}

  Status put(const std::string& id, const std::vector<std::string>& texts) override {
    if (texts.size() != fields_) return Error{"search index " + table_ + ": wrong number of fields", 500};
    return db_.transaction([&]() -> Status {
      if (auto r = db_.exec("DELETE FROM " + table_ + " WHERE id = ?", {id}); !r) return r.error();
      std::string sql = "INSERT INTO " + table_ + " VALUES (?";
      std::vector<DbValue> params{id};
      for (const auto& t : texts) {
        sql += ", ?";
        params.emplace_back(t);
      }
      if (auto r = db_.exec(sql + ")", params); !r) return r.error();
      return {};
    });
  }

  Status remove(const std::string& id) override {
    if (auto r = db_.exec("DELETE FROM " + table_ + " WHERE id = ?", {id}); !r) return r.error();
    return {};
  }

  Result<std::vector<SearchHit>> search(const std::string& text, int limit) override {
    std::vector<SearchHit> hits;
    const std::string expr = match_expression(text);
    if (expr.empty()) return hits;
    auto rows = db_.query("SELECT id, bm25(" + table_ + ") AS rank FROM " + table_ + " WHERE " + table_ +
                              " MATCH ? ORDER BY rank LIMIT ?",
                          {expr, int64_t{limit}});
    if (!rows) return rows.error();
    for (const auto& r : *rows) hits.push_back({r.text("id"), -r.real("rank")});
    return hits;
  }

 private:
  Database& db_;
  std::string table_;
  size_t fields_;
};

}  // namespace

Result<std::shared_ptr<SearchIndex>> SqliteDatabase::search_index(const std::string& name,
                                                                  const std::vector<std::string>& fields) {
  if (!is_plain_name(name)) return Error{"search index name '" + name + "' must be [a-z0-9_]", 400};
  if (fields.empty()) return Error{"search index " + name + " needs at least one field", 400};
  std::string columns = "id UNINDEXED";
  for (const auto& f : fields) {
    if (!is_plain_name(f) || f == "id" || f == "rank") return Error{"search field '" + f + "' must be [a-z0-9_]", 400};
    columns += ", " + f;
  }
  const std::string table = "kek_search_" + name;
  if (auto s = exec_script("CREATE VIRTUAL TABLE IF NOT EXISTS " + table + " USING fts5(" + columns +
                           ", tokenize = 'unicode61 remove_diacritics 2')");
      !s)
    return wrap(s.error(), "search index " + name);
  return std::shared_ptr<SearchIndex>(std::make_shared<SqliteSearchIndex>(*this, table, fields.size()));
}

}  // namespace kek::core
