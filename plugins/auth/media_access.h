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

// Who is asking: an account, and how to learn whether it is in a group.
struct Viewer {
  int64_t user_id = 0;
  std::function<bool(const std::string& group)> in_group;
};

// The account a signed URL was made for, as it is now: nullopt when it no longer exists.
struct Signer {
  Viewer viewer;
  int64_t tokens_not_before = 0;  // tokens issued earlier are dead (a new password ends them)
};
using SignerLookup = std::function<std::optional<Signer>(int64_t user_id)>;

// What a listing may show (Identity::may_view) or what a link opens (the /media/ guard).
enum class Purpose { list, open };

// "live/cam1/": relative, ending in '/', no empty, "." or ".." segments.
Status check_media_prefix(std::string_view prefix);

// Why a signed URL opens a path, or why not (the guard's 403 says which).
enum class TokenVerdict { granted, malformed, expired, signer_gone, signer_refused };

class MediaAccessService final : public MediaAccess {
 public:
  // May be called from any thread (policies are guarded by a mutex).
  void set_policy(const std::string& prefix, MediaPolicy policy) override;
  void remove_policy(const std::string& prefix) override;
  // Main thread (the signer is looked up in the database).
  Result<std::string> sign(const std::string& prefix, int64_t ttl_seconds, int64_t user_id) override;
  bool token_opens(const std::string& token, const std::string& relative_path) override;

  // Set once at start (data_dir/secrets/media.key); sign() fails before that.
  void set_secret(std::vector<uint8_t> secret);
  // Set once when the plugin is wired; without it every token is refused.
  void set_signer_lookup(SignerLookup lookup);
  // Where the media folders are: set_policy keeps a marker (kek::policy_marker_path) for every
  // non-public policy there (and removes it when the policy goes). Without it, no markers.
  void set_media_root(std::string media_dir);

  // The policy with the longest prefix of path (relative to the media root), if any.
  std::optional<MediaPolicy> policy_for(std::string_view relative_path) const;
  // Whether viewer may see every file under prefix: the policy that covers the prefix itself
  // and every narrower policy below it.
  bool may_see_all_under(std::string_view prefix, const std::optional<Viewer>& viewer, Purpose purpose) const;
  // Whether token opens relative_path at `now`: made by this server for a folder containing
  // the path, not expired, and its signer still exists and may open the path by the policies in
  // force now (a key made private, a grant revoked or a deleted account ends it).
  TokenVerdict check_token(std::string_view token, std::string_view relative_path, int64_t now) const;

  static bool may_view(const MediaPolicy& policy, const std::optional<Viewer>& viewer, Purpose purpose);
  // The token sign() makes, with explicit times (for tests of expiry); no permission check.
  Result<std::string> sign_at(const std::string& prefix, int64_t user_id, int64_t issued_at,
                              int64_t expires_at) const;

 private:
  void mark_folder(const std::string& prefix, bool protect);
  std::string mac_for(std::string_view prefix, int64_t user_id, int64_t issued_at, int64_t expires_at) const;

  mutable std::mutex mutex_;
  std::map<std::string, MediaPolicy, std::less<>> policies_;
  std::vector<uint8_t> secret_;
  SignerLookup signers_;
  std::string media_root_;
  std::map<std::string, bool, std::less<>> marked_;  // what the folders' markers are known to say
};

}  // namespace kek::auth
