// kek::rtmp::PushPool: the few threads that read the publishers' sockets and push every live
// stream's FLV into its pipeline. One worker per core. A publishing connection's socket is
// watched by the pool (one epoll set shared by the workers, one-shot: one worker at a time per
// connection); the worker that sees it readable reads it, parses the chunks and hands the tags
// to the stream's kekrtmpsrc, whose push then runs on that same worker (defer()) through the
// synchronous passthrough elements (demux, parse, segment writer): socket to TS file on one
// thread, no hand-off. Jobs (run()) are for tags that arrive elsewhere (a pipeline that starts
// gets the cached GOP from the main loop; SRT and WHIP publishes).
//
// A stream whose pipeline blocks (a slow disk, an element that waits) must not hold up the
// others: a worker that has been inside one job for longer than kStuckUs and found blocked
// (asleep or in I/O, by /proc's task state) at two looks in a row counts as stuck (a worker
// that is merely starved of CPU on a busy machine is runnable, not stuck: a spare would not
// help it); when
// fewer than size() workers are moving, the pool starts a spare, which serves the same sockets
// and jobs. Spares leave once nothing is stuck and they have had a while of it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace kek::rtmp {

class PushPool {
 public:
  static constexpr const char* kName = "rtmp.push-pool/1";  // plugin-internal service
  static constexpr int64_t kStuckUs = 250'000;              // one job this long, blocked: that worker is stuck
  static constexpr int64_t kSpareIdleUs = 5'000'000;        // a spare leaves after this long with nothing stuck
  static constexpr unsigned kMaxSpares = 64;

  // What a watched socket runs on a worker when it is readable.
  class Watch {
   public:
    virtual ~Watch() = default;
    virtual void ready() = 0;
  };

  // threads: workers to keep (0: one per core). check_every_ms: how often a thread of the pool's
  // own looks for stuck workers (0: never; tests call check()).
  explicit PushPool(unsigned threads = 0, unsigned check_every_ms = 100);
  ~PushPool();  // runs what is queued, then joins every worker
  PushPool(const PushPool&) = delete;
  PushPool& operator=(const PushPool&) = delete;

  // job runs soon on a worker. Never blocks; callable from any thread, with any lock held that
  // job itself does not take.
  void run(std::function<void()> job);
  // On a worker inside Watch::ready(): run job on this worker once ready() returns, and true;
  // anywhere else false (the caller run()s it).
  static bool defer(std::function<void()>& job);

  // fd's input is served by the pool from now on: when it is readable a worker calls
  // watch->ready() (never two at once); after each ready() it is watched again unless
  // unwatch()ed meanwhile. Returns the key for unwatch(), 0 if epoll refused the fd.
  uint64_t watch(int fd, std::shared_ptr<Watch> watch);
  // No more ready() calls start for it (one in flight finishes).
  void unwatch(uint64_t key);
  // Waits (at most timeout_us) until no ready() call is running on any worker.
  void wait_watches_idle(int64_t timeout_us);

  // Starts a spare if fewer than size() workers are moving. The checker thread calls it.
  void check();

  unsigned size() const { return size_; }  // the workers it keeps
  unsigned running() const;                // workers now alive, spares included

 private:
  struct Worker {
    std::thread thread;
    pid_t tid = 0;
    int64_t started_us = 0;
    int64_t busy_since = 0;  // monotonic µs the current unit of work started; 0 when idle
    uint64_t generation = 0; // units of work started
    bool in_watch = false;
    bool spare = false;
    bool stuck = false;      // as check() last saw it
    bool finished = false;   // the thread has returned; join and drop it
    // check()'s last look at it: in which unit of work, and whether it was blocked.
    uint64_t sample_generation = 0;
    bool sample_blocked = false;
  };
  struct Registered {
    int fd;
    std::shared_ptr<Watch> watch;
  };
  void work(Worker& me);
  void serve_watch(Worker& me, uint64_t key, std::unique_lock<std::mutex>& lock);
  void start_worker(bool spare);  // with mutex_ held
  void signal_jobs();             // with mutex_ held
  void checker();
  bool stuck(Worker& w, int64_t now);  // with mutex_ held

  const unsigned size_;
  const unsigned check_every_ms_;
  int epoll_ = -1;
  int jobs_event_ = -1;  // eventfd in the epoll set: readable while jobs_ is not empty (or stopping)
  mutable std::mutex mutex_;
  std::condition_variable idle_watches_;
  std::deque<std::function<void()>> jobs_;
  std::list<Worker> workers_;
  std::map<uint64_t, Registered> watches_;
  uint64_t next_key_ = 1;
  unsigned stuck_ = 0;  // regular workers check() found stuck
  bool stopping_ = false;
  std::thread checker_;
  std::condition_variable checker_wake_;
};

}  // namespace kek::rtmp
