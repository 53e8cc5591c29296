#include "push_pool.h"

#include <glib.h>

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace kek::rtmp {

namespace {

constexpr uint64_t kJobsKey = 0;  // the eventfd's epoll data; watches' keys start at 1

// What ready() deferred on this thread (set only while a worker is inside Watch::ready()).
thread_local std::vector<std::function<void()>>* t_deferred = nullptr;

// Whether the thread is blocked (asleep or in uninterruptible I/O), from /proc/<pid>/task/<tid>/
// stat's state; a thread running or waiting for a CPU ('R') is not. -1 if it cannot be read.
int blocked(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  FILE* f = std::fopen(path, "re");
  if (!f) return -1;
  char line[512];
  const bool got = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  const char* end = got ? std::strrchr(line, ')') : nullptr;  // the name may hold spaces and ')'
  if (!end || end[1] != ' ' || !end[2]) return -1;
  return end[2] == 'R' ? 0 : 1;
}

}  // namespace

PushPool::PushPool(unsigned threads, unsigned check_every_ms)
    : size_(threads ? threads : std::max(1u, g_get_num_processors())), check_every_ms_(check_every_ms) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  jobs_event_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_ < 0 || jobs_event_ < 0) g_error("rtmp: the push pool cannot create its epoll set or eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: every idle worker looks at the queue
  ev.data.u64 = kJobsKey;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, jobs_event_, &ev);
  std::lock_guard lock(mutex_);
  for (unsigned i = 0; i < size_; ++i) start_worker(false);
  if (check_every_ms_ > 0) checker_ = std::thread([this] { checker(); });
}

PushPool::~PushPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    signal_jobs();  // stays readable from now on: every worker wakes and leaves
  }
  checker_wake_.notify_all();
  if (checker_.joinable()) checker_.join();
  for (Worker& w : workers_)
    if (w.thread.joinable()) w.thread.join();
  watches_.clear();
  close(jobs_event_);
  close(epoll_);
}

void PushPool::start_worker(bool spare) {
  Worker& w = workers_.emplace_back();
  w.spare = spare;
  w.started_us = g_get_monotonic_time();
  w.thread = std::thread([this, &w, spare] {
    pthread_setname_np(pthread_self(), spare ? "kek-push-spare" : "kek-push");
    work(w);
  });
}

void PushPool::signal_jobs() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(jobs_event_, &one, sizeof one);
}

void PushPool::run(std::function<void()> job) {
  std::lock_guard lock(mutex_);
  jobs_.push_back(std::move(job));
  if (jobs_.size() == 1) signal_jobs();
}

bool PushPool::defer(std::function<void()>& job) {
  if (!t_deferred) return false;
  t_deferred->push_back(std::move(job));
  return true;
}

uint64_t PushPool::watch(int fd, std::shared_ptr<Watch> watch) {
  std::lock_guard lock(mutex_);
  const uint64_t key = next_key_++;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.u64 = key;
  watches_.emplace(key, Registered{fd, std::move(watch)});
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    watches_.erase(key);
    return 0;
  }
  return key;
}

void PushPool::unwatch(uint64_t key) {
  std::shared_ptr<Watch> dropped;  // released after the lock: its destructor may do anything
  {
    std::lock_guard lock(mutex_);
    auto it = watches_.find(key);
    if (it == watches_.end()) return;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, it->second.fd, nullptr);
    dropped = std::move(it->second.watch);
    watches_.erase(it);
  }
}

void PushPool::wait_watches_idle(int64_t timeout_us) {
  std::unique_lock lock(mutex_);
  idle_watches_.wait_for(lock, std::chrono::microseconds(timeout_us), [this] {
    return std::none_of(workers_.begin(), workers_.end(), [](const Worker& w) { return w.in_watch; });
  });
}

unsigned PushPool::running() const {
  std::lock_guard lock(mutex_);
  unsigned n = 0;
  for (const Worker& w : workers_) n += w.finished ? 0 : 1;
  return n;
}

bool PushPool::stuck(Worker& w, int64_t now) {
  if (w.finished || w.busy_since == 0) {
    w.sample_blocked = false;
    return false;
  }
  if (now - w.busy_since < kStuckUs / 2) return false;
  const int state = w.tid ? blocked(w.tid) : -1;
  if (state < 0) return now - w.busy_since >= kStuckUs;  // no /proc: by the clock alone
  // Blocked at two looks in a row inside the same job (a lock taken for a moment is not stuck).
  const bool verdict = now - w.busy_since >= kStuckUs && state == 1 && w.sample_blocked &&
                       w.sample_generation == w.generation;
  w.sample_generation = w.generation;
  w.sample_blocked = state == 1;
  return verdict;
}

void PushPool::check() {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  const int64_t now = g_get_monotonic_time();
  unsigned moving = 0, spares = 0, stuck_regular = 0;
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->finished) {  // a spare that left: its thread has returned
      it->thread.join();
      it = workers_.erase(it);
      continue;
    }
    it->stuck = stuck(*it, now);
    if (it->spare) ++spares;
    if (!it->stuck) ++moving;
    else if (!it->spare) ++stuck_regular;
    ++it;
  }
  stuck_ = stuck_regular;
  if (moving < size_ && spares < kMaxSpares) {
    g_message("rtmp: %u of %zu push workers are blocked inside one stream's pipeline for more than %lld ms; "
              "starting a spare so the other streams keep moving",
              static_cast<unsigned>(workers_.size()) - moving, workers_.size(),
              static_cast<long long>(kStuckUs / 1000));
    start_worker(true);
  }
}

void PushPool::checker() {
  pthread_setname_np(pthread_self(), "kek-push-check");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    checker_wake_.wait_for(lock, std::chrono::milliseconds(check_every_ms_), [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    check();
    lock.lock();
  }
}

void PushPool::serve_watch(Worker& me, uint64_t key, std::unique_lock<std::mutex>& lock) {
  auto it = watches_.find(key);
  if (it == watches_.end()) return;  // unwatched after epoll reported it
  std::shared_ptr<Watch> watch = it->second.watch;
  me.busy_since = g_get_monotonic_time();
  ++me.generation;
  me.in_watch = true;
  lock.unlock();
  std::vector<std::function<void()>> deferred;
  t_deferred = &deferred;
  watch->ready();  // catches what its input makes throw
  t_deferred = nullptr;
  lock.lock();
  if (auto again = watches_.find(key); again != watches_.end()) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.u64 = key;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, again->second.fd, &ev);
  }
  me.in_watch = false;
  idle_watches_.notify_all();
  lock.unlock();
  // The pushes the reads asked for, here on this worker (another worker may read this socket
  // again meanwhile: the element keeps its tags in order).
  for (auto& job : deferred) {
    job();
    job = nullptr;
  }
  deferred.clear();
  watch.reset();
  lock.lock();
}

void PushPool::work(Worker& me) {
  std::unique_lock lock(mutex_);
  me.tid = static_cast<pid_t>(syscall(SYS_gettid));
  for (;;) {
    if (!jobs_.empty()) {
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      if (jobs_.empty() && !stopping_) {
        uint64_t count;
        [[maybe_unused]] ssize_t n = read(jobs_event_, &count, sizeof count);
      }
      me.busy_since = g_get_monotonic_time();
      ++me.generation;
      lock.unlock();
      job();
      job = nullptr;  // whatever it holds goes before the lock is taken again
      lock.lock();
      me.busy_since = 0;
      continue;
    }
    if (stopping_) break;
    if (me.spare) {
      // Leave once the others are moving again (and not at once: stalls come in bursts).
      unsigned moving = 0;
      for (const Worker& w : workers_) moving += (!w.finished && !w.stuck && &w != &me) ? 1 : 0;
      if (moving >= size_ && g_get_monotonic_time() - me.started_us >= kSpareIdleUs) break;
    }
    lock.unlock();
    epoll_event ev{};
    const int n = epoll_wait(epoll_, &ev, 1, me.spare ? 1000 : -1);
    lock.lock();
    if (n == 1 && ev.data.u64 != kJobsKey) {
      serve_watch(me, ev.data.u64, lock);
      me.busy_since = 0;
    }
  }
  me.finished = true;
}

}  // namespace kek::rtmp
