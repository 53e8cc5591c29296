#include "account_admin.h"

namespace kek::auth {
namespace {

Result<User> live_account(AuthContext& ctx, int64_t id) {
  auto user = ctx.users.find_by_id(id);
  if (!user) return user.error();
  if (!*user) return Error{"no such user", 404, "no_such_user"};
  return **user;
}

// Whether taking `user` out of the enabled admins leaves nobody to administer the site.
Status keep_an_admin(AuthContext& ctx, const User& user) {
  if (!user.is_admin() || user.disabled) return {};
  auto others = ctx.users.enabled_admins_except(user.id);
  if (!others) return others.error();
  if (*others == 0) return Error{"this is the last admin account: make another admin first", 409, "last_admin"};
  return {};
}

}  // namespace

Result<User> change_account(AuthContext& ctx, int64_t id, const AccountChange& change) {
  if (change.role && *change.role != kRoleAdmin && *change.role != kRoleUser)
    return Error{"role must be 'admin' or 'user'", 400, "invalid_role"};
  Status done = ctx.host.db().transaction([&]() -> Status {
    auto user = live_account(ctx, id);
    if (!user) return user.error();
    const bool demoted = change.role && *change.role != kRoleAdmin;
    const bool disabled = change.disabled.value_or(false);
    if (demoted || disabled)
      if (auto s = keep_an_admin(ctx, *user); !s) return s;
    if (change.role)
      if (auto s = ctx.users.set_role(id, *change.role); !s) return s;
    if (change.disabled) {
      if (auto s = ctx.users.set_disabled(id, *change.disabled); !s) return s;
      if (*change.disabled)
        if (auto n = ctx.sessions.revoke_all_except(id, 0); !n) return n.error();
    }
    return {};
  });
  if (!done) return done.error();
  auto user = live_account(ctx, id);
  if (user && change.disabled && *change.disabled)
    ctx.host.events().publish({kEventUserDisabled, {{"id", std::to_string(id)}, {"username", user->username}}});
  return user;
}

Result<User> delete_account(AuthContext& ctx, int64_t id) {
  std::optional<User> deleted;
  // Their streams and recordings stay on disk (an admin decides about files) but nobody may
  // fetch them any more.
  Status done = ctx.host.db().transaction([&]() -> Status {
    auto user = live_account(ctx, id);
    if (!user) return user.error();
    if (auto s = keep_an_admin(ctx, *user); !s) return s;
    if (auto s = ctx.stream_keys.bury_media_of(id); !s) return s;
    if (auto s = ctx.stream_keys.revoke_all_of(id); !s) return s;
    if (auto s = ctx.groups.remove_from_all(id); !s) return s;
    if (auto n = ctx.sessions.revoke_all_except(id, 0); !n) return n.error();
    auto removed = ctx.users.remove(id);
    if (!removed) return removed.error();
    deleted = std::move(*user);
    return {};
  });
  if (!done) return done.error();
  ctx.host.events().publish({kEventUserDeleted, {{"id", std::to_string(id)}, {"username", deleted->username}}});
  return std::move(*deleted);
}

}  // namespace kek::auth
