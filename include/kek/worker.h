// Slow or blocking work (file I/O, probing, hashing) on GLib's worker threads, its result back on
// the main loop, where the database and HTTP answers live; work handed to the main loop from
// any thread; and work for the main loop later.
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

// Makes fn the callback of source, run once (the source is removed after it) and freed with the
// source, run or not. For a source a plugin keeps in order to destroy it early (a timeout).
inline void set_callback_once(GSource* source, std::function<void()> fn) {
  using Fn = std::function<void()>;
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        (*static_cast<Fn*>(data))();
        return G_SOURCE_REMOVE;
      },
      std::make_unique<Fn>(std::move(fn)).release(), [](gpointer data) { std::unique_ptr<Fn> owned(static_cast<Fn*>(data)); });
}

// Runs fn on `context`'s loop (nullptr: the main loop, the default main context) from any
// thread, always later through that context's queue: an idle source at default priority. Not
// g_main_context_invoke, which runs fn at once on the calling thread (a streaming thread, a
// worker) whenever that thread can acquire the context, e.g. while the loop is between turns.
// fn is dropped unrun if the context is never iterated again.
inline void run_on_main(std::function<void()> fn, GMainContext* context = nullptr) {
  GSource* idle = g_idle_source_new();
  g_source_set_priority(idle, G_PRIORITY_DEFAULT);
  set_callback_once(idle, std::move(fn));
  g_source_attach(idle, context);
  g_source_unref(idle);
}

// Runs fn once on the default main loop after ms (a timer, nothing waits in a thread); the
// returned source id cancels it (g_source_remove) until it has run.
inline guint run_later(guint ms, std::function<void()> fn) {
  GSource* timer = g_timeout_source_new(ms);
  set_callback_once(timer, std::move(fn));
  const guint id = g_source_attach(timer, nullptr);
  g_source_unref(timer);
  return id;
}

}  // namespace kek
