// A streamer's channel: the title and category they set for their stream (PATCH
// /api/me/channel). The channels plugin provides it; the rtmp plugin's /api/live asks it, so a
// stream's card and watch page show what it is about.
#pragma once

#include <cstdint>
#include <string>

namespace kek {

struct ChannelInfo {
  std::string title;     // empty: not set
  std::string category;  // empty: not set
};

class Channels {
 public:
  static constexpr const char* kName = "channels.directory/1";
  virtual ~Channels() = default;
  // Main loop; answered from memory. An account without a channel has empty fields.
  virtual ChannelInfo channel_of(int64_t user_id) const = 0;
};

}  // namespace kek
