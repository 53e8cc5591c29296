#include "store_queue.h"

#include <kek/worker.h>

namespace kek::schedule {

Status StoreQueue::Connection::run(const Work& work) {
  if (!db) return Error{"schedule: the store is closed", 503};
  EventStore store([this]() -> Database& { return *db; });
  return work(store);
}

Status StoreQueue::open(Database& main_db) {
  if (connection_) return {};
  auto db = main_db.open_connection();
  if (!db) return wrap(db.error(), "schedule: open the store's connection");
  connection_ = std::make_shared<Connection>();
  connection_->db = std::move(*db);
  *open_ = true;
  next();
  return {};
}

void StoreQueue::write(Work work, Done done) {
  queue_.push_back({std::move(work), std::move(done)});
  next();
}

void StoreQueue::next() {
  if (busy_ || queue_.empty() || !*open_) return;
  busy_ = true;
  Op op = std::move(queue_.front());
  queue_.pop_front();
  std::weak_ptr<bool> open = open_;
  {
    std::lock_guard lock(connection_->mutex);
    connection_->handed_out = true;
  }
  run_in_worker<Status>([connection = connection_, work = std::move(op.work)] {
                          std::lock_guard lock(connection->mutex);
                          Status s = connection->run(work);
                          connection->handed_out = false;
                          connection->idle.notify_all();
                          return s;
                        },
                        [this, open, done = std::move(op.done)](Status s) {
                          auto still = open.lock();
                          if (!still || !*still) return;  // closed meanwhile: `this` may be gone
                          busy_ = false;
                          if (done) done(s);
                          next();
                        });
}

void StoreQueue::close() {
  if (!connection_) return;
  *open_ = false;
  open_ = std::make_shared<bool>(false);
  {
    std::unique_lock lock(connection_->mutex);
    // The piece handed to a worker is written first, then what is still queued, in order.
    connection_->idle.wait(lock, [this] { return !connection_->handed_out; });
    while (!queue_.empty()) {
      Op op = std::move(queue_.front());
      queue_.pop_front();
      if (auto s = connection_->run(op.work); !s) g_warning("schedule: at stop: %s", s.error().message.c_str());
    }
    connection_->db.reset();
  }
  connection_.reset();
  busy_ = false;
}

}  // namespace kek::schedule
