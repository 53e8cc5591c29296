// The live streams being published now. The rtmp plugin provides it; other plugins (channels,
// chat) ask it which streams are live and whose they are, instead of reading rtmp's state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kek {

struct LiveStreamInfo {
  std::string app;      // "live"
  std::string stream;   // the public name: /media/<app>/<stream>/
  std::string owner;    // user name of the key's owner ("config" for keys from the rtmp config)
  int64_t owner_id = 0; // kek::UserIdentity::id; 0 for keys from the rtmp config
  int64_t since_us = 0; // g_get_real_time() when the publish began
  bool reconnecting = false;  // the publisher dropped; the grace period runs
  bool has_video = false;     // video has arrived (its codec is known); added after the fields above
  bool has_audio = false;     // audio has arrived

  std::string media_prefix() const { return app + "/" + stream + "/"; }  // for Identity::may_view
};

class LiveStreams {
 public:
  static constexpr const char* kName = "rtmp.live-streams/1";
  virtual ~LiveStreams() = default;
  // Main loop. Every stream, whoever may watch it: filter with Identity::may_view before showing.
  virtual std::vector<LiveStreamInfo> list() const = 0;
  virtual std::optional<LiveStreamInfo> find(const std::string& stream) const = 0;
};

}  // namespace kek
