// kek::LiveStreams over the stream registry: what other plugins may know about live streams;
// and kek::LiveAnnouncements, the streams no publisher sends (premieres) that /api/live lists too.
#pragma once

#include "stream_registry.h"

#include <kek/services/live_streams.h>

#include <map>
#include <utility>

namespace kek::rtmp {

class LiveDirectory final : public LiveStreams {
 public:
  explicit LiveDirectory(const StreamRegistry& registry) : registry_(registry) {}
  std::vector<LiveStreamInfo> list() const override;
  std::optional<LiveStreamInfo> find(const std::string& stream) const override;

 private:
  const StreamRegistry& registry_;
};

class Announcements final : public LiveAnnouncements {
 public:
  void announce(LiveAnnouncement announcement) override;
  void withdraw(const std::string& app, const std::string& stream) override;
  std::vector<LiveAnnouncement> announced() const override;

 private:
  std::map<std::pair<std::string, std::string>, LiveAnnouncement> live_;  // by (app, stream)
};

}  // namespace kek::rtmp
