// Decides who may publish a live stream. The auth plugin provides it; without it the RTMP
// plugin falls back to the keys listed in its own config.
#pragma once

#include <kek/services/media_access.h>

#include <cstdint>
#include <string>

namespace kek {

struct PublishRequest {
  std::string app;     // "live"
  std::string key;     // the stream key (the RTMP publish name)
  std::string remote;  // peer address
};

struct PublishDecision {
  bool allowed = false;
  std::string owner;   // user name the key belongs to (for display and logs)
  int64_t owner_id = 0;  // the account (kek::UserIdentity::id); 0 for keys from the rtmp config
  std::string stream;  // public stream name to use in URLs (never the secret key)
  std::string reason;  // why not, for the log
  MediaPolicy policy;  // who may watch it (the owner's choice for this key)
  bool record = false; // the owner wants it recorded too (the app's template may record anyway)
};

class PublishAuthorizer {
 public:
  static constexpr const char* kName = "auth.publish-authorizer/2";
  virtual ~PublishAuthorizer() = default;
  virtual PublishDecision authorize(const PublishRequest& request) = 0;
  // The publish that authorize() allowed has ended (for per-user concurrent limits).
  virtual void ended(const PublishRequest& request) = 0;
};

}  // namespace kek
