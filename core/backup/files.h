// File helpers of backup/restore: copy with a running SHA-256, walk a folder, emptiness.
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <functional>
#include <string>

namespace kek::core::backup {

struct CopiedFile {
  int64_t size = 0;
  std::string sha256;
};

// Copies src to dst (created with `mode`, replaced atomically) hashing what is copied.
Result<CopiedFile> copy_file_hashed(const std::string& src, const std::string& dst, int mode);
Result<CopiedFile> hash_file(const std::string& path);
// Calls fn(relative path) for every regular file under root (sorted, symlinks not followed).
Status walk_files(const std::string& root, const std::function<Status(const std::string& rel)>& fn,
                  const std::string& rel = "");
// True when path does not exist or is an empty folder.
bool empty_or_missing(const std::string& path);

}  // namespace kek::core::backup
