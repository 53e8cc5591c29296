// The store on a real SQLite file: its own connection and thread, the ordering rule in the queue
// and in the table, deletes that reports queued before them cannot undo, answers on the main loop.
#include "entries.h"
#include "schema.h"
#include "store.h"

#include "db/sqlite_database.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <memory>

using namespace kek;
using namespace kek::history;

namespace {

struct TempDb {
  TempDb() {
    g_autofree char* d = g_dir_make_tmp("kek-history-XXXXXX", nullptr);
    dir = d;
    auto opened = core::SqliteDatabase::open(dir + "/kek.db");
    EXPECT_TRUE(opened) << opened.error().message;
    db = std::move(*opened);
    auto migrated = db->migrate({{"history", schema_migrations()}});
    EXPECT_TRUE(migrated) << migrated.error().message;
  }
  ~TempDb() {
    db.reset();
    for (const char* f : {"/kek.db", "/kek.db-wal", "/kek.db-shm"}) g_remove((dir + f).c_str());
    g_rmdir(dir.c_str());
  }
  std::string dir;
  std::unique_ptr<core::SqliteDatabase> db;
};

// Runs the main context until done() or 10 s pass.
bool spin_until(const std::function<bool()>& done) {
  const int64_t deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(1000);
  }
  return true;
}

// Everything queued so far is written once a read queued after it has answered.
template <class T>
Result<T> read_after(Store& store, std::function<Result<T>(Database&)> work) {
  std::optional<Result<T>> out;
  store.read<T>(std::move(work), [&](Result<T> r) { out.emplace(std::move(r)); });
  EXPECT_TRUE(spin_until([&] { return out.has_value(); }));
  return out ? std::move(*out) : Result<T>(Error{"no answer", 500});
}

PositionWrite report(int64_t user, const std::string& item, double position, int64_t sent_at) {
  return PositionWrite{user, item, position, 600, false, sent_at, sent_at};
}

Result<std::optional<Entry>> entry(Store& store, int64_t user, const std::string& item) {
  return read_after<std::optional<Entry>>(store, [=](Database& db) { return find_film(db, user, item); });
}

}  // namespace

TEST(Store, OutOfOrderReportsEndAtTheNewestInTheQueueAndInTheTable) {
  TempDb t;
  auto store = Store::start(*t.db, write_position);
  ASSERT_TRUE(store) << store.error().message;
  (*store)->report(report(1, "film1", 100, 2000));
  (*store)->report(report(1, "film1", 50, 1000));  // sent earlier, arrived later
  auto e = entry(**store, 1, "film1");
  ASSERT_TRUE(e && *e);
  EXPECT_DOUBLE_EQ((*e)->position_s, 100);
  EXPECT_EQ((*e)->sent_at_ms, 2000);
  // Once written, a lagging device's report still loses to the stored one...
  (*store)->report(report(1, "film1", 20, 1500));
  e = entry(**store, 1, "film1");
  EXPECT_DOUBLE_EQ((*e)->position_s, 100);
  // ...and a later one wins.
  (*store)->report(report(1, "film1", 130, 2500));
  e = entry(**store, 1, "film1");
  EXPECT_DOUBLE_EQ((*e)->position_s, 130);
  // Another user's report of the same film is theirs alone.
  EXPECT_FALSE(*entry(**store, 2, "film1"));
}

TEST(Store, ManyHeartbeatsShareTransactionsAndOneFilmKeepsOneQueueSlot) {
  TempDb t;
  auto store = Store::start(*t.db, write_position);
  ASSERT_TRUE(store);
  for (int i = 0; i < 2000; ++i) (*store)->report(report(1 + i % 50, "film" + std::to_string(i % 7), i % 600, 1000 + i));
  auto n = read_after<int64_t>(**store, [](Database& db) -> Result<int64_t> {
    auto rows = db.query("SELECT count(*) AS n FROM history_entries");
    if (!rows) return rows.error();
    return rows->front().integer("n");
  });
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 50 * 7);
  const auto c = (*store)->counters();
  EXPECT_LT(c.transactions, 2000u) << "heartbeats are written in batches";
  EXPECT_EQ(c.reports_written + c.reports_coalesced, 2000u);
  // The newest report of each (user, film) is the one stored.
  auto e = entry(**store, 1 + 1999 % 50, "film" + std::to_string(1999 % 7));
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->sent_at_ms, 1000 + 1999);
}

TEST(Store, HeartbeatsAloneLingerForCompanyButAReadGoesAtOnceWithThem) {
  TempDb t;
  // A linger far longer than the test: only the read can have started the one transaction.
  auto store = Store::start(*t.db, write_position, 1000, std::chrono::seconds(60));
  ASSERT_TRUE(store);
  for (int i = 0; i < 300; ++i) (*store)->report(report(1 + i % 30, "film" + std::to_string(i % 7), i, 1000 + i));
  EXPECT_EQ((*store)->counters().transactions, 0u) << "nothing written yet: heartbeats wait for company";
  const int64_t asked = g_get_monotonic_time();
  auto n = read_after<int64_t>(**store, [](Database& db) -> Result<int64_t> {
    auto rows = db.query("SELECT count(*) AS n FROM history_entries");
    if (!rows) return rows.error();
    return rows->front().integer("n");
  });
  ASSERT_TRUE(n);
  EXPECT_LT(g_get_monotonic_time() - asked, 10 * G_USEC_PER_SEC) << "the read did not wait for the linger";
  EXPECT_EQ(*n, 210) << "(30 users x 7 films: 210 pairs) the read saw every heartbeat queued before it";
  const auto c = (*store)->counters();
  EXPECT_EQ(c.transactions, 1u) << "300 heartbeats and the read: one commit";
  EXPECT_EQ(c.reports_written, 210u);
  EXPECT_EQ(c.reports_coalesced, 90u);
  // Stopping writes what lingers.
  (*store)->report(report(99, "film0", 42, 5000));
  (*store)->stop();
  auto rows = t.db->query("SELECT position_s FROM history_entries WHERE user_id = 99");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
}

TEST(Store, AClearIsNotUndoneByAReportQueuedBeforeIt) {
  TempDb t;
  auto store = Store::start(*t.db, write_position);
  ASSERT_TRUE(store);
  (*store)->report(report(1, "film1", 10, 1000));
  (*store)->write([](Database& db) -> Status {
    auto r = clear_history(db, 1);
    if (!r) return r.error();
    return {};
  });
  // A later report for the same film must not be merged into the slot before the clear.
  (*store)->report(report(1, "film2", 30, 3000));
  auto page = read_after<EntryPage>(**store, [](Database& db) { return list_entries(db, 1, std::nullopt, 10); });
  ASSERT_TRUE(page);
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].item_id, "film2");
}

TEST(Store, WatchedStaysUntilUnmarkedByHand) {
  TempDb t;
  auto store = Store::start(*t.db, write_position);
  ASSERT_TRUE(store);
  auto w = report(1, "film1", 590, 1000);
  w.watched = true;
  (*store)->report(w);
  (*store)->report(report(1, "film1", 20, 2000));  // watching it again from the start
  auto e = entry(**store, 1, "film1");
  ASSERT_TRUE(e && *e);
  EXPECT_TRUE((*e)->watched);
  EXPECT_DOUBLE_EQ((*e)->position_s, 20);
  auto unmarked = read_after<std::optional<Entry>>(**store, [](Database& db) -> Result<std::optional<Entry>> {
    if (auto s = mark_watched(db, 1, "film1", false, 600, 1500, 5000); !s) return s.error();
    return find_film(db, 1, "film1");
  });
  ASSERT_TRUE(unmarked && *unmarked);
  EXPECT_FALSE((*unmarked)->watched);
  EXPECT_DOUBLE_EQ((*unmarked)->position_s, 0);
  EXPECT_GT((*unmarked)->sent_at_ms, 2000) << "the mark applies even though its device's clock was behind";
}

TEST(Store, PagesByCursorNewestFirst) {
  TempDb t;
  auto store = Store::start(*t.db, write_position);
  ASSERT_TRUE(store);
  for (int i = 0; i < 25; ++i) (*store)->report(PositionWrite{1, "f" + std::to_string(i), 10, 600, false, 1000 + i, 5000 + i});
  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = read_after<EntryPage>(**store, [cursor](Database& db) { return list_entries(db, 1, cursor, 10); });
    ASSERT_TRUE(page) << page.error().message;
    for (const auto& e : page->entries) seen.push_back(e.item_id);
    cursor = page->next_cursor;
    if (!cursor) break;
  }
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "f24");
  EXPECT_EQ(seen.back(), "f0");
  auto bad = read_after<EntryPage>(**store, [](Database& db) { return list_entries(db, 1, std::string("1;DROP"), 10); });
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 400);
}

TEST(Store, LiveViewingsAddUpAndAPauseStartsANewOne) {
  TempDb t;
  auto store = Store::start(*t.db, write_position);
  ASSERT_TRUE(store);
  const int64_t t0 = 1750000000000;
  auto live = [&](double played, int64_t at) {
    (*store)->write([=](Database& db) { return add_live(db, LiveWrite{1, "cam", "live", "anna", played, at, at}, 300000); });
  };
  live(10, t0);
  live(10, t0 + 10000);
  live(60, t0 + 20000);  // says 60 s in 10 s: no more than the time that passed (+15 s)
  live(10, t0 + 20000 + 600000);  // ten minutes later: a new viewing
  auto all = read_after<std::vector<Entry>>(**store, [](Database& db) { return all_entries(db, 1); });
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_DOUBLE_EQ((*all)[1].position_s, 10 + 10 + 25);
  EXPECT_EQ((*all)[1].owner, "anna");
  EXPECT_DOUBLE_EQ((*all)[0].position_s, 10);
}

TEST(Store, StopWritesWhatIsQueued) {
  TempDb t;
  {
    auto store = Store::start(*t.db, write_position);
    ASSERT_TRUE(store);
    for (int i = 0; i < 100; ++i) (*store)->report(report(1, "f" + std::to_string(i), 10, 1000 + i));
    (*store)->stop();
  }
  auto rows = t.db->query("SELECT count(*) AS n FROM history_entries");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->front().integer("n"), 100);
}
