// The transcode queue in /metrics: jobs by state (the queue is the table, so a restart loses
// none of it) and the progress of each running job.
#include "job_runner.h"

namespace kek::library {

void JobRunner::write_metrics(kek::MetricsWriter& w) {
  w.family("kek_library_jobs", "gauge", "Library transcode jobs by state (queued: waiting for a worker)");
  std::map<std::string, double> by_state = {{"queued", 0}, {"running", 0}, {"done", 0}, {"failed", 0}, {"cancelled", 0}};
  if (auto rows = host_.db().query("SELECT state, COUNT(*) AS n FROM library_jobs GROUP BY state", {}))
    for (const auto& r : *rows) by_state[r.text("state")] = static_cast<double>(r.integer("n"));
  for (const auto& [state, n] : by_state) w.sample({{"state", state}}, n);
  // At most `jobs` of them (a setting): the item id is a bounded label.
  w.family("kek_library_job_progress", "gauge", "Progress of each running transcode job, 0..1, by item");
  for (const auto& [pid, job] : running_) w.sample({{"item", job.item_id}}, job.progress / 100.0);  // job.progress is in %
}

}  // namespace kek::library
