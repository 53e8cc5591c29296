#include "media_access.h"

#include "secrets.h"
#include "timestamps.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <cerrno>

#include <algorithm>
#include <array>
#include <cstdlib>

namespace kek::auth {
namespace {

// A signed URL token: "<user id>.<issued at>.<expires at>.<MAC>", the MAC over the folder it was
// made for and the three numbers. The folder is not in the token: the guard finds it by trying
// the folders of the requested path.
struct TokenParts {
  int64_t user_id = 0;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
  std::string_view mac;
};

std::optional<int64_t> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char ch : text)
    if (!g_ascii_isdigit(ch)) return std::nullopt;
  return std::strtoll(std::string(text).c_str(), nullptr, 10);
}

std::optional<TokenParts> parse_token(std::string_view token) {
  std::array<std::string_view, 4> parts;
  size_t start = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const size_t end = i + 1 < parts.size() ? token.find('.', start) : token.size();
    if (end == std::string_view::npos) return std::nullopt;
    parts[i] = token.substr(start, end - start);
    start = end + 1;
  }
  auto user = parse_number(parts[0]);
  auto issued = parse_number(parts[1]);
  auto expires = parse_number(parts[2]);
  if (!user || !issued || !expires || *user <= 0 || parts[3].empty()) return std::nullopt;
  return TokenParts{*user, *issued, *expires, parts[3]};
}

}  // namespace

Status check_media_prefix(std::string_view prefix) {
  if (prefix.empty() || prefix.back() != '/' || prefix.front() == '/')
    return Error{"a media prefix is a folder relative to the media root, ending in '/', like \"live/cam1/\"", 400, "invalid_media_prefix"};
  size_t start = 0;
  while (start < prefix.size()) {
    size_t end = prefix.find('/', start);
    std::string_view segment = prefix.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == ".." || segment.find('\\') != std::string_view::npos ||
        segment.find('\0') != std::string_view::npos)
      return Error{"the media prefix has an invalid segment", 400, "invalid_media_prefix"};
    start = end + 1;
  }
  return {};
}

void MediaAccessService::set_policy(const std::string& prefix, MediaPolicy policy) {
  if (auto s = check_media_prefix(prefix); !s) {
    g_warning("auth: media policy for '%s' ignored: %s", prefix.c_str(), s.error().message.c_str());
    return;
  }
  const bool protect = policy.visibility != Visibility::public_;
  {
    std::lock_guard lock(mutex_);
    policies_[prefix] = std::move(policy);
  }
  mark_folder(prefix, protect);
}

void MediaAccessService::remove_policy(const std::string& prefix) {
  {
    std::lock_guard lock(mutex_);
    policies_.erase(prefix);
  }
  mark_folder(prefix, false);
}

void MediaAccessService::set_media_root(std::string media_dir) {
  std::lock_guard lock(mutex_);
  media_root_ = std::move(media_dir);
  marked_.clear();
}

// The marker is for a server that runs without this plugin one day (the host then refuses
// what it covers). A small file written when a folder's policy changes, not per request;
// the last known state is remembered so a repeated policy touches no file.
void MediaAccessService::mark_folder(const std::string& prefix, bool protect) {
  std::string root;
  {
    std::lock_guard lock(mutex_);
    if (media_root_.empty()) return;
    auto known = marked_.find(prefix);
    if (known != marked_.end() && known->second == protect) return;
    marked_[prefix] = protect;
    root = media_root_;
  }
  const std::string marker = policy_marker_path(root, prefix);
  if (!protect) {
    if (g_remove(marker.c_str()) != 0 && errno != ENOENT)
      g_warning("auth: cannot remove %s: %s", marker.c_str(), g_strerror(errno));
    return;
  }
  if (g_file_test(marker.c_str(), G_FILE_TEST_EXISTS)) return;
  const std::string folder = root + "/" + kPolicyMarkerDir;
  GError* error = nullptr;
  if (g_mkdir_with_parents(folder.c_str(), 0700) != 0 ||
      !g_file_set_contents(marker.c_str(), (prefix + "\n").c_str(), -1, &error)) {
    g_warning("auth: cannot mark %s as not public: %s", prefix.c_str(), error ? error->message : g_strerror(errno));
    g_clear_error(&error);
    std::lock_guard lock(mutex_);
    marked_.erase(prefix);  // tried again next time
  }
}

void MediaAccessService::set_secret(std::vector<uint8_t> secret) {
  std::lock_guard lock(mutex_);
  secret_ = std::move(secret);
}

void MediaAccessService::set_signer_lookup(SignerLookup lookup) {
  std::lock_guard lock(mutex_);
  signers_ = std::move(lookup);
}

std::optional<MediaPolicy> MediaAccessService::policy_for(std::string_view relative_path) const {
  std::lock_guard lock(mutex_);
  // Walk the path's folders from the deepest up: the first one with a policy is the longest.
  for (size_t end = relative_path.rfind('/'); end != std::string_view::npos;
       end = end == 0 ? std::string_view::npos : relative_path.rfind('/', end - 1)) {
    auto it = policies_.find(relative_path.substr(0, end + 1));
    if (it != policies_.end()) return it->second;
  }
  return std::nullopt;
}

bool MediaAccessService::may_view(const MediaPolicy& policy, const std::optional<Viewer>& viewer, Purpose purpose) {
  if (policy.visibility == Visibility::public_) return true;
  if (policy.visibility == Visibility::unlisted && purpose == Purpose::open) return true;  // anyone with the URL
  if (!viewer || viewer->user_id <= 0) return false;
  if (policy.owner_id > 0 && policy.owner_id == viewer->user_id) return true;
  const auto& users = policy.allowed_user_ids;
  if (std::find(users.begin(), users.end(), viewer->user_id) != users.end()) return true;
  if (viewer->in_group)
    for (const auto& group : policy.allowed_groups)
      if (viewer->in_group(group)) return true;
  return false;
}

bool MediaAccessService::may_see_all_under(std::string_view prefix, const std::optional<Viewer>& viewer,
                                           Purpose purpose) const {
  std::vector<MediaPolicy> relevant;
  if (auto covering = policy_for(std::string(prefix) + "x")) relevant.push_back(*covering);
  {
    std::lock_guard lock(mutex_);
    for (auto it = policies_.lower_bound(prefix); it != policies_.end() && it->first.starts_with(prefix); ++it)
      relevant.push_back(it->second);
  }
  for (const auto& policy : relevant)
    if (!may_view(policy, viewer, purpose)) return false;
  return true;
}

std::string MediaAccessService::mac_for(std::string_view prefix, int64_t user_id, int64_t issued_at,
                                        int64_t expires_at) const {
  // Every part is signed; '\n' cannot occur in any of them, so no two different tuples give the
  // same message. The version tag keeps tokens of another format from ever matching.
  std::string message = "kek-media-token/2\n" + std::string(prefix) + "\n" + std::to_string(user_id) + "\n" +
                        std::to_string(issued_at) + "\n" + std::to_string(expires_at);
  std::lock_guard lock(mutex_);
  return base64url(hmac_sha256(secret_, message));
}

Result<std::string> MediaAccessService::sign_at(const std::string& prefix, int64_t user_id, int64_t issued_at,
                                                int64_t expires_at) const {
  if (auto s = check_media_prefix(prefix); !s) return s.error();
  if (user_id <= 0) return Error{"a signed URL is made for an account", 400};
  {
    std::lock_guard lock(mutex_);
    if (secret_.empty()) return Error{"media signing is not ready (the server has not started)", 500};
  }
  return std::to_string(user_id) + "." + std::to_string(issued_at) + "." + std::to_string(expires_at) + "." +
         mac_for(prefix, user_id, issued_at, expires_at);
}

Result<std::string> MediaAccessService::sign(const std::string& prefix, int64_t ttl_seconds, int64_t user_id) {
  if (ttl_seconds <= 0) return Error{"ttl must be positive", 400, "invalid_ttl"};
  if (auto s = check_media_prefix(prefix); !s) return s.error();
  SignerLookup lookup;
  {
    std::lock_guard lock(mutex_);
    lookup = signers_;
  }
  auto signer = lookup ? lookup(user_id) : std::nullopt;
  if (!signer) return Error{"no such account", 403};
  if (!may_see_all_under(prefix, signer->viewer, Purpose::open))
    return Error{"you may not see everything under " + prefix, 403, "not_allowed_to_view"};
  const int64_t now = now_seconds();
  return sign_at(prefix, user_id, now, now + ttl_seconds);
}

bool MediaAccessService::token_opens(const std::string& token, const std::string& relative_path) {
  return check_token(token, relative_path, now_seconds()) == TokenVerdict::granted;
}

TokenVerdict MediaAccessService::check_token(std::string_view token, std::string_view relative_path, int64_t now) const {
  auto parts = parse_token(token);
  if (!parts) return TokenVerdict::malformed;
  SignerLookup lookup;
  {
    std::lock_guard lock(mutex_);
    if (secret_.empty()) return TokenVerdict::malformed;
    lookup = signers_;
  }
  bool made_here = false;
  for (size_t end = relative_path.find('/'); end != std::string_view::npos && !made_here;
       end = relative_path.find('/', end + 1))
    made_here = same_secret(parts->mac, mac_for(relative_path.substr(0, end + 1), parts->user_id, parts->issued_at,
                                                parts->expires_at));
  if (!made_here) return TokenVerdict::malformed;
  if (parts->expires_at <= now) return TokenVerdict::expired;
  // Re-checked now, not trusted from the time of signing: the signer must still exist, the token
  // must be younger than their last password change, and the policy that covers this path today
  // (however deep, whenever it appeared) must let them watch it.
  auto signer = lookup ? lookup(parts->user_id) : std::nullopt;
  if (!signer) return TokenVerdict::signer_gone;
  if (parts->issued_at < signer->tokens_not_before) return TokenVerdict::signer_refused;
  auto policy = policy_for(relative_path);
  if (policy && !may_view(*policy, signer->viewer, Purpose::open)) return TokenVerdict::signer_refused;
  return TokenVerdict::granted;
}

}  // namespace kek::auth
