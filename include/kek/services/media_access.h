// Who may fetch what under /media/. The auth plugin provides it and guards /media/ with it;
// plugins that publish media (rtmp for live streams, library for films) declare a policy for
// the path prefix they write, e.g. "live/cam1/" with the owner's chosen visibility.
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kek {

enum class Visibility { public_, unlisted, private_ };

inline const char* to_string(Visibility v) {
  switch (v) {
    case Visibility::public_: return "public";
    case Visibility::unlisted: return "unlisted";
    case Visibility::private_: return "private";
  }
  return "private";
}

struct MediaPolicy {
  Visibility visibility = Visibility::public_;
  std::string owner;                  // user name; always allowed
  std::vector<std::string> allowed;   // user names and "group:family"-style group names
};

class MediaAccess {
 public:
  static constexpr const char* kName = "auth.media-access/1";
  virtual ~MediaAccess() = default;
  // prefix is relative to the media root, ending in '/': "live/cam1/". The longest match wins;
  // paths under no policy are public.
  virtual void set_policy(const std::string& prefix, MediaPolicy policy) = 0;
  virtual void remove_policy(const std::string& prefix) = 0;
  // A URL token for external players (VLC, ffmpeg): HMAC over prefix + expiry with a server
  // secret. Append as ?token=... to any URL under the prefix.
  virtual Result<std::string> sign(const std::string& prefix, int64_t ttl_seconds) = 0;
};

}  // namespace kek
