// `kek users ...`: account administration offline, on the database, with nothing served; and
// the first admin account that `kek serve` makes when there is none.
#pragma once

#include "auth_context.h"

#include <memory>
#include <string>
#include <vector>

namespace kek::auth {

// Exit status: 0 done, 1 failed, 2 wrong usage.
int run_users_command(AuthContext& ctx, const std::vector<std::string>& args);
extern const char* const kUsersCommandHelp;

// When no enabled admin exists (none yet, or every admin account is disabled): creates "admin"
// (or the first free "adminN") with KEK_ADMIN_PASSWORD, or with a random password printed once
// on stdout ("admin user: ...", "admin password: ..."); the log says which account it made.
Status ensure_admin_exists(AuthContext& ctx);

}  // namespace kek::auth
