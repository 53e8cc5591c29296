// Failed logins counted per account and per remote address in a sliding window. In memory on
// purpose: a restart forgets them, which costs an attacker a restart they cannot cause.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace kek::auth {

class FailureWindow {
 public:
  FailureWindow(int64_t max_failures, int64_t window_seconds) : max_(max_failures), window_(window_seconds) {}

  // Seconds until key may try again, or nullopt when it may try now.
  std::optional<int64_t> retry_after(const std::string& key, int64_t now);
  // Failures of key within the window beyond the free ones (0 while it may still try freely).
  int64_t excess(const std::string& key, int64_t now);
  void record_failure(const std::string& key, int64_t now);
  void forget(const std::string& key) { failures_.erase(key); }
  void forget_latest(const std::string& key);

 private:
  void prune(int64_t now);
  int64_t max_;
  int64_t window_;
  std::map<std::string, std::deque<int64_t>> failures_;
  int64_t last_prune_ = 0;
};

class LoginRateLimiter {
 public:
  LoginRateLimiter(int64_t per_account, int64_t per_address, int64_t window_seconds)
      : accounts_(per_account, window_seconds), addresses_(per_address, window_seconds) {}

  // The longer of the two waits, or nullopt. username is compared without regard to case.
  std::optional<int64_t> retry_after(const std::string& username, const std::string& remote, int64_t now);
  // A login is never refused for its account's failures (that would let anyone lock the owner
  // out): past the account's free failures each attempt is answered later, 1 s doubling with each
  // failure up to kMaxLoginDelaySeconds. Only the address's own failures refuse (429).
  static constexpr int64_t kMaxLoginDelaySeconds = 30;
  std::optional<int64_t> address_retry_after(const std::string& remote, int64_t now) {
    return addresses_.retry_after(remote, now);
  }
  int64_t account_delay_seconds(const std::string& username, int64_t now);
  // Every attempt counts as a failure from the moment it starts, so a burst of parallel guesses
  // cannot all slip in while the (slow) password checks run...
  void record_attempt(const std::string& username, const std::string& remote, int64_t now);
  // ...and a successful one is taken back: the account's failures are cleared, and the address
  // loses the one this attempt added.
  void record_success(const std::string& username, const std::string& remote);

 private:
  FailureWindow accounts_;
  FailureWindow addresses_;
};

}  // namespace kek::auth
