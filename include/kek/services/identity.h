// Who is calling. The auth plugin provides it; without it there are no accounts and every
// request is anonymous. Plugins that keep per-user data (history, library uploads) store the
// user's id, which never changes (a user name can be renamed one day; ids are not reused).
#pragma once

#include <kek/error.h>
#include <kek/http.h>

#include <cstdint>
#include <optional>
#include <string>

namespace kek {

struct UserIdentity {
  int64_t id = 0;
  std::string username;
  std::string display_name;  // may be empty: show the username then
  bool admin = false;
};

class Identity {
 public:
  static constexpr const char* kName = "auth.identity/1";
  virtual ~Identity() = default;
  // The signed-in user of the request; nullopt when anonymous (no cookie, or a stale one).
  // State-changing /api/ requests that reach a handler already passed the CSRF check.
  virtual Result<std::optional<UserIdentity>> user_of(const HttpRequest& request) = 0;
  // A user by name (case-insensitive); nullopt when there is none.
  virtual Result<std::optional<UserIdentity>> find_user(const std::string& username) = 0;
  // Whether `user` (nullopt: anonymous) may fetch every file under `media_prefix` ("live/cam/",
  // relative to the media root) by the MediaAccess policies: for lists that must not show what
  // the caller cannot watch.
  virtual bool may_view(const std::optional<UserIdentity>& user, const std::string& media_prefix) = 0;
};

}  // namespace kek
