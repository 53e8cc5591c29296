// The history plugin's tables (its own numbered migrations; no other plugin reads them).
#pragma once

#include <kek/db.h>

#include <vector>

namespace kek::history {

std::vector<Migration> schema_migrations();

}  // namespace kek::history
