// Accounts: the auth_users table, the rules for what may be stored in it, and the JSON shapes
// the API shows (User with email for its owner, the public profile for everyone).
#pragma once

#include <kek/db.h>
#include <kek/error.h>
#include <kek/json.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace kek::auth {

// The database is opened after plugins initialise, so stores reach it through the host lazily.
using DbAccess = std::function<Database&()>;

inline constexpr const char* kRoleAdmin = "admin";
inline constexpr const char* kRoleUser = "user";

struct User {
  int64_t id = 0;
  std::string username;
  std::string email;
  std::string role = kRoleUser;
  std::string display_name;
  std::string bio;
  int64_t avatar_version = 0;  // 0: no avatar uploaded, the default one is shown
  int64_t created_at = 0;
  int64_t tokens_not_before = 0;  // signed URLs issued before this (a password change) are dead
  bool disabled = false;          // an admin disabled it: no login, no session, no publishing

  bool is_admin() const { return role == kRoleAdmin; }
};

// Letters, digits, '_', '-', '.', 3 to 32 characters, starting with a letter or digit: safe in
// URLs, file names and stream names as it is.
Status check_username(std::string_view username);
Status check_email(std::string_view email);  // empty is allowed (accounts made on the command line)
Status check_display_name(std::string_view name);
Status check_bio(std::string_view bio);

// "/media/avatars/<id>/<version>-<size>.jpg", or the default avatar route when none was uploaded.
std::string avatar_url(const User& user, int size = 256);
void write_user(JsonWriter& w, const User& user);            // the owner's view, with email
void write_public_profile(JsonWriter& w, const User& user);  // anyone's view

struct NewUser {
  std::string username;
  std::string email;
  std::string password_hash;
  std::string role = kRoleUser;
};

struct ProfileChange {
  std::optional<std::string> display_name;
  std::optional<std::string> email;
  std::optional<std::string> bio;
};

// Deleted accounts keep their row (marked deleted_at, everything personal wiped): their id is
// never given to another account and their name stays reserved, so nothing granted to them
// passes to a newcomer. Every lookup below sees live accounts only.
//
// Main thread only. The accounts find_by_id has read are remembered (a signed-in player's every
// request for a private stream asks for its user): every change made here forgets the account
// at once, and a change made by another process (the `kek users` command) is seen within
// kRecheckSeconds, as for sessions.
class UserStore {
 public:
  static constexpr int64_t kRecheckSeconds = 5;
  static constexpr size_t kRememberAtMost = 4096;

  explicit UserStore(DbAccess db) : db_(std::move(db)) {}

  // 409 when the name is taken (whatever its case), by a live or a deleted account.
  Result<User> create(const NewUser& user);
  Result<std::optional<User>> find_by_name(std::string_view username);
  Result<std::optional<User>> find_by_id(int64_t id);
  // The stored Argon2id hash, for login and password changes only.
  Result<std::optional<std::string>> password_hash(int64_t id);
  // Also ends every signed URL the account made before now.
  Status set_password_hash(int64_t id, const std::string& hash);
  Status update_profile(int64_t id, const ProfileChange& change);
  Result<int64_t> next_avatar_version(int64_t id) const;
  Status set_avatar_version(int64_t id, int64_t version);
  Result<std::vector<User>> list();
  // Marks the account deleted and wipes what it held (password, email, profile); false when
  // there is no live account of that id. Its sessions, memberships and keys are ended by their
  // stores in the same transaction (commands.cpp).
  Result<bool> remove(int64_t id);
  Result<bool> any_admin();
  // 404 when there is no live account of that id.
  Status set_role(int64_t id, const std::string& role);
  Status set_disabled(int64_t id, bool disabled);
  Result<int64_t> enabled_admins_except(int64_t id);

 private:
  Result<std::optional<User>> find_one(std::string_view where, const std::vector<DbValue>& params);
  void forget(int64_t id) { found_.erase(id); }

  struct Remembered {
    std::optional<User> user;  // none: no live account of that id
    int64_t checked_at = 0;
  };
  DbAccess db_;
  std::unordered_map<int64_t, Remembered> found_;  // by id
};

}  // namespace kek::auth
