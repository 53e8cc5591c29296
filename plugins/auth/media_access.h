// kek::MediaAccess: visibility policies per media path prefix, and signed URL tokens for
// players that carry no cookie. The /media/ guard (routes_media.cpp) asks it who may read what.
#pragma once

#include <kek/error.h>
#include <kek/services/media_access.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kek::auth {

// Who is asking: a user name, and how to learn whether they are in a group.
struct Viewer {
  std::string username;
  std::function<bool(const std::string& group)> in_group;
};

// "live/cam1/": relative, ending in '/', no empty, "." or ".." segments.
Status check_media_prefix(std::string_view prefix);

class MediaAccessService final : public MediaAccess {
 public:
  // May be called from any thread (policies are guarded by a mutex).
  void set_policy(const std::string& prefix, MediaPolicy policy) override;
  void remove_policy(const std::string& prefix) override;
  Result<std::string> sign(const std::string& prefix, int64_t ttl_seconds) override;

  // Set once at start (data_dir/secrets/media.key); sign() fails before that.
  void set_secret(std::vector<uint8_t> secret);

  // The policy with the longest prefix of path (relative to the media root), if any.
  std::optional<MediaPolicy> policy_for(std::string_view relative_path) const;
  // Whether viewer may read every file under prefix: the policy that covers the prefix itself
  // and every narrower policy below it. Used before handing out a signed URL.
  bool may_view_all_under(std::string_view prefix, const std::optional<Viewer>& viewer) const;
  // Whether token was signed for some folder that contains relative_path, and has not expired.
  bool token_grants(std::string_view token, std::string_view relative_path, int64_t now) const;

  static bool may_view(const MediaPolicy& policy, const std::optional<Viewer>& viewer);
  // The token sign() makes, with an explicit expiry time (for tests of expiry).
  Result<std::string> sign_until(const std::string& prefix, int64_t expires_at) const;

 private:
  std::string mac_for(std::string_view prefix, int64_t expires_at) const;

  mutable std::mutex mutex_;
  std::map<std::string, MediaPolicy, std::less<>> policies_;
  std::vector<uint8_t> secret_;
};

}  // namespace kek::auth
