// The live streams the history plugin may record viewings of: those the rtmp plugin's
// kek::LiveStreams service says are live, and those that ended a short while ago (a player's
// last reports, and the beacon of a closing tab, arrive after the end). No plugin reads
// another's state: what is live comes from the service, the end from stream.ended.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace kek {
class Services;
}

namespace kek::history {

struct WatchedStream {
  std::string app;
  std::string stream;
  std::string owner;
  int64_t ended_ms = 0;  // 0 while live
  std::string media_prefix() const { return app + "/" + stream + "/"; }
};

class StreamDirectory {
 public:
  static constexpr int64_t kKeptAfterEndMs = 10 * 60 * 1000;
  static constexpr size_t kMaxRemembered = 10000;

  explicit StreamDirectory(Services& services) : services_(services) {}
  std::optional<WatchedStream> find(const std::string& stream, int64_t now_ms);
  void ended(const std::string& stream, int64_t now_ms);

 private:
  void prune(int64_t now_ms);
  Services& services_;
  std::map<std::string, WatchedStream> seen_;
};

}  // namespace kek::history
