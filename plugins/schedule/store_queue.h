// The event store's writes and its larger reads, off the main loop: each piece of work runs on
// one of GLib's worker threads (kek::run_in_worker) against a database connection of the
// plugin's own (Database::open_connection), in the order it was asked for and one at a time, so
// a read sees every write queued before it; its answer comes back on the main loop. The small
// reads by id stay on the main connection (they see every write once its answer has come).
// Called and answered on the main loop only.
#pragma once

#include "event_store.h"

#include <kek/db.h>
#include <kek/error.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace kek::schedule {

class StoreQueue {
 public:
  using Work = std::function<Status(EventStore&)>;
  using Done = std::function<void(Status)>;

  StoreQueue() = default;
  ~StoreQueue() { close(); }
  StoreQueue(const StoreQueue&) = delete;
  StoreQueue& operator=(const StoreQueue&) = delete;

  // The connection of its own, opened once the host's database is (at start).
  Status open(Database& main_db);
  // Runs work after everything queued before it; done (optional) on the main loop with its result.
  void write(Work work, Done done = {});
  template <class T>
  void read(std::function<Result<T>(EventStore&)> work, std::function<void(Result<T>)> done);
  // At stop: waits for the piece running now, then runs what is still queued here (answers
  // owed are dropped: nobody is left to hear them) and closes the connection.
  void close();

 private:
  struct Op {
    Work work;
    Done done;
  };
  // What a worker uses: the connection, and the piece of work handed to a worker (at most one).
  struct Connection {
    std::mutex mutex;
    std::condition_variable idle;
    bool handed_out = false;
    std::unique_ptr<Database> db;
    Status run(const Work& work);  // mutex held
  };
  void next();

  std::shared_ptr<Connection> connection_;
  std::deque<Op> queue_;
  bool busy_ = false;
  // Answers check it: one that comes after close() or the queue's end is dropped.
  std::shared_ptr<bool> open_ = std::make_shared<bool>(false);
};

template <class T>
void StoreQueue::read(std::function<Result<T>(EventStore&)> work, std::function<void(Result<T>)> done) {
  auto result = std::make_shared<std::optional<Result<T>>>();
  write([work = std::move(work), result](EventStore& store) -> Status {
          result->emplace(work(store));
          return {};
        },
        [result, done = std::move(done)](Status s) {
          if (!s) done(s.error());
          else if (*result) done(std::move(**result));
          else done(Error{"schedule: the read did not run", 500});
        });
}

}  // namespace kek::schedule
