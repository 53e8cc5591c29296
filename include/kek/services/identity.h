// Who is calling, and what they may see. The auth plugin provides it; without it there are no
// accounts and every request is anonymous. Plugins that keep per-user data (history, library
// uploads) store the user's id, which never changes and is never given to another account (a
// deleted account's name stays reserved too).
#pragma once

#include <kek/error.h>
#include <kek/http.h>

#include <cstdint>
#include <optional>
#include <string>

namespace kek {

// Published on the event bus when an account is deleted: fields id, username. Plugins that keep
// per-user data (history, uploads) drop it. An account deleted while kek was not serving
// (`kek users delete` runs offline) reaches nobody this way: such plugins also check at start,
// with user_by_id, that the accounts they keep data for still exist.
inline constexpr const char* kEventUserDeleted = "user.deleted";
// Published when an admin disables an account (fields id, username): it cannot sign in or
// publish until enabled again, and what it publishes now ends (the rtmp plugin ends its streams).
inline constexpr const char* kEventUserDisabled = "user.disabled";

struct UserIdentity {
  int64_t id = 0;
  std::string username;
  std::string display_name;  // may be empty: show the username then
  bool admin = false;
};

class Identity {
 public:
  static constexpr const char* kName = "auth.identity/2";
  virtual ~Identity() = default;
  // The signed-in user of the request; nullopt when anonymous (no cookie, or a stale one).
  // State-changing /api/ requests that reach a handler already passed the CSRF check.
  virtual Result<std::optional<UserIdentity>> user_of(const HttpRequest& request) = 0;
  // A user by name (case-insensitive) or by id; nullopt when there is none (or it was deleted).
  virtual Result<std::optional<UserIdentity>> find_user(const std::string& username) = 0;
  virtual Result<std::optional<UserIdentity>> user_by_id(int64_t id) = 0;

  // THE visibility check for every listing (live streams, films, events): whether a list may
  // show `user` (nullopt: anonymous) the item whose media lies under `media_prefix`
  // ("live/cam/", "library/42/", relative to the media root). Public media: everyone.
  // Unlisted and private media: only the owner and the accounts and groups it is shared with
  // (everyone else needs the link to an unlisted item). Media under no policy is public.
  virtual bool may_view(const std::optional<UserIdentity>& user, const std::string& media_prefix) = 0;
  // Whether `user` may watch everything under `media_prefix` given its URL, as the /media/
  // guard decides it (unlisted media: anyone with the link): for an answer about one item the
  // caller named, never for a listing.
  virtual bool may_open(const std::optional<UserIdentity>& user, const std::string& media_prefix) = 0;
};

}  // namespace kek
