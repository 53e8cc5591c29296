#include "identity.h"

#include "auth_context.h"
#include "routes_common.h"

namespace kek::auth {
namespace {

UserIdentity identity_of(const User& user) {
  return UserIdentity{user.id, user.username, user.display_name, user.is_admin()};
}

}  // namespace

Result<std::optional<UserIdentity>> IdentityService::user_of(const HttpRequest& request) {
  auto caller = find_caller(ctx_, request);
  if (!caller) return caller.error();
  if (!*caller) return std::optional<UserIdentity>{};
  return std::optional<UserIdentity>{identity_of((*caller)->user)};
}

namespace {

Result<std::optional<UserIdentity>> identity_or_none(Result<std::optional<User>> user) {
  if (!user) return user.error();
  if (!*user) return std::optional<UserIdentity>{};
  return std::optional<UserIdentity>{identity_of(**user)};
}

}  // namespace

Result<std::optional<UserIdentity>> IdentityService::find_user(const std::string& username) {
  return identity_or_none(ctx_.users.find_by_name(username));
}

Result<std::optional<UserIdentity>> IdentityService::user_by_id(int64_t id) {
  return identity_or_none(ctx_.users.find_by_id(id));
}

bool IdentityService::may_see(const std::optional<UserIdentity>& user, const std::string& media_prefix,
                              Purpose purpose) {
  std::optional<Viewer> viewer;
  if (user) {
    User u;
    u.id = user->id;
    u.username = user->username;
    viewer = viewer_of(ctx_, u);
  }
  return ctx_.media.may_see_all_under(media_prefix, viewer, purpose);
}

bool IdentityService::may_view(const std::optional<UserIdentity>& user, const std::string& media_prefix) {
  return may_see(user, media_prefix, Purpose::list);
}

bool IdentityService::may_open(const std::optional<UserIdentity>& user, const std::string& media_prefix) {
  return may_see(user, media_prefix, Purpose::open);
}

}  // namespace kek::auth
