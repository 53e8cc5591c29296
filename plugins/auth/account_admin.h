// What an admin (or `kek users`) does to an account as a whole: change its role, disable it,
// delete it. Each keeps at least one working admin account and ends what the change takes away
// (sessions, stream keys, grants) in one transaction.
#pragma once

#include "auth_context.h"

#include <optional>
#include <string>

namespace kek::auth {

struct AccountChange {
  std::optional<std::string> role;  // kRoleAdmin or kRoleUser
  std::optional<bool> disabled;
};

// 404 for no live account of that id, 400 for an unknown role, 409 "last_admin" when the change
// would leave no enabled admin. Disabling ends the account's sessions; its stream keys are
// refused at publish while it stays disabled. Returns the account as it is now.
Result<User> change_account(AuthContext& ctx, int64_t id, const AccountChange& change);

// Marks the account deleted (its name stays reserved, its id is never reused), buries its
// media, revokes its keys, sessions and memberships; 404/409 as above. The caller removes the
// avatar files (disk I/O) and the user.deleted event is published here.
Result<User> delete_account(AuthContext& ctx, int64_t id);

}  // namespace kek::auth
