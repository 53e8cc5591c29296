// A user's stream keys as other plugins may know them: by id, with their public stream name and
// who may watch what they publish, never the secret. The auth plugin provides it; the schedule
// plugin ties a live event to one of its creator's keys with it. Main thread only.
#pragma once

#include <kek/error.h>
#include <kek/services/media_access.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kek {

struct StreamKeyInfo {
  int64_t id = 0;
  int64_t owner_id = 0;    // kek::UserIdentity::id
  std::string name;        // the owner's label ("OBS at home")
  std::string stream;      // the public stream name: /media/live/<stream>/, stream.started's `stream`
  MediaPolicy policy;      // who may watch it (also set on "live/<stream>/")

  std::string media_prefix() const { return "live/" + stream + "/"; }
};

class StreamKeys {
 public:
  static constexpr const char* kName = "auth.stream-keys/1";
  virtual ~StreamKeys() = default;
  // The user's keys that still work (revoked ones left out), oldest first.
  virtual Result<std::vector<StreamKeyInfo>> keys_of(int64_t user_id) = 0;
  // One working key by id, whoever owns it; nullopt when unknown or revoked.
  virtual Result<std::optional<StreamKeyInfo>> key(int64_t key_id) = 0;
};

}  // namespace kek
