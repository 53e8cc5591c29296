// The auth plugin's tables (all named auth_*), as numbered migrations. Append new steps; never
// edit one that has shipped.
#pragma once

#include <kek/db.h>

#include <vector>

namespace kek::auth {

std::vector<Migration> schema_migrations();

}  // namespace kek::auth
