// The library's tables (numbered migrations; plain SQL that PostgreSQL accepts too). The columns
// are described in README.md "Internals", which is the contract with the job runner.
#pragma once

#include <kek/db.h>

#include <vector>

namespace kek::library {

std::vector<Migration> schema_migrations();

}  // namespace kek::library
