#include "rate_limit.h"

#include <glib.h>

#include <algorithm>

namespace kek::auth {
namespace {

std::string account_key(const std::string& username) {
  g_autofree char* lower = g_ascii_strdown(username.c_str(), static_cast<gssize>(username.size()));
  return lower;
}

}  // namespace

std::optional<int64_t> FailureWindow::retry_after(const std::string& key, int64_t now) {
  prune(now);
  auto it = failures_.find(key);
  if (it == failures_.end()) return std::nullopt;
  auto& times = it->second;
  while (!times.empty() && times.front() <= now - window_) times.pop_front();
  if (static_cast<int64_t>(times.size()) < max_) return std::nullopt;
  // Free again when the oldest failure that keeps the count at the limit leaves the window.
  const int64_t oldest_counted = times[times.size() - static_cast<size_t>(max_)];
  return std::max<int64_t>(1, oldest_counted + window_ - now);
}

int64_t FailureWindow::excess(const std::string& key, int64_t now) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  auto& times = it->second;
  while (!times.empty() && times.front() <= now - window_) times.pop_front();
  return std::max<int64_t>(0, static_cast<int64_t>(times.size()) - max_ + 1);
}

void FailureWindow::record_failure(const std::string& key, int64_t now) {
  auto& times = failures_[key];
  times.push_back(now);
  // Only the newest failures matter for the decision (max_, and the few beyond it that make a
  // login delay grow to its cap); older ones need no memory.
  while (static_cast<int64_t>(times.size()) > max_ + 8) times.pop_front();
}

void FailureWindow::forget_latest(const std::string& key) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return;
  if (!it->second.empty()) it->second.pop_back();
  if (it->second.empty()) failures_.erase(it);
}

void FailureWindow::prune(int64_t now) {
  // Bounded memory under a spray of made-up names: drop entries whose failures all expired.
  if (now - last_prune_ < window_ && failures_.size() < 10000) return;
  last_prune_ = now;
  for (auto it = failures_.begin(); it != failures_.end();) {
    if (it->second.empty() || it->second.back() <= now - window_) it = failures_.erase(it);
    else ++it;
  }
}

std::optional<int64_t> LoginRateLimiter::retry_after(const std::string& username, const std::string& remote,
                                                     int64_t now) {
  auto account = accounts_.retry_after(account_key(username), now);
  auto address = addresses_.retry_after(remote, now);
  if (account && address) return std::max(*account, *address);
  return account ? account : address;
}

int64_t LoginRateLimiter::account_delay_seconds(const std::string& username, int64_t now) {
  const int64_t over = accounts_.excess(account_key(username), now);
  if (over <= 0) return 0;
  return std::min<int64_t>(kMaxLoginDelaySeconds, int64_t{1} << std::min<int64_t>(over - 1, 5));
}

void LoginRateLimiter::record_attempt(const std::string& username, const std::string& remote, int64_t now) {
  accounts_.record_failure(account_key(username), now);
  addresses_.record_failure(remote, now);
}

void LoginRateLimiter::record_success(const std::string& username, const std::string& remote) {
  accounts_.forget(account_key(username));
  addresses_.forget_latest(remote);
}

}  // namespace kek::auth
