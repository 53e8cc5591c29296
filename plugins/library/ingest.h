// New items are probed one after another off the main loop (a slow or broken file never holds
// up the HTTP side, and the time limit bounds each probe); a usable file gets its tracks and a
// queued transcode job, an unusable one status "failed" with the reason.
#pragma once

#include "catalogue.h"
#include "probe.h"

#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>

namespace kek::library {

class Ingest : public std::enable_shared_from_this<Ingest> {
 public:
  explicit Ingest(Catalogue& catalogue);

  // Queues `item_id` for probing (again: a sidecar or a changed file).
  void probe(const std::string& item_id);
  // Items that were added but never probed (the process stopped first) are queued again.
  void resume_unprobed();
  // Called on the main loop after each probe (tests, folder import waiting on it).
  void on_probed(std::function<void(const std::string& id, const ProbeResult&)> fn) { probed_ = std::move(fn); }
  size_t pending() const { return queue_.size() + (busy_ ? 1 : 0); }

  // Applies a probe to the item: columns, tracks, job; or failed. Main thread.
  Status apply(const std::string& item_id, const ProbeResult& result);

 private:
  void next();

  Catalogue& catalogue_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_;
  bool busy_ = false;
  std::unique_ptr<Prober> prober_;
  std::function<void(const std::string&, const ProbeResult&)> probed_;
};

}  // namespace kek::library
