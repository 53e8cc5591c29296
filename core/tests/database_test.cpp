#include "db/sqlite_database.h"
#include "temp_dir.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace kek;
using namespace kek::core;

namespace {
std::unique_ptr<SqliteDatabase> open_db(const std::string& path) {
  auto db = SqliteDatabase::open(path);
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
  return db.ok() ? std::move(*db) : nullptr;
}
}  // namespace

TEST(Database, WalModeAndForeignKeys) {
  test::TempDir dir;
  auto db = open_db(dir / "kek.db");
  auto mode = db->query("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(mode->at(0).values.size(), 1u);
  EXPECT_EQ(std::get<std::string>(mode->at(0).values[0]), "wal");
  auto fk = db->query("PRAGMA foreign_keys");
  EXPECT_EQ(std::get<int64_t>(fk->at(0).values[0]), 1);
}

TEST(Database, BoundParametersStoreHostileTextLiterally) {
  test::TempDir dir;
  auto db = open_db(dir / "kek.db");
  ASSERT_TRUE(db->exec("CREATE TABLE t (name TEXT, n INTEGER, r REAL, b BLOB)").ok());
  const std::string evil = "x'); DROP TABLE t; --";
  auto r = db->exec("INSERT INTO t VALUES (?, ?, ?, ?)", {evil, int64_t{42}, 2.5, Blob{{1, 0, 2}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->changes, 1);
  auto rows = db->query("SELECT * FROM t WHERE name = ?", {evil});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).text("name"), evil);
  EXPECT_EQ(rows->at(0).integer("n"), 42);
  EXPECT_DOUBLE_EQ(rows->at(0).real("r"), 2.5);
  EXPECT_EQ(std::get<Blob>(*rows->at(0).find("b")).bytes, (std::vector<uint8_t>{1, 0, 2}));
}

TEST(Database, RefusesTwoStatementsAndWrongParameterCount) {
  test::TempDir dir;
  auto db = open_db(dir / "kek.db");
  ASSERT_TRUE(db->exec("CREATE TABLE t (a INTEGER)").ok());
  EXPECT_FALSE(db->exec("INSERT INTO t VALUES (1); DROP TABLE t").ok());
  EXPECT_FALSE(db->exec("INSERT INTO t VALUES (?)", {}).ok());
  EXPECT_TRUE(db->query("SELECT * FROM t").ok());
}

TEST(Database, ConstraintViolationIs409) {
  test::TempDir dir;
  auto db = open_db(dir / "kek.db");
  ASSERT_TRUE(db->exec("CREATE TABLE u (name TEXT UNIQUE)").ok());
  ASSERT_TRUE(db->exec("INSERT INTO u VALUES ('a')").ok());
  auto again = db->exec("INSERT INTO u VALUES ('a')");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, 409);
}

TEST(Database, TransactionRollsBackOnError) {
  test::TempDir dir;
  auto db = open_db(dir / "kek.db");
  ASSERT_TRUE(db->exec("CREATE TABLE t (a INTEGER)").ok());
  auto s = db->transaction([&]() -> Status {
    (void)db->exec("INSERT INTO t VALUES (1)");
    return Error{"changed my mind", 400};
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(db->query("SELECT * FROM t")->size(), 0u);
  ASSERT_TRUE(db->transaction([&]() -> Status { return db->exec("INSERT INTO t VALUES (2)").ok() ? Status{} : Error{"x"}; }).ok());
  EXPECT_EQ(db->query("SELECT * FROM t")->size(), 1u);
}

TEST(Database, MigrationsAppliedOnceAcrossRestarts) {
  test::TempDir dir;
  std::vector<PluginMigrations> m = {
      {"a", {{1, "CREATE TABLE a_items (id INTEGER PRIMARY KEY)"}, {2, "ALTER TABLE a_items ADD COLUMN name TEXT"}}},
      {"b", {{1, "CREATE TABLE b_items (id INTEGER PRIMARY KEY)"}}},
  };
  {
    auto db = open_db(dir / "kek.db");
    ASSERT_TRUE(db->migrate(m).ok());
    EXPECT_EQ(db->applied_migrations()->size(), 3u);
  }
  {
    auto db = open_db(dir / "kek.db");
    auto s = db->migrate(m);  // running the same ALTER again would fail: proves it is skipped
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(db->applied_migrations()->size(), 3u);
    m[0].steps.push_back({3, "CREATE INDEX a_name ON a_items(name)"});
    ASSERT_TRUE(db->migrate(m).ok());
    EXPECT_EQ(db->applied_migrations()->size(), 4u);
  }
}

TEST(Database, FailingMigrationNamesPluginAndNumberAndLeavesFileAsItWas) {
  test::TempDir dir;
  auto db = open_db(dir / "kek.db");
  ASSERT_TRUE(db->migrate({{"a", {{1, "CREATE TABLE a_items (id INTEGER)"}}}}).ok());
  auto s = db->migrate({
      {"a", {{1, "CREATE TABLE a_items (id INTEGER)"}, {2, "CREATE TABLE a_more (id INTEGER)"}}},
      {"b", {{1, "CREATE TABLE b_items (id INTEGER)"}, {2, "CREATE TABLEX nonsense"}}},
  });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("migration 2 of plugin b failed"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("syntax error"), std::string::npos) << s.error().message;
  // Nothing of the failed run stayed: not a_more, not b_items, no records.
  EXPECT_EQ(db->query("SELECT name FROM sqlite_master WHERE name IN ('a_more', 'b_items')")->size(), 0u);
  EXPECT_EQ(db->applied_migrations()->size(), 1u);
}

TEST(Database, SearchIndexRanksPrefixesIgnoresCaseAccentsAndOperators) {
  test::TempDir dir;
  auto db = open_db(dir / "kek.db");
  auto index = db->search_index("films", {"title", "description", "genres"});
  ASSERT_TRUE(index.ok()) << index.error().message;
  auto& idx = **index;
  ASSERT_TRUE(idx.put("a", {"The Matrix", "A hacker learns the truth", "sci-fi action"}).ok());
  ASSERT_TRUE(idx.put("b", {"Amélie", "A shy waitress in Paris", "comedy romance"}).ok());
  ASSERT_TRUE(idx.put("c", {"Matrix Reloaded", "Matrix again, more matrix", "sci-fi"}).ok());
  auto matr = idx.search("matr", 10);
  ASSERT_TRUE(matr.ok()) << matr.error().message;
  ASSERT_EQ(matr->size(), 2u);
  EXPECT_EQ(matr->at(0).id, "c") << "the one that says matrix most ranks first";
  auto accents = idx.search("AMELIE", 10);
  ASSERT_TRUE(accents.ok());
  ASSERT_EQ(accents->size(), 1u);
  EXPECT_EQ(accents->at(0).id, "b");
  EXPECT_EQ(idx.search("sci comedy", 10)->size(), 0u) << "every word must match";
  // FTS5 syntax from a user is just words (no error, no injection).
  auto hostile = idx.search("\"matrix\" OR title:* NEAR( ) -", 10);
  ASSERT_TRUE(hostile.ok()) << hostile.error().message;
  EXPECT_EQ(idx.search("", 10)->size(), 0u);
  // Replacing and removing an entry.
  ASSERT_TRUE(idx.put("a", {"Brazil", "", ""}).ok());
  EXPECT_EQ(idx.search("matrix", 10)->size(), 1u);
  ASSERT_TRUE(idx.remove("c").ok());
  EXPECT_EQ(idx.search("matrix", 10)->size(), 0u);
  EXPECT_FALSE(db->search_index("Bad Name", {"t"}).ok());
}

// A plugin's writer thread gets its own connection: it writes in one transaction while the main
// connection keeps reading (WAL), and each sees what the other committed.
TEST(Database, SecondConnectionWritesOnItsOwnThreadWhileTheFirstReads) {
  test::TempDir dir;
  auto db = open_db(dir / "kek.db");
  ASSERT_TRUE(db->exec("CREATE TABLE t (n INTEGER)").ok());
  auto other = db->open_connection();
  ASSERT_TRUE(other.ok()) << other.error().message;
  std::unique_ptr<Database> writer = std::move(*other);
  auto mode = writer->query("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(mode->at(0).text("journal_mode"), "wal");

  std::atomic<bool> in_transaction{false};
  std::atomic<bool> may_commit{false};
  std::thread thread([&] {
    auto s = writer->transaction([&]() -> Status {
      for (int64_t i = 0; i < 100; ++i)
        if (auto r = writer->exec("INSERT INTO t (n) VALUES (?)", {i}); !r) return r.error();
      in_transaction = true;
      while (!may_commit) std::this_thread::yield();
      return {};
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
  });
  while (!in_transaction) std::this_thread::yield();
  // The main connection reads (nothing of the open transaction) without waiting for the commit:
  // the writer commits only after this read has returned.
  auto before = db->query("SELECT count(*) AS n FROM t");
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_EQ(before->at(0).integer("n"), 0);
  may_commit = true;
  thread.join();
  EXPECT_EQ(db->query("SELECT count(*) AS n FROM t")->at(0).integer("n"), 100);
  ASSERT_TRUE(db->exec("INSERT INTO t (n) VALUES (1000)").ok());
  EXPECT_EQ(writer->query("SELECT count(*) AS n FROM t")->at(0).integer("n"), 101);
}
