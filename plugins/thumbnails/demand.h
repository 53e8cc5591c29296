// Who looks at a live picture. The `thumbnail` output's urls() (what /api/live calls for every
// stream it lists) asks for the stream's picture; a kekthumbnailsink with on-demand=true decodes
// a keyframe after its first picture only when its picture was asked for since the last one it
// handed to the decode pool. A stream nobody lists costs one decode per session, not one per
// interval. The thumbnails plugin provides one board to every pipeline (service kName).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace kek::thumbnails {

class Demand {
 public:
  static constexpr const char* kName = "thumbnails.demand/1";

  // When the picture was last asked for (g_get_monotonic_time, 0: never), shared by whoever
  // watches the same file. Read with one atomic load: no lock on a stream's thread.
  using Slot = std::shared_ptr<std::atomic<int64_t>>;

  // The slot of the picture at `location` (made at the first watcher, dropped after the last).
  Slot watch(const std::string& location);
  // Somebody wants the picture at `location` now; nothing when no sink writes it.
  void ask(const std::string& location);

  // The same file under another spelling ("a//b/./thumb.jpg") is the same key.
  static std::string key(const std::string& location);

 private:
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<std::atomic<int64_t>>> slots_;
};

}  // namespace kek::thumbnails
