#include "store.h"

#include <kek/worker.h>

#include <pthread.h>

namespace kek::history {

Result<std::unique_ptr<Store>> Store::start(Database& main_db, PositionWriter position_writer, size_t max_batch,
                                            std::chrono::milliseconds linger) {
  auto db = main_db.open_connection();
  if (!db) return wrap(db.error(), "history: open the writer's connection");
  return std::unique_ptr<Store>(new Store(std::move(*db), std::move(position_writer), max_batch, linger));
}

Store::Store(std::unique_ptr<Database> db, PositionWriter position_writer, size_t max_batch,
             std::chrono::milliseconds linger)
    : db_(std::move(db)),
      position_writer_(std::move(position_writer)),
      max_batch_(max_batch == 0 ? 1 : max_batch),
      linger_(linger),
      context_(g_main_context_ref_thread_default()) {
  thread_ = std::thread([this] { run(); });
}

Store::~Store() {
  stop();
  g_main_context_unref(context_);
}

void Store::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Store::Counters Store::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void Store::report(PositionWrite write) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    auto key = std::make_pair(write.user_id, write.item_id);
    if (auto it = queued_reports_.find(key); it != queued_reports_.end() && it->second >= popped_) {
      Op& queued = queue_[it->second - popped_];
      ++counters_.reports_coalesced;
      if (!queued.position->watched && write.watched) queued.position->watched = true;
      // The ordering rule, already in the queue: the later report takes the slot.
      if (write.sent_at_ms > queued.position->sent_at_ms) {
        write.watched = write.watched || queued.position->watched;
        queued.position = std::move(write);
      }
      return;
    }
    queued_reports_[key] = popped_ + queue_.size();
    queue_.push_back(Op{{}, {}, std::move(write)});
    // The writer wakes for the first heartbeat and then lingers on its own clock: no wake-up
    // (a futex call on the main loop) per heartbeat, only when a batch is full.
    if (queue_.size() != 1 && queue_.size() < max_batch_) return;
  }
  wake_.notify_one();
}

void Store::write(Work work, Done done) {
  Op op;
  op.work = std::move(work);
  if (done) {
    auto shared = std::make_shared<Done>(std::move(done));
    op.done = [this, shared](Status s) { answer([shared, s] { (*shared)(s); }); };
  }
  enqueue(std::move(op));
}

void Store::enqueue(Op op) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    // Reports queued before this op stay before it: none may be merged into from now on.
    queued_reports_.clear();
    queue_.push_back(std::move(op));
    ++urgent_;
  }
  wake_.notify_one();
}

// Queued, never run on the writer's thread (g_main_context_invoke would when the main thread is
// between turns of its loop).
void Store::answer(std::function<void()> fn) { run_on_main(std::move(fn), context_); }

void Store::run() {
  pthread_setname_np(pthread_self(), "kek-history-db");  // in top -H, perf and gdb
  std::vector<Op> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (linger_.count() > 0 && urgent_ == 0)
        wake_.wait_for(lock, linger_, [this] { return stopping_ || urgent_ > 0 || queue_.size() >= max_batch_; });
      if (queue_.empty()) return;  // stopping, and everything is written
      const size_t n = std::min(max_batch_, queue_.size());
      batch.clear();
      for (size_t i = 0; i < n; ++i) {
        if (!queue_.front().position) --urgent_;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      popped_ += n;
    }
    // One transaction for the batch; each op in a savepoint of its own, so one that fails
    // leaves the others written.
    std::vector<Status> results(batch.size());
    uint64_t reports = 0;
    Status committed = db_->transaction([&]() -> Status {
      for (size_t i = 0; i < batch.size(); ++i) {
        Op& op = batch[i];
        results[i] = db_->transaction([&]() -> Status {
          if (op.position) return position_writer_(*db_, *op.position);
          return op.work(*db_);
        });
        if (op.position) {
          ++reports;
          if (!results[i]) g_warning("history: a position was not stored: %s", results[i].error().message.c_str());
        }
      }
      return {};
    });
    if (!committed) g_warning("history: writing %zu changes failed: %s", batch.size(), committed.error().message.c_str());
    {
      std::lock_guard lock(mutex_);
      ++counters_.transactions;
      counters_.reports_written += reports;
    }
    for (size_t i = 0; i < batch.size(); ++i)
      if (batch[i].done) batch[i].done(committed ? results[i] : committed);
  }
}

}  // namespace kek::history
