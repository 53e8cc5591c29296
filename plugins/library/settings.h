// The library plugin's args (plugins: [{name: library, args: {...}}]), read once at start.
#pragma once

#include <kek/args.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kek::library {

struct ImportFolder {
  std::string path;   // absolute, as configured (a relative path is taken from the working dir)
  std::string owner;  // user name the imported items belong to ("" : the first admin / nobody)
  bool copy = false;  // copy the files under media/vod/<id>/ instead of reading them in place
};

// Who may upload: every signed-in user, admins only, or the members of one group.
struct UploaderRule {
  enum class Kind { users, admins, group } kind = Kind::users;
  std::string group;
};

struct Settings {
  int64_t max_file_bytes = int64_t{64} << 30;  // one upload at most (64 GiB)
  int64_t quota_bytes = 0;                     // per user, uploads + their items; 0: no quota
  int64_t upload_expiry_s = 24 * 3600;         // partial uploads are removed after this
  UploaderRule uploaders;
  std::vector<ImportFolder> folders;
  int64_t scan_interval_s = 600;               // periodic rescan of the import folders; 0: never
  bool watch_folders = true;                   // GFileMonitor on the import folders
  int64_t probe_timeout_s = 30;                // GstDiscoverer's limit for one file
  std::string default_visibility = "public";   // for new uploads and imports
  bool import_recordings = true;               // recording.finished becomes an item
};

Result<Settings> read_settings(const Args& args);

}  // namespace kek::library
