// The history plugin's own database thread. Every read and write of the history tables runs
// here, on a connection of its own (Database::open_connection), in the order it was asked for:
// the main loop never waits for SQLite. Writes queued while a transaction is being written go
// into the next one, so under load many heartbeats share one commit; a heartbeat for a film
// whose previous heartbeat is still queued replaces it in the queue (the newer report wins).
// Nobody waits for a heartbeat's write, so a batch of only heartbeats lingers a moment (20 ms)
// for the ones after it: under load that is one commit for hundreds of them instead of one
// each; any other op (a delete, a read) is written at once, with what is queued before it.
// Answers come back on the main loop.
#pragma once

#include <kek/db.h>
#include <kek/error.h>

#include <glib.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kek::history {

// One film's position for one user, as it is written.
struct PositionWrite {
  int64_t user_id = 0;
  std::string item_id;
  double position_s = 0;
  double duration_s = 0;
  bool watched = false;    // reached the end zone (sticky in the table: only "unwatched" clears it)
  int64_t sent_at_ms = 0;  // the client's clock: the greatest wins (in the queue and in the table)
  int64_t received_ms = 0; // the server's clock: when the report came (ordering of the list)
};

class Store {
 public:
  using Work = std::function<Status(Database&)>;
  using Done = std::function<void(Status)>;
  // Writes a batch of coalesced position reports (the history table's upsert lives elsewhere).
  using PositionWriter = std::function<Status(Database&, const PositionWrite&)>;

  // Opens the second connection and starts the thread. Answers go to the thread-default main
  // context of the caller.
  static Result<std::unique_ptr<Store>> start(Database& main_db, PositionWriter position_writer,
                                              size_t max_batch = 1000,
                                              std::chrono::milliseconds linger = std::chrono::milliseconds(20));
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // A heartbeat: queued, never answered. Replaces a queued report for the same user and film
  // when it was sent later, and is dropped when it was sent earlier.
  void report(PositionWrite write);
  // Any other write, in order after everything queued before it; done (optional) on the main
  // loop with its result.
  void write(Work work, Done done = {});
  // A read that sees everything queued before it; done on the main loop.
  template <class T>
  void read(std::function<Result<T>(Database&)> work, std::function<void(Result<T>)> done);

  // Writes what is queued and stops the thread (on_stop). Answers still owed are dropped.
  void stop();

  // For tests and the benchmark's report: transactions committed, reports merged in the queue.
  struct Counters {
    uint64_t transactions = 0;
    uint64_t reports_written = 0;
    uint64_t reports_coalesced = 0;
  };
  Counters counters() const;

 private:
  struct Op {
    Work work;                          // empty for a position report
    std::function<void(Status)> done;   // runs on the writer thread; hands over to the main loop
    std::optional<PositionWrite> position;
  };

  Store(std::unique_ptr<Database> db, PositionWriter position_writer, size_t max_batch,
        std::chrono::milliseconds linger);
  void enqueue(Op op);
  void run();
  void answer(std::function<void()> fn);  // onto the main context

  std::unique_ptr<Database> db_;
  PositionWriter position_writer_;
  const size_t max_batch_;
  const std::chrono::milliseconds linger_;
  GMainContext* context_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Op> queue_;
  // (user, item) -> the queued report for it, valid until another kind of op is queued after it
  // (a delete must not be overtaken by a report merged into an earlier slot).
  std::map<std::pair<int64_t, std::string>, size_t> queued_reports_;
  size_t popped_ = 0;  // ops taken off the front so far (queued_reports_ holds absolute indexes)
  size_t urgent_ = 0;  // queued ops that are not heartbeats (someone waits for them)
  bool stopping_ = false;
  Counters counters_;
  std::thread thread_;
};

// ---- template definition ----

template <class T>
void Store::read(std::function<Result<T>(Database&)> work, std::function<void(Result<T>)> done) {
  auto result = std::make_shared<std::optional<Result<T>>>();
  auto shared_done = std::make_shared<std::function<void(Result<T>)>>(std::move(done));
  write(
      [work = std::move(work), result](Database& db) -> Status {
        *result = work(db);
        return {};
      },
      [result, shared_done](Status s) {
        if (!s) (*shared_done)(s.error());
        else if (*result) (*shared_done)(std::move(**result));
        else (*shared_done)(Error{"history: the read did not run", 500});
      });
}

}  // namespace kek::history
