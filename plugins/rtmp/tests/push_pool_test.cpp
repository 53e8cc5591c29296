// PushPool: jobs run on its workers, and a worker stuck in one job does not stop the rest.
#include "push_pool.h"

#include <gtest/gtest.h>
#include <glib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace {

// Waits (bounded) until done() holds.
bool eventually(const std::function<bool()>& done, int timeout_ms = 20000) {
  const int64_t deadline = g_get_monotonic_time() + int64_t{timeout_ms} * 1000;
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    g_usleep(10000);
  }
  return true;
}

}  // namespace

TEST(PushPool, RunsEveryJobOnAFixedNumberOfWorkers) {
  kek::rtmp::PushPool pool(2);
  EXPECT_EQ(pool.size(), 2u);
  std::atomic<int> ran{0};
  for (int i = 0; i < 1000; ++i) pool.run([&] { ++ran; });
  EXPECT_TRUE(eventually([&] { return ran == 1000; }));
  EXPECT_EQ(pool.running(), 2u) << "quick jobs need no spare";
}

TEST(PushPool, AStuckJobDoesNotHoldUpTheOthers) {
  kek::rtmp::PushPool pool(1);
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  pool.run([&] {  // the only worker blocks until the test lets it go
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return release; });
  });
  std::atomic<bool> other_ran{false};
  pool.run([&] { other_ran = true; });
  // Nothing else happens on its own: the pool looks again whenever work arrives (poke).
  EXPECT_TRUE(eventually([&] {
    pool.poke();
    return other_ran.load();
  })) << "a spare worker ran the job queued behind the stuck one";
  EXPECT_EQ(pool.running(), 2u);
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
}

TEST(PushPool, QueuedJobsRunBeforeItIsDestroyed) {
  std::atomic<int> ran{0};
  {
    kek::rtmp::PushPool pool(1);
    for (int i = 0; i < 100; ++i) pool.run([&] { ++ran; });
  }
  EXPECT_EQ(ran, 100);
}
