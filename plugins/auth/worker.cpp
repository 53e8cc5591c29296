#include "worker.h"

#include <gio/gio.h>

namespace kek::auth {
namespace {

struct Job {
  std::function<void()> work;
  std::function<void()> done;
};

}  // namespace

void run_in_worker(std::function<void()> work, std::function<void()> done) {
  auto job = std::make_unique<Job>(Job{std::move(work), std::move(done)});
  // The callback runs on the thread-default main context of now, i.e. the main loop.
  GTask* task = g_task_new(
      nullptr, nullptr,
      [](GObject*, GAsyncResult* result, gpointer) {
        auto* finished = static_cast<Job*>(g_task_get_task_data(G_TASK(result)));
        finished->done();
      },
      nullptr);
  // The task owns the job from here on and frees it with itself.
  g_task_set_task_data(task, job.release(), [](gpointer data) { std::unique_ptr<Job> owned(static_cast<Job*>(data)); });
  g_task_run_in_thread(task, [](GTask* t, gpointer, gpointer data, GCancellable*) {
    static_cast<Job*>(data)->work();
    g_task_return_boolean(t, TRUE);
  });
  g_object_unref(task);
}

}  // namespace kek::auth
