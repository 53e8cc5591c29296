#include "push_pool.h"

#include <glib.h>

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace kek::rtmp {

PushPool::PushPool(unsigned threads) : size_(threads ? threads : std::max(1u, g_get_num_processors())) {
  std::lock_guard lock(mutex_);
  for (unsigned i = 0; i < size_; ++i) start_worker(false);
}

PushPool::~PushPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (Worker& w : workers_)
    if (w.thread.joinable()) w.thread.join();
}

void PushPool::start_worker(bool spare) {
  Worker& w = workers_.emplace_back();
  w.spare = spare;
  w.thread = std::thread([this, &w, spare] {
    const std::string name = spare ? "kek-push-spare" : "kek-push";
    pthread_setname_np(pthread_self(), name.c_str());
    work(w);
  });
}

void PushPool::run(std::function<void()> job) {
  std::unique_lock lock(mutex_);
  jobs_.push_back(std::move(job));
  if (idle_ > 0) {
    lock.unlock();
    wake_.notify_one();
    return;
  }
  grow_if_stuck(lock);
}

void PushPool::poke() {
  std::unique_lock lock(mutex_);
  grow_if_stuck(lock);
}

unsigned PushPool::running() const {
  std::lock_guard lock(mutex_);
  unsigned n = 0;
  for (const Worker& w : workers_) n += w.finished ? 0 : 1;
  return n;
}

void PushPool::grow_if_stuck(std::unique_lock<std::mutex>&) {
  if (jobs_.empty() || idle_ > 0 || stopping_) return;
  const int64_t now = g_get_monotonic_time();
  unsigned moving = 0, spares = 0;
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->finished) {  // a spare that left: its thread has returned
      it->thread.join();
      it = workers_.erase(it);
      continue;
    }
    if (it->spare) ++spares;
    if (it->busy_since == 0 || now - it->busy_since < kStuckUs) ++moving;
    ++it;
  }
  if (moving < size_ && spares < kMaxSpares) {
    g_message("rtmp: %u of %zu push workers have been inside one stream's pipeline for more than %lld ms; "
              "starting a spare so the other streams keep moving",
              static_cast<unsigned>(workers_.size()) - moving, workers_.size(),
              static_cast<long long>(kStuckUs / 1000));
    start_worker(true);
  }
}

void PushPool::work(Worker& me) {
  std::unique_lock lock(mutex_);
  auto has_work = [this] { return !jobs_.empty() || stopping_; };
  for (;;) {
    if (jobs_.empty()) {
      if (stopping_) break;
      ++idle_;
      bool woke = true;
      if (me.spare) woke = wake_.wait_for(lock, std::chrono::microseconds(kSpareIdleUs), has_work);
      else wake_.wait(lock, has_work);
      --idle_;
      if (!woke) break;  // a spare nobody needed for a while
      continue;
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    me.busy_since = g_get_monotonic_time();
    lock.unlock();
    job();
    job = nullptr;  // whatever it holds goes before the lock is taken again
    lock.lock();
    me.busy_since = 0;
  }
  me.finished = true;
}

}  // namespace kek::rtmp
