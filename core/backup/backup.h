// `kek backup DIR` and `kek restore DIR`: the database (SQLite's online backup API, so a
// serving kek keeps running), the secrets (signing keys: signed URLs and sessions stay valid),
// and the media files with a manifest of their sizes and SHA-256 hashes. Restore goes into an
// empty data folder only, checks every hash on the way, and leaves nothing half-written.
#pragma once

#include "config/config.h"

#include <kek/error.h>

#include <cstdint>
#include <functional>
#include <string>

namespace kek::core::backup {

struct Summary {
  int64_t files = 0;      // media files
  int64_t bytes = 0;      // media bytes
  int64_t secrets = 0;
  int64_t db_bytes = 0;
};

struct BackupOptions {
  bool media = true;  // copy media (false: only their manifest, for media kept by other means)
};

using Progress = std::function<void(const std::string& line)>;

// DIR must not exist or be empty. Layout: DIR/kek.db, DIR/secrets/*, DIR/media/**,
// DIR/manifest.json ({"version":1,"kek":...,"created":...,"database":{...},"files":[{path,size,sha256}]}).
Result<Summary> create(const Config& config, const std::string& dir, const BackupOptions& options, const Progress& progress);
// The data folder, database and media folder of `config` must not hold anything yet.
Result<Summary> restore(const Config& config, const std::string& dir, const Progress& progress);

}  // namespace kek::core::backup
