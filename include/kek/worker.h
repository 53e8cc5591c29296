// Slow or blocking work (file I/O, probing, hashing) on GLib's worker threads, its result back on
// the main loop, where the database and HTTP answers live; and work for the main loop later.
// Header-only.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace kek {

// work runs on a worker thread; done runs afterwards on the thread-default main context of the
// caller. Neither may throw. work must not touch the database (it is bound to the main thread).
inline void run_in_worker(std::function<void()> work, std::function<void()> done) {
  struct Job {
    std::function<void()> work;
    std::function<void()> done;
  };
  auto job = std::make_unique<Job>(Job{std::move(work), std::move(done)});
  GTask* task = g_task_new(
      nullptr, nullptr,
      [](GObject*, GAsyncResult* result, gpointer) {
        static_cast<Job*>(g_task_get_task_data(G_TASK(result)))->done();
      },
      nullptr);
  g_task_set_task_data(task, job.release(), [](gpointer data) { std::unique_ptr<Job> owned(static_cast<Job*>(data)); });
  g_task_run_in_thread(task, [](GTask* t, gpointer, gpointer data, GCancellable*) {
    static_cast<Job*>(data)->work();
    g_task_return_boolean(t, TRUE);
  });
  g_object_unref(task);
}

template <class T>
void run_in_worker(std::function<T()> work, std::function<void(T)> done) {
  auto result = std::make_shared<std::optional<T>>();
  run_in_worker([result, work = std::move(work)] { result->emplace(work()); },
                [result, done = std::move(done)] { done(std::move(**result)); });
}

// Runs fn once on the default main loop after ms (a timer, nothing waits in a thread); the
// returned source id cancels it (g_source_remove) until it has run.
inline guint run_later(guint ms, std::function<void()> fn) {
  using Fn = std::function<void()>;
  return g_timeout_add_full(
      G_PRIORITY_DEFAULT, ms,
      [](gpointer data) -> gboolean {
        (*static_cast<Fn*>(data))();
        return G_SOURCE_REMOVE;
      },
      std::make_unique<Fn>(std::move(fn)).release(), [](gpointer data) { std::unique_ptr<Fn> owned(static_cast<Fn*>(data)); });
}

}  // namespace kek
