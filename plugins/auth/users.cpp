#include "users.h"

#include "timestamps.h"

#include <kek/text.h>

#include <glib.h>

namespace kek::auth {
namespace {

constexpr const char* kUserColumns =
    "SELECT id, username, email, role, display_name, bio, avatar_version, created_at, tokens_not_before,"
    " CASE WHEN disabled_at IS NULL THEN 0 ELSE 1 END AS disabled"
    " FROM auth_users WHERE deleted_at IS NULL ";

User user_from_row(const DbRow& row) {
  User u;
  u.id = row.integer("id");
  u.username = row.text("username");
  u.email = row.text("email");
  u.role = row.text("role");
  u.display_name = row.text("display_name");
  u.bio = row.text("bio");
  u.avatar_version = row.integer("avatar_version");
  u.created_at = row.integer("created_at");
  u.tokens_not_before = row.integer("tokens_not_before");
  u.disabled = row.integer("disabled") != 0;
  return u;
}

Status check_text(std::string_view text, const char* what, size_t max_chars, bool allow_newlines) {
  return kek::check_text(text, what, max_chars, allow_newlines);
}

}  // namespace

Status check_username(std::string_view username) {
  if (username.size() < 3 || username.size() > 32)
    return Error{"the user name needs 3 to 32 characters", 400, "username_length"};
  if (!g_ascii_isalnum(username.front()))
    return Error{"the user name must start with a letter or a digit", 400, "username_start"};
  for (char ch : username)
    if (!g_ascii_isalnum(ch) && ch != '_' && ch != '-' && ch != '.')
      return Error{"the user name may use letters, digits, '_', '-' and '.' only", 400, "username_characters"};
  return {};
}

Status check_email(std::string_view email) {
  if (email.empty()) return {};
  if (auto s = check_text(email, "the email address", 254, false); !s) return s;
  const size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size() || email.find('@', at + 1) != std::string_view::npos ||
      email.find(' ') != std::string_view::npos)
    return Error{"the email address is not valid", 400, "email_invalid"};
  return {};
}

Status check_display_name(std::string_view name) { return check_text(name, "the display name", 64, false); }
Status check_bio(std::string_view bio) { return check_text(bio, "the bio", 2000, true); }

std::string avatar_url(const User& user, int size) {
  if (user.avatar_version <= 0) return "/api/users/" + user.username + "/avatar";
  return "/media/avatars/" + std::to_string(user.id) + "/" + std::to_string(user.avatar_version) + "-" +
         std::to_string(size) + ".jpg";
}

void write_user(JsonWriter& w, const User& user) {
  w.begin_object()
      .member("id", user.id)
      .member("username", user.username)
      .member("display_name", user.display_name)
      .member("email", user.email)
      .member("bio", user.bio)
      .member("role", user.role)
      .member("disabled", user.disabled)
      .member("avatar_url", avatar_url(user))
      .member("joined_at", iso8601(user.created_at))
      .end_object();
}

void write_public_profile(JsonWriter& w, const User& user) {
  w.member("username", user.username)
      .member("display_name", user.display_name)
      .member("bio", user.bio)
      .member("avatar_url", avatar_url(user))
      .member("joined_at", iso8601(user.created_at))
      .member("role", user.role);
}

Result<User> UserStore::create(const NewUser& user) {
  User created;
  created.username = user.username;
  created.email = user.email;
  created.role = user.role;
  created.display_name = user.username;
  created.created_at = now_seconds();
  auto r = db_().exec(
      "INSERT INTO auth_users (username, email, password_hash, role, display_name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      {created.username, created.email, user.password_hash, created.role, created.display_name, created.created_at});
  if (!r) {
    if (r.error().code == 409) return Error{"the user name '" + user.username + "' is taken", 409, "username_taken"};
    return wrap(r.error(), "create user");
  }
  created.id = r->last_insert_id;
  return created;
}

Result<std::optional<User>> UserStore::find_one(std::string_view where, const std::vector<DbValue>& params) {
  auto rows = db_().query(std::string(kUserColumns) + std::string(where), params);
  if (!rows) return wrap(rows.error(), "find user");
  if (rows->empty()) return std::optional<User>{};
  return std::optional<User>{user_from_row(rows->front())};
}

Result<std::optional<User>> UserStore::find_by_name(std::string_view username) {
  return find_one("AND username = ? COLLATE NOCASE", {std::string(username)});
}

Result<std::optional<User>> UserStore::find_by_id(int64_t id) {
  const int64_t now = now_seconds();
  if (auto it = found_.find(id); it != found_.end() && now - it->second.checked_at < kRecheckSeconds)
    return it->second.user;
  auto user = find_one("AND id = ?", {id});
  if (!user) return user;
  if (found_.size() >= kRememberAtMost) found_.clear();  // a crude bound; the next requests refill it
  found_[id] = Remembered{*user, now};
  return user;
}

Result<std::optional<std::string>> UserStore::password_hash(int64_t id) {
  auto rows = db_().query("SELECT password_hash FROM auth_users WHERE id = ? AND deleted_at IS NULL", {id});
  if (!rows) return wrap(rows.error(), "read password hash");
  if (rows->empty()) return std::optional<std::string>{};
  return std::optional<std::string>{rows->front().text("password_hash")};
}

Status UserStore::set_password_hash(int64_t id, const std::string& hash) {
  forget(id);
  auto r = db_().exec("UPDATE auth_users SET password_hash = ?, tokens_not_before = ? WHERE id = ? AND deleted_at IS NULL",
                      {hash, now_seconds(), id});
  if (!r) return wrap(r.error(), "set password");
  if (r->changes == 0) return Error{"no such user", 404, "no_such_user"};
  return {};
}

Status UserStore::update_profile(int64_t id, const ProfileChange& change) {
  forget(id);
  // One statement whatever is given: coalesce keeps the columns that were left out.
  auto text_or_null = [](const std::optional<std::string>& v) -> DbValue {
    return v ? DbValue{*v} : DbValue{std::monostate{}};
  };
  auto r = db_().exec(
      "UPDATE auth_users SET display_name = coalesce(?, display_name), email = coalesce(?, email),"
      " bio = coalesce(?, bio) WHERE id = ?",
      {text_or_null(change.display_name), text_or_null(change.email), text_or_null(change.bio), id});
  if (!r) return wrap(r.error(), "update profile");
  return {};
}

Result<int64_t> UserStore::next_avatar_version(int64_t id) const {
  auto rows = db_().query("SELECT avatar_version FROM auth_users WHERE id = ?", {id});
  if (!rows) return wrap(rows.error(), "read avatar version");
  if (rows->empty()) return Error{"no such user", 404, "no_such_user"};
  return rows->front().integer("avatar_version") + 1;
}

Status UserStore::set_avatar_version(int64_t id, int64_t version) {
  forget(id);
  auto r = db_().exec("UPDATE auth_users SET avatar_version = ? WHERE id = ?", {version, id});
  if (!r) return wrap(r.error(), "set avatar version");
  return {};
}

Result<std::vector<User>> UserStore::list() {
  auto rows = db_().query(std::string(kUserColumns) + "ORDER BY id");
  if (!rows) return wrap(rows.error(), "list users");
  std::vector<User> users;
  for (const auto& row : *rows) users.push_back(user_from_row(row));
  return users;
}

Result<bool> UserStore::remove(int64_t id) {
  forget(id);
  // The empty hash matches no password (verify_password refuses it), so nobody signs in as it.
  auto r = db_().exec(
      "UPDATE auth_users SET deleted_at = ?, password_hash = '', email = '', display_name = '', bio = '',"
      " avatar_version = 0, role = ?, disabled_at = NULL WHERE id = ? AND deleted_at IS NULL",
      {now_seconds(), std::string(kRoleUser), id});
  if (!r) return wrap(r.error(), "delete user");
  return r->changes > 0;
}

Result<bool> UserStore::any_admin() {
  auto rows = db_().query("SELECT count(*) AS n FROM auth_users WHERE role = ? AND deleted_at IS NULL",
                          {std::string(kRoleAdmin)});
  if (!rows) return wrap(rows.error(), "count admins");
  return rows->front().integer("n") > 0;
}

Status UserStore::set_role(int64_t id, const std::string& role) {
  forget(id);
  auto r = db_().exec("UPDATE auth_users SET role = ? WHERE id = ? AND deleted_at IS NULL", {role, id});
  if (!r) return wrap(r.error(), "set role");
  if (r->changes == 0) return Error{"no such user", 404, "no_such_user"};
  return {};
}

Status UserStore::set_disabled(int64_t id, bool disabled) {
  forget(id);
  auto r = db_().exec("UPDATE auth_users SET disabled_at = ? WHERE id = ? AND deleted_at IS NULL",
                      {disabled ? DbValue{now_seconds()} : DbValue{std::monostate{}}, id});
  if (!r) return wrap(r.error(), "set disabled");
  if (r->changes == 0) return Error{"no such user", 404, "no_such_user"};
  return {};
}

Result<int64_t> UserStore::enabled_admins_except(int64_t id) {
  auto rows = db_().query(
      "SELECT count(*) AS n FROM auth_users WHERE role = ? AND id <> ? AND deleted_at IS NULL AND disabled_at IS NULL",
      {std::string(kRoleAdmin), id});
  if (!rows) return wrap(rows.error(), "count admins");
  return rows->front().integer("n");
}

}  // namespace kek::auth
