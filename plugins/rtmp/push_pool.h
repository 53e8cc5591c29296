// kek::rtmp::PushPool: the few threads on which every live stream's FLV enters its pipeline.
// kekrtmpsrc hands it a job when tags are waiting (one job per stream at a time); a worker runs
// it, and the stream's buffers flow through the synchronous passthrough elements (demux, parse,
// segment writer) on that worker. One worker per core, so the thread count does not grow with
// the streams.
//
// A stream whose pipeline blocks (a slow disk, an element that waits) must not hold up the
// others queued behind it: when every worker is busy and some have been inside one job for
// longer than kStuckUs, the pool starts a spare worker so that as many as it was sized for
// keep moving; spares leave again once they have had nothing to do for a while.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace kek::rtmp {

class PushPool {
 public:
  static constexpr const char* kName = "rtmp.push-pool/1";  // plugin-internal service
  static constexpr int64_t kStuckUs = 250'000;              // one job this long: that worker is stuck
  static constexpr int64_t kSpareIdleUs = 5'000'000;        // a spare with no work this long leaves
  static constexpr unsigned kMaxSpares = 64;

  // threads: workers to keep (0: one per core).
  explicit PushPool(unsigned threads = 0);
  ~PushPool();  // runs what is queued, then joins every worker
  PushPool(const PushPool&) = delete;
  PushPool& operator=(const PushPool&) = delete;

  // job runs soon on a worker. Never blocks; callable from any thread, with any lock held that
  // job itself does not take.
  void run(std::function<void()> job);
  // Work arrived for a job already queued: start a spare if the queue is waiting behind stuck
  // workers. Cheap; called on every tag.
  void poke();

  unsigned size() const { return size_; }  // the workers it keeps
  unsigned running() const;                // workers now alive, spares included

 private:
  struct Worker {
    std::thread thread;
    int64_t busy_since = 0;  // monotonic µs the current job started; 0 when idle
    bool spare = false;
    bool finished = false;  // the thread has returned; join and drop it
  };
  void work(Worker& me);
  void grow_if_stuck(std::unique_lock<std::mutex>& lock);
  void start_worker(bool spare);  // with mutex_ held

  const unsigned size_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::list<Worker> workers_;
  unsigned idle_ = 0;
  bool stopping_ = false;
};

}  // namespace kek::rtmp
