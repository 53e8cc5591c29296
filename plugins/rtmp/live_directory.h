// kek::LiveStreams over the stream registry: what other plugins may know about live streams.
#pragma once

#include "stream_registry.h"

#include <kek/services/live_streams.h>

namespace kek::rtmp {

class LiveDirectory final : public LiveStreams {
 public:
  explicit LiveDirectory(const StreamRegistry& registry) : registry_(registry) {}
  std::vector<LiveStreamInfo> list() const override;
  std::optional<LiveStreamInfo> find(const std::string& stream) const override;

 private:
  const StreamRegistry& registry_;
};

}  // namespace kek::rtmp
