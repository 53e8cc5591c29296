#include "media_access.h"

#include "secrets.h"
#include "timestamps.h"

#include <glib.h>

#include <cstdlib>

namespace kek::auth {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && g_ascii_strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Status check_media_prefix(std::string_view prefix) {
  if (prefix.empty() || prefix.back() != '/' || prefix.front() == '/')
    return Error{"a media prefix is a folder relative to the media root, ending in '/', like \"live/cam1/\"", 400};
  size_t start = 0;
  while (start < prefix.size()) {
    size_t end = prefix.find('/', start);
    std::string_view segment = prefix.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == ".." || segment.find('\\') != std::string_view::npos ||
        segment.find('\0') != std::string_view::npos)
      return Error{"the media prefix has an invalid segment", 400};
    start = end + 1;
  }
  return {};
}

void MediaAccessService::set_policy(const std::string& prefix, MediaPolicy policy) {
  if (auto s = check_media_prefix(prefix); !s) {
    g_warning("auth: media policy for '%s' ignored: %s", prefix.c_str(), s.error().message.c_str());
    return;
  }
  std::lock_guard lock(mutex_);
  policies_[prefix] = std::move(policy);
}

void MediaAccessService::remove_policy(const std::string& prefix) {
  std::lock_guard lock(mutex_);
  policies_.erase(prefix);
}

void MediaAccessService::set_secret(std::vector<uint8_t> secret) {
  std::lock_guard lock(mutex_);
  secret_ = std::move(secret);
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

bool MediaAccessService::may_view(const MediaPolicy& policy, const std::optional<Viewer>& viewer) {
  if (policy.visibility != Visibility::private_) return true;  // unlisted: anyone with the URL
  if (!viewer) return false;
  if (same_name(policy.owner, viewer->username)) return true;
  for (const auto& entry : policy.allowed) {
    std::string_view e = entry;
    if (e.starts_with("group:")) {
      if (viewer->in_group && viewer->in_group(std::string(e.substr(6)))) return true;
    } else if (same_name(e, viewer->username)) {
      return true;
    }
  }
  return false;
}

bool MediaAccessService::may_view_all_under(std::string_view prefix, const std::optional<Viewer>& viewer) const {
  std::vector<MediaPolicy> relevant;
  if (auto covering = policy_for(std::string(prefix) + "x")) relevant.push_back(*covering);
  {
    std::lock_guard lock(mutex_);
    for (auto it = policies_.lower_bound(prefix); it != policies_.end() && it->first.starts_with(prefix); ++it)
      relevant.push_back(it->second);
  }
  for (const auto& policy : relevant)
    if (!may_view(policy, viewer)) return false;
  return true;
}

std::string MediaAccessService::mac_for(std::string_view prefix, int64_t expires_at) const {
  // The prefix and the expiry are both signed; '\n' cannot occur in either, so no two
  // different pairs give the same message.
  std::string message = std::string(prefix) + "\n" + std::to_string(expires_at);
  std::lock_guard lock(mutex_);
  return base64url(hmac_sha256(secret_, message));
}

Result<std::string> MediaAccessService::sign_until(const std::string& prefix, int64_t expires_at) const {
  if (auto s = check_media_prefix(prefix); !s) return s.error();
  {
    std::lock_guard lock(mutex_);
    if (secret_.empty()) return Error{"media signing is not ready (the server has not started)", 500};
  }
  return std::to_string(expires_at) + "." + mac_for(prefix, expires_at);
}

Result<std::string> MediaAccessService::sign(const std::string& prefix, int64_t ttl_seconds) {
  if (ttl_seconds <= 0) return Error{"ttl must be positive", 400};
  return sign_until(prefix, now_seconds() + ttl_seconds);
}

bool MediaAccessService::token_grants(std::string_view token, std::string_view relative_path, int64_t now) const {
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 19) return false;
  std::string expiry_text(token.substr(0, dot));
  for (char ch : expiry_text)
    if (!g_ascii_isdigit(ch)) return false;
  const int64_t expires_at = std::strtoll(expiry_text.c_str(), nullptr, 10);
  if (expires_at <= now) return false;
  {
    std::lock_guard lock(mutex_);
    if (secret_.empty()) return false;
  }
  const std::string_view mac = token.substr(dot + 1);
  for (size_t end = relative_path.find('/'); end != std::string_view::npos; end = relative_path.find('/', end + 1))
    if (same_secret(mac, mac_for(relative_path.substr(0, end + 1), expires_at))) return true;
  return false;
}

}  // namespace kek::auth
