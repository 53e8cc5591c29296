// The store's queue on a real SQLite file: work runs on a worker thread against a connection of
// its own, in the order it was asked for (a read sees every write queued before it), answers
// come on the main loop, edits keep what another write changed meanwhile, and close() writes
// what is still queued.
#include "event_store.h"
#include "store_queue.h"

#include "db/sqlite_database.h"
#include "support/wait.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

using namespace kek;
using namespace kek::schedule;

namespace {

class StoreQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_autofree char* d = g_dir_make_tmp("kek-schedule-XXXXXX", nullptr);
    dir_ = d;
    auto opened = core::SqliteDatabase::open(dir_ + "/kek.db");
    ASSERT_TRUE(opened) << opened.error().message;
    db_ = std::move(*opened);
    auto migrated = db_->migrate({{"schedule", schema_migrations()}});
    ASSERT_TRUE(migrated) << migrated.error().message;
    ASSERT_TRUE(queue_.open(*db_));
  }
  void TearDown() override {
    queue_.close();
    db_.reset();
    for (const char* f : {"/kek.db", "/kek.db-wal", "/kek.db-shm"}) g_remove((dir_ + f).c_str());
    g_rmdir(dir_.c_str());
  }
  // The main loop turns until the answer came (10 s at most).
  template <class T>
  Result<T> read(std::function<Result<T>(EventStore&)> work) {
    std::optional<Result<T>> out;
    queue_.read<T>(std::move(work), [&](Result<T> r) { out.emplace(std::move(r)); });
    EXPECT_TRUE(test::wait_for([&] {
      while (g_main_context_iteration(nullptr, FALSE)) {
      }
      return out.has_value();
    }, 10000));
    return out ? std::move(*out) : Result<T>(Error{"no answer", 500});
  }
  EventStore main_store() {
    return EventStore([this]() -> Database& { return *db_; });
  }

  std::string dir_;
  std::unique_ptr<core::SqliteDatabase> db_;
  StoreQueue queue_;
};

Event premiere(const std::string& id, int64_t starts_at) {
  Event e;
  e.id = id;
  e.kind = Kind::premiere;
  e.owner_id = 7;
  e.owner = "ann";
  e.item_id = "film";
  e.title = "Dawn";
  e.visibility = Visibility::public_;
  e.starts_at = starts_at;
  e.duration_s = 600;
  e.created_at = e.updated_at = starts_at - 3600;
  return e;
}

}  // namespace

TEST_F(StoreQueueTest, WorkRunsOffTheMainThreadInOrderAndAnswersOnIt) {
  GThread* main_thread = g_thread_self();
  GThread* worker = nullptr;
  std::vector<std::string> answered;
  queue_.write([](EventStore& s) { return s.insert(premiere("a", 2000000000)); }, [&](Status s) {
    EXPECT_TRUE(s);
    EXPECT_EQ(g_thread_self(), main_thread);
    answered.push_back("insert");
  });
  Event edited = premiere("a", 2000000000);
  edited.title = "Dawn, the premiere";
  queue_.write([edited](EventStore& s) { return s.edit(edited); }, [&](Status s) {
    EXPECT_TRUE(s);
    answered.push_back("edit");
  });
  queue_.write([](EventStore& s) { return s.cancel("a", 1999999000, "the projector broke"); },
               [&](Status) { answered.push_back("cancel"); });
  auto found = read<std::optional<Event>>([&](EventStore& s) {
    worker = g_thread_self();
    return s.find("a");
  });
  ASSERT_TRUE(found);
  ASSERT_TRUE(*found);
  EXPECT_NE(worker, main_thread);
  EXPECT_EQ((std::vector<std::string>{"insert", "edit", "cancel"}), answered);
  EXPECT_EQ((*found)->title, "Dawn, the premiere");
  EXPECT_EQ((*found)->cancel_reason, "the projector broke");
  EXPECT_EQ((*found)->sequence, 2) << "the edit and the cancel each bumped it";
  // The main connection sees what the queue wrote once it answered.
  auto on_main = main_store().find("a");
  ASSERT_TRUE(on_main && *on_main);
  EXPECT_TRUE((*on_main)->cancelled_at.has_value());
}

TEST_F(StoreQueueTest, AnEditOfAnOlderCopyKeepsTheCancelAndTheLiveSince) {
  ASSERT_TRUE(main_store().insert(premiere("b", 2000000000)));
  const Event stale = *main_store().find("b").value();
  queue_.write([](EventStore& s) { return s.cancel("b", 1999999000, "rain"); });
  queue_.write([](EventStore& s) { return s.mark_live("b", 1999999500); });
  queue_.write([](EventStore& s) { return s.mark_live("b", 1999999999); });  // the first one stays
  Event edited = stale;
  edited.description = "Bring popcorn";
  queue_.write([edited](EventStore& s) { return s.edit(edited); });
  auto found = read<std::optional<Event>>([](EventStore& s) { return s.find("b"); });
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->description, "Bring popcorn");
  EXPECT_EQ((*found)->cancel_reason, "rain");
  EXPECT_EQ((*found)->live_since.value_or(0), 1999999500);
  EXPECT_EQ((*found)->sequence, 2);
}

TEST_F(StoreQueueTest, CloseWritesWhatIsStillQueued) {
  for (const char* id : {"c1", "c2", "c3"})
    queue_.write([id](EventStore& s) { return s.insert(premiere(id, 2000000000)); });
  queue_.close();
  auto all = main_store().between(0, 3000000000);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
}
