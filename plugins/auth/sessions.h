// Login sessions: a random 256-bit token in the kek_session cookie, only its hash in the
// database, a fixed expiry, and a synchronizer CSRF token per session.
#pragma once

#include "users.h"

#include <kek/http.h>

#include <cstdint>
#include <optional>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace kek::auth {

inline constexpr const char* kSessionCookie = "kek_session";

struct Session {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string csrf_token;
  int64_t created_at = 0;
  int64_t last_seen_at = 0;
  int64_t expires_at = 0;
  std::string user_agent;
  std::string remote;
};

struct NewSession {
  Session session;
  std::string token;  // the cookie value; exists only here and in the client's cookie jar
};

// Main thread only. The sessions the server has found are remembered by their token's hash, so
// a player's every request (each segment of a private stream) costs no query: a revoke here
// (logout, "sign out others", a new password, a deleted account) forgets them at once, and a
// change made by another process (the `kek users` command) is seen within kRecheckSeconds.
class SessionStore {
 public:
  static constexpr int64_t kRecheckSeconds = 5;

  SessionStore(DbAccess db, int64_t lifetime_seconds) : db_(std::move(db)), lifetime_seconds_(lifetime_seconds) {}

  Result<NewSession> create(int64_t user_id, const HttpRequest& request);
  // The live session the request's cookie belongs to, if any; expired ones are removed on sight.
  Result<std::optional<Session>> find(const HttpRequest& request);
  Result<std::vector<Session>> list(int64_t user_id);
  // false when the session does not exist or belongs to someone else.
  Result<bool> revoke(int64_t user_id, int64_t session_id);
  Result<int64_t> revoke_all_except(int64_t user_id, int64_t keep_session_id);

  int64_t lifetime_seconds() const { return lifetime_seconds_; }

 private:
  struct Remembered {
    Session session;
    int64_t checked_at = 0;  // when the database last said it exists
  };
  void forget(const std::function<bool(const Session&)>& which);

  DbAccess db_;
  int64_t lifetime_seconds_;
  std::unordered_map<std::string, Remembered> found_;  // by token hash
};

// Set-Cookie values. Secure when the site is served over TLS (see secure_cookies() in routes_common.h).
std::string session_cookie(const std::string& token, int64_t max_age_seconds, bool secure);
std::string cleared_session_cookie(bool secure);

}  // namespace kek::auth
