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

Result<std::optional<UserIdentity>> IdentityService::find_user(const std::string& username) {
  auto user = ctx_.users.find_by_name(username);
  if (!user) return user.error();
  if (!*user) return std::optional<UserIdentity>{};
  return std::optional<UserIdentity>{identity_of(**user)};
}

bool IdentityService::may_view(const std::optional<UserIdentity>& user, const std::string& media_prefix) {
  std::optional<Viewer> viewer;
  if (user) {
    User u;
    u.id = user->id;
    u.username = user->username;
    viewer = viewer_of(ctx_, u);
  }
  return ctx_.media.may_view_all_under(media_prefix, viewer);
}

}  // namespace kek::auth
