// Import folders (settings.folders): films found there become items of the folder's owner, read
// in place (or copied under media/vod/<id>/source/ with copy: true). A scan walks every folder on
// a worker thread, then on the main loop adds new files, follows moved ones (same size and
// fingerprint: the item, and so its history, stays), updates changed ones and removes the items
// of files that are gone. Scans run at start, every scan_interval_s, a moment after a
// GFileMonitor sees a change, and from `kek library scan`.
#pragma once

#include "catalogue.h"

#include <gio/gio.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kek::library {

struct ScanReport {
  int added = 0, moved = 0, changed = 0, removed = 0, unchanged = 0;
  std::vector<std::string> lines;  // one per change, for the command's output and the log
};

class FolderImport : public std::enable_shared_from_this<FolderImport> {
 public:
  FolderImport(Catalogue& catalogue, std::function<void(const std::string& item_id)> probe);
  ~FolderImport();

  // One scan of every folder; `done` runs on the main loop. A scan asked for while one runs is
  // done right after it.
  void scan(std::function<void(const ScanReport&)> done = {});
  // Periodic scans and file monitors (kek serve).
  void watch();
  // Copies into the library still running (copy: true folders).
  int copies_running() const { return copies_; }

 private:
  struct Found;
  struct Walk;
  void apply(const Walk& walk, ScanReport& report);
  void add_found(const Found& f, ScanReport& report);
  void rewatch(const std::vector<std::string>& dirs);
  void schedule_rescan();

  Catalogue& catalogue_;
  std::function<void(const std::string&)> probe_;
  bool scanning_ = false;
  std::vector<std::function<void(const ScanReport&)>> waiting_;
  bool again_ = false;
  std::vector<GFileMonitor*> monitors_;
  std::vector<std::string> watched_;
  bool watching_ = false;
  int copies_ = 0;
  guint debounce_ = 0;
  guint timer_ = 0;
};

// "Film.en.srt" beside "Film.mkv" -> "en"; "Film.srt" -> "".
std::string sidecar_language(const std::string& media_name, const std::string& sidecar_name);
// Whether a file name looks like media we import (by extension).
bool is_media_name(const std::string& name);

}  // namespace kek::library
