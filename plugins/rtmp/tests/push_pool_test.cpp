// PushPool: jobs run on its workers, and a worker stuck in one job does not stop the rest.
#include "push_pool.h"

#include <gtest/gtest.h>
#include <glib.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
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
  // The pool's checker sees the worker blocked (off the CPU, not waiting for it) and starts a spare.
  EXPECT_TRUE(eventually([&] { return other_ran.load(); })) << "a spare worker ran the job queued behind the stuck one";
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

namespace {

// One end of a socketpair watched by the pool: ready() reads what is there and counts it.
struct Reader : kek::rtmp::PushPool::Watch {
  int fd;
  std::atomic<int> bytes{0};
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  std::function<void()> on_ready;  // runs first, on the worker
  explicit Reader(int fd) : fd(fd) {}
  void ready() override {
    if (inside.fetch_add(1) != 0) overlapped = true;
    if (on_ready) on_ready();
    char buf[256];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0;) bytes += static_cast<int>(n);
    --inside;
  }
};

struct Pair {
  int fds[2] = {-1, -1};
  Pair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0); }
  ~Pair() {
    close(fds[0]);
    close(fds[1]);
  }
  void send(const char* text) { EXPECT_GT(write(fds[1], text, strlen(text)), 0); }
};

}  // namespace

TEST(PushPool, AWatchedSocketIsReadOnAWorkerAsItsInputComes) {
  kek::rtmp::PushPool pool(2);
  Pair p;
  auto reader = std::make_shared<Reader>(p.fds[0]);
  const uint64_t key = pool.watch(p.fds[0], reader);
  ASSERT_NE(key, 0u);
  for (int i = 0; i < 50; ++i) {
    p.send("0123456789");
    g_usleep(1000);
  }
  EXPECT_TRUE(eventually([&] { return reader->bytes == 500; })) << reader->bytes;
  EXPECT_FALSE(reader->overlapped) << "two workers were inside one socket's ready() at once";
  pool.unwatch(key);
  const int before = reader->bytes;
  p.send("more");
  g_usleep(200000);
  EXPECT_EQ(reader->bytes, before) << "read after unwatch()";
}

TEST(PushPool, WhatReadyDefersRunsOnTheSameWorkerAfterIt) {
  kek::rtmp::PushPool pool(2);
  Pair p;
  auto reader = std::make_shared<Reader>(p.fds[0]);
  std::atomic<bool> same_thread{false}, ran{false};
  std::function<void()> not_deferred = [] {};
  EXPECT_FALSE(kek::rtmp::PushPool::defer(not_deferred)) << "outside ready() nothing is deferred";
  reader->on_ready = [&] {
    const auto me = std::this_thread::get_id();
    std::function<void()> job = [&, me] {
      same_thread = std::this_thread::get_id() == me;
      ran = reader->inside == 0;  // after ready() returned
    };
    EXPECT_TRUE(kek::rtmp::PushPool::defer(job));
  };
  ASSERT_NE(pool.watch(p.fds[0], reader), 0u);
  p.send("x");
  EXPECT_TRUE(eventually([&] { return ran.load(); }));
  EXPECT_TRUE(same_thread);
}

TEST(PushPool, ASocketStuckOnTheOnlyWorkerDoesNotStopAnotherSocket) {
  kek::rtmp::PushPool pool(1);
  Pair stuck_pair, fine_pair;
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  auto stuck = std::make_shared<Reader>(stuck_pair.fds[0]);
  stuck->on_ready = [&] {  // blocked (off the CPU) until the test lets it go
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return release; });
  };
  auto fine = std::make_shared<Reader>(fine_pair.fds[0]);
  ASSERT_NE(pool.watch(stuck_pair.fds[0], stuck), 0u);
  ASSERT_NE(pool.watch(fine_pair.fds[0], fine), 0u);
  stuck_pair.send("s");
  EXPECT_TRUE(eventually([&] { return stuck->inside == 1; }));
  fine_pair.send("f");
  EXPECT_TRUE(eventually([&] { return fine->bytes == 1; })) << "a spare read the other socket";
  EXPECT_EQ(pool.running(), 2u);
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
}

TEST(PushPool, AWorkerThatIsBusyOnTheCpuIsNotStuck) {
  // A long job that computes (or waits for a CPU on a busy machine) is not blocked: no spare.
  kek::rtmp::PushPool pool(1);
  std::atomic<bool> done{false};
  pool.run([&] {
    const int64_t end = g_get_monotonic_time() + 1'200'000;
    volatile uint64_t x = 0;
    while (g_get_monotonic_time() < end) x = x + 1;
    done = true;
  });
  EXPECT_TRUE(eventually([&] { return done.load(); }));
  EXPECT_EQ(pool.running(), 1u) << "a spare was started for a worker that was computing";
}
