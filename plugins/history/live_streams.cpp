#include "live_streams.h"

#include <kek/services.h>
#include <kek/services/live_streams.h>

namespace kek::history {

std::optional<WatchedStream> StreamDirectory::find(const std::string& stream, int64_t now_ms) {
  if (auto* live = services_.get<LiveStreams>()) {
    if (auto info = live->find(stream)) {
      if (seen_.size() >= kMaxRemembered) prune(now_ms);
      WatchedStream s{info->app, info->stream, info->owner, 0};
      seen_[stream] = s;
      return s;
    }
  }
  auto it = seen_.find(stream);
  if (it == seen_.end()) return std::nullopt;
  // Not live any more: it ended when we first noticed, unless stream.ended said so before.
  if (!it->second.ended_ms) it->second.ended_ms = now_ms;
  if (now_ms - it->second.ended_ms > kKeptAfterEndMs) {
    seen_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void StreamDirectory::ended(const std::string& stream, int64_t now_ms) {
  auto it = seen_.find(stream);
  if (it != seen_.end() && !it->second.ended_ms) it->second.ended_ms = now_ms;
}

void StreamDirectory::prune(int64_t now_ms) {
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (it->second.ended_ms && now_ms - it->second.ended_ms > kKeptAfterEndMs) it = seen_.erase(it);
    else ++it;
  }
  if (seen_.size() >= kMaxRemembered) seen_.clear();
}

}  // namespace kek::history
