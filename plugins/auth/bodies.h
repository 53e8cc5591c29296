// The account API's JSON request bodies, each parsed into a plain struct by a pure function (no
// context, no I/O): the routes call them and plugins/auth/fuzz/fuzz_bodies.cpp drives them with
// arbitrary bytes. What a body means (the password rules, who may do it) is the route's part.
#pragma once

#include "account_admin.h"
#include "stream_keys.h"

#include <kek/error.h>
#include <kek/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kek::auth {

// JSON bodies of the account API are small; avatars have their own limit.
inline constexpr size_t kMaxJsonBody = 64 * 1024;

// The body as a JSON object (an empty body is {}): 413 when too large, 400 when not an object.
Result<JsonDoc> json_object_body(std::string_view body);
// A string member that must be there.
Result<std::string> required_string(const JsonDoc& doc, std::string_view key);
// A member that, when present, is a list of strings.
Result<std::optional<std::vector<std::string>>> string_list(const JsonDoc& doc, std::string_view key);

struct LoginBody {  // POST /api/auth/login
  std::string username;
  std::string password;
};
Result<LoginBody> parse_login(std::string_view body);

struct RegistrationBody {  // POST /api/auth/register
  std::string username;
  std::string email;
  std::string password;
  std::optional<std::string> invite;
};
Result<RegistrationBody> parse_registration(std::string_view body);

struct PasswordChangeBody {  // POST /api/me/password
  std::string current_password;
  std::string new_password;
};
Result<PasswordChangeBody> parse_password_change(std::string_view body);

struct ProfileBody {  // PATCH /api/me (each field unchanged when absent)
  std::optional<std::string> display_name;
  std::optional<std::string> email;
  std::optional<std::string> bio;
};
Result<ProfileBody> parse_profile(std::string_view body);

struct StreamKeyBody {  // POST /api/me/stream-keys
  std::string name;
  std::optional<Visibility> visibility;
  std::optional<bool> record;
};
Result<StreamKeyBody> parse_stream_key(std::string_view body);
// PATCH /api/me/stream-keys/{id}
Result<StreamKeyChange> parse_stream_key_change(std::string_view body);

struct InviteBody {  // POST /api/admin/invites
  std::optional<int64_t> valid_days;
};
Result<InviteBody> parse_invite(std::string_view body);

struct GroupBody {  // POST /api/admin/groups
  std::string name;
  std::vector<std::string> members;
};
Result<GroupBody> parse_group(std::string_view body);

// PATCH /api/admin/users/{id}: {role?, disabled?}
Result<AccountChange> parse_account_change(std::string_view body);

struct SignBody {  // POST /api/media/sign
  std::string prefix;
  std::optional<int64_t> ttl_s;
};
Result<SignBody> parse_sign(std::string_view body);

// The CSRF token of a sendBeacon body ({"csrf_token": "..."} sent as text/plain), if it has one.
std::optional<std::string> beacon_csrf_token(std::string_view body);

}  // namespace kek::auth
