#include "folder_import.h"

#include <kek/worker.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

namespace kek::library {
namespace {

constexpr const char* kMediaExtensions[] = {"mp4", "m4v", "mkv", "webm", "mov", "avi", "ts", "m2ts", "mts",
                                            "mpg", "mpeg", "flv", "wmv", "ogv", "3gp", "mp3", "m4a", "aac",
                                            "flac", "ogg", "oga", "opus", "wav", "mka", "wma"};
constexpr int64_t kFingerprintBytes = 1024 * 1024;
constexpr guint kRescanDelayMs = 2000;

std::string lower_extension(const std::string& name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return "";
  g_autofree char* lower = g_ascii_strdown(name.c_str() + dot + 1, -1);
  return lower;
}

std::string stem(const std::string& name) {
  size_t dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

// SHA-256 over the size and the first and last MiB: cheap for a film of any size, and what a
// moved (renamed) file keeps.
std::string fingerprint_of(const std::string& path, int64_t size) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  const std::string size_text = std::to_string(size) + ":";
  g_checksum_update(sum, reinterpret_cast<const guchar*>(size_text.data()), static_cast<gssize>(size_text.size()));
  std::vector<guchar> buffer(static_cast<size_t>(kFingerprintBytes));
  auto read_at = [&](int64_t offset) {
    ssize_t n = pread(fd, buffer.data(), buffer.size(), offset);
    if (n > 0) g_checksum_update(sum, buffer.data(), n);
  };
  read_at(0);
  if (size > 2 * kFingerprintBytes) read_at(size - kFingerprintBytes);
  close(fd);
  return g_checksum_get_string(sum);
}

std::string title_of(const std::string& name) {
  std::string base = stem(name);
  for (char& c : base)
    if (c == '_' || c == '.') c = ' ';
  g_autofree char* valid = g_utf8_make_valid(base.c_str(), static_cast<gssize>(base.size()));
  std::string out = g_strstrip(valid);
  return out.empty() ? "Untitled" : out.substr(0, 300);
}

}  // namespace

bool is_media_name(const std::string& name) {
  const std::string ext = lower_extension(name);
  for (const char* e : kMediaExtensions)
    if (ext == e) return true;
  return false;
}

std::string sidecar_language(const std::string& media_name, const std::string& sidecar_name) {
  const std::string base = stem(media_name);
  std::string rest = stem(sidecar_name);  // "Film.en" or "Film"
  if (rest == base) return "";
  if (rest.size() > base.size() + 1 && rest.compare(0, base.size(), base) == 0 && rest[base.size()] == '.') {
    std::string lang = rest.substr(base.size() + 1);
    if (lang.size() <= 16 && std::all_of(lang.begin(), lang.end(), [](char c) { return g_ascii_isalnum(c) || c == '-'; }))
      return lang;
  }
  return "";
}

struct FolderImport::Found {
  std::string folder;  // the configured folder (canonical)
  std::string path;
  std::string name;
  int64_t size = 0;
  int64_t mtime = 0;
  std::string fingerprint;  // only for files the database did not know as they are
  std::vector<std::pair<std::string, std::string>> sidecars;  // (path, language)
  bool copy = false;
  std::string owner;
};

struct FolderImport::Walk {
  std::vector<Found> files;
  std::vector<std::string> dirs;
  std::set<std::string> unreadable_folders;  // missing or unreadable: their items stay
};

FolderImport::FolderImport(Catalogue& catalogue, std::function<void(const std::string&)> probe)
    : catalogue_(catalogue), probe_(std::move(probe)) {}

FolderImport::~FolderImport() {
  if (debounce_) g_source_remove(debounce_);
  if (timer_) g_source_remove(timer_);
  for (GFileMonitor* m : monitors_) {
    g_signal_handlers_disconnect_by_data(m, this);
    g_file_monitor_cancel(m);
    g_object_unref(m);
  }
}

void FolderImport::scan(std::function<void(const ScanReport&)> done) {
  if (done) waiting_.push_back(std::move(done));
  if (scanning_) {
    again_ = true;
    return;
  }
  const auto& folders = catalogue_.settings().folders;
  if (folders.empty()) {
    ScanReport empty;
    for (auto& w : std::exchange(waiting_, {})) w(empty);
    return;
  }
  scanning_ = true;
  // What the database knows, so the walk fingerprints only new or changed files.
  std::map<std::string, std::pair<int64_t, int64_t>> known;
  if (auto rows = catalogue_.host().db().query(
          "SELECT import_path, source_size, source_mtime FROM library_items WHERE origin = 'import'")) {
    for (const auto& r : *rows) known[r.text("import_path")] = {r.integer("source_size"), r.integer("source_mtime")};
  }
  auto walk = std::make_shared<Walk>();
  auto self = shared_from_this();
  run_in_worker(
      [walk, folders, known] {
        for (const auto& folder : folders) {
          if (!g_file_test(folder.path.c_str(), G_FILE_TEST_IS_DIR)) {
            walk->unreadable_folders.insert(folder.path);
            continue;
          }
          std::vector<std::string> stack{folder.path};
          while (!stack.empty()) {
            const std::string dir = stack.back();
            stack.pop_back();
            g_autoptr(GDir) d = g_dir_open(dir.c_str(), 0, nullptr);
            if (!d) {
              if (dir == folder.path) walk->unreadable_folders.insert(folder.path);
              continue;
            }
            walk->dirs.push_back(dir);
            std::vector<std::string> names;
            while (const char* n = g_dir_read_name(d)) names.emplace_back(n);
            std::sort(names.begin(), names.end());
            for (const auto& name : names) {
              if (name.empty() || name[0] == '.') continue;  // hidden files and partial copies
              const std::string path = dir + "/" + name;
              GStatBuf st;
              if (g_stat(path.c_str(), &st) != 0) continue;
              if (S_ISDIR(st.st_mode)) {
                stack.push_back(path);
                continue;
              }
              if (!S_ISREG(st.st_mode) || !is_media_name(name)) continue;
              Found f;
              f.folder = folder.path;
              f.path = path;
              f.name = name;
              f.size = st.st_size;
              f.mtime = st.st_mtime;
              f.copy = folder.copy;
              f.owner = folder.owner;
              auto k = known.find(path);
              if (k == known.end() || k->second != std::make_pair(f.size, f.mtime))
                f.fingerprint = fingerprint_of(path, f.size);
              for (const auto& other : names) {
                const std::string ext = lower_extension(other);
                if ((ext == "srt" || ext == "vtt") && (stem(other) == stem(name) ||
                                                       !sidecar_language(name, other).empty()))
                  f.sidecars.emplace_back(dir + "/" + other, sidecar_language(name, other));
              }
              walk->files.push_back(std::move(f));
            }
          }
        }
      },
      [self, walk] {
        ScanReport report;
        self->apply(*walk, report);
        self->scanning_ = false;
        self->rewatch(walk->dirs);
        if (report.added || report.moved || report.changed || report.removed)
          g_message("library: folder scan: %d added, %d moved, %d changed, %d removed, %d unchanged", report.added,
                    report.moved, report.changed, report.removed, report.unchanged);
        for (auto& w : std::exchange(self->waiting_, {})) w(report);
        if (std::exchange(self->again_, false)) self->scan();
      });
}

void FolderImport::apply(const Walk& walk, ScanReport& report) {
  Database& db = catalogue_.host().db();
  auto rows = db.query(
      "SELECT id, import_path, import_folder, source_size, source_mtime, source_fingerprint, source_path"
      " FROM library_items WHERE origin = 'import'");
  if (!rows) {
    g_warning("library: folder scan: %s", rows.error().message.c_str());
    return;
  }
  std::set<std::string> ignored;
  if (auto ig = db.query("SELECT source_path FROM library_import_ignored"))
    for (const auto& r : *ig) ignored.insert(r.text("source_path"));

  std::map<std::string, const DbRow*> by_path;
  for (const auto& r : *rows) by_path[r.text("import_path")] = &r;
  std::set<std::string> present;
  std::vector<const Found*> fresh;
  for (const auto& f : walk.files) {
    present.insert(f.path);
    auto it = by_path.find(f.path);
    if (it == by_path.end()) {
      if (!ignored.count(f.path)) fresh.push_back(&f);
      continue;
    }
    const DbRow& r = *it->second;
    if (r.integer("source_size") == f.size && r.integer("source_mtime") == f.mtime) {
      ++report.unchanged;
      continue;
    }
    // The file changed in place: probe and transcode it again.
    const std::string id = r.text("id");
    (void)db.exec(
        "UPDATE library_items SET source_size = ?, source_mtime = ?, source_fingerprint = ?, status = 'queued',"
        " probed_at = NULL, updated_at = ? WHERE id = ?",
        {f.size, f.mtime, f.fingerprint, unix_now(), id});
    ++report.changed;
    report.lines.push_back("changed: " + f.path);
    probe_(id);
  }
  // Items whose file is gone: a moved file is one of the fresh ones with its fingerprint.
  std::map<std::string, const DbRow*> missing_by_fingerprint;
  std::vector<const DbRow*> missing;
  for (const auto& r : *rows) {
    if (present.count(r.text("import_path"))) continue;
    if (walk.unreadable_folders.count(r.text("import_folder"))) continue;  // an unmounted disk is not a deletion
    missing.push_back(&r);
    if (!r.text("source_fingerprint").empty()) missing_by_fingerprint[r.text("source_fingerprint")] = &r;
  }
  std::set<std::string> moved_ids;
  for (const Found* f : fresh) {
    auto m = missing_by_fingerprint.find(f->fingerprint);
    if (!f->fingerprint.empty() && m != missing_by_fingerprint.end() && !moved_ids.count(m->second->text("id"))) {
      const DbRow& r = *m->second;
      const std::string id = r.text("id");
      const bool in_place = r.text("source_path") == r.text("import_path");
      (void)db.exec(
          "UPDATE library_items SET import_path = ?, import_folder = ?, source_path = ?, source_filename = ?,"
          " source_mtime = ?, updated_at = ? WHERE id = ?",
          {f->path, f->folder, in_place ? f->path : r.text("source_path"), f->name, f->mtime, unix_now(), id});
      (void)db.exec("UPDATE library_tracks SET source_path = ? WHERE item_id = ? AND source = 'sidecar'", {std::string(), id});
      for (const auto& [path, lang] : f->sidecars)
        (void)db.exec("UPDATE library_tracks SET source_path = ? WHERE item_id = ? AND source = 'sidecar' AND language = ?",
                      {path, id, lang});
      moved_ids.insert(id);
      ++report.moved;
      report.lines.push_back("moved: " + r.text("import_path") + " -> " + f->path);
      continue;
    }
    add_found(*f, report);
  }
  for (const DbRow* r : missing) {
    const std::string id = r->text("id");
    if (moved_ids.count(id)) continue;
    ++report.removed;
    report.lines.push_back("removed: " + r->text("import_path"));
    catalogue_.remove(id, [id](Status s) {
      if (!s) g_warning("library: removing %s: %s", id.c_str(), s.error().message.c_str());
    }, /*keep_out_of_scans=*/false);
  }
}

void FolderImport::add_found(const Found& f, ScanReport& report) {
  NewItem item;
  if (!f.owner.empty()) {
    item.owner_username = f.owner;
    if (auto* ident = catalogue_.identity())
      if (auto u = ident->find_user(f.owner); u && *u) {
        item.owner_id = (*u)->id;
        item.owner_username = (*u)->username;
      }
  }
  item.title = title_of(f.name);
  item.origin = "import";
  item.import_folder = f.folder;
  item.import_path = f.path;
  item.source_path = f.path;
  item.source_filename = f.name;
  item.source_size = f.size;
  item.source_mtime = f.mtime;
  item.source_fingerprint = f.fingerprint;
  item.visibility = catalogue_.settings().default_visibility;
  std::string id;
  if (f.copy) {
    // The copy is what gets transcoded; it is made before the probe.
    item.id = "";
    auto created = catalogue_.create(item);
    if (!created) {
      g_warning("library: importing %s: %s", f.path.c_str(), created.error().message.c_str());
      return;
    }
    id = *created;
    std::string ext = lower_extension(f.name);
    const std::string dest = catalogue_.item_dir(id) + "/source/original" + (ext.empty() ? "" : "." + ext);
    (void)catalogue_.host().db().exec("UPDATE library_items SET source_path = ? WHERE id = ?", {dest, id});
    auto error = std::make_shared<std::string>();
    auto self = shared_from_this();
    const std::string from = f.path;
    ++copies_;
    run_in_worker(
        [from, dest, error] {
          g_autofree char* dir = g_path_get_dirname(dest.c_str());
          g_mkdir_with_parents(dir, 0755);
          g_autoptr(GFile) src = g_file_new_for_path(from.c_str());
          g_autoptr(GFile) dst = g_file_new_for_path(dest.c_str());
          g_autoptr(GError) e = nullptr;
          if (!g_file_copy(src, dst, G_FILE_COPY_OVERWRITE, nullptr, nullptr, nullptr, &e)) *error = e->message;
        },
        [self, id, error] {
          --self->copies_;
          if (!error->empty()) {
            (void)self->catalogue_.set_status(id, "failed", "copying the file into the library failed: " + *error);
            return;
          }
          self->probe_(id);
        });
  } else {
    auto created = catalogue_.create(item);
    if (!created) {
      g_warning("library: importing %s: %s", f.path.c_str(), created.error().message.c_str());
      return;
    }
    id = *created;
  }
  for (const auto& [path, lang] : f.sidecars) {
    g_autofree char* base = g_path_get_basename(path.c_str());
    (void)catalogue_.host().db().exec(
        "INSERT INTO library_tracks (item_id, kind, language, label, codec, source, source_path)"
        " VALUES (?, 'subtitle', ?, ?, ?, 'sidecar', ?)",
        {id, lang, lang.empty() ? std::string(base) : lang, lower_extension(path) == "vtt" ? std::string("webvtt") : std::string("subrip"),
         path});
  }
  ++report.added;
  report.lines.push_back("added: " + f.path + " (" + id + ")");
  if (!f.copy) probe_(id);
}

void FolderImport::watch() {
  const auto& settings = catalogue_.settings();
  if (settings.folders.empty()) return;
  watching_ = true;
  if (settings.scan_interval_s > 0) {
    timer_ = g_timeout_add_seconds(
        static_cast<guint>(settings.scan_interval_s),
        [](gpointer self) -> gboolean {
          static_cast<FolderImport*>(self)->scan();
          return G_SOURCE_CONTINUE;
        },
        this);
  }
}

void FolderImport::rewatch(const std::vector<std::string>& dirs) {
  // Only under kek serve (watch() ran), not for an offline scan.
  if (!watching_ || !catalogue_.settings().watch_folders) return;
  std::set<std::string> have(watched_.begin(), watched_.end());
  for (const auto& dir : dirs) {
    if (have.count(dir)) continue;
    g_autoptr(GFile) file = g_file_new_for_path(dir.c_str());
    GFileMonitor* monitor = g_file_monitor_directory(file, G_FILE_MONITOR_WATCH_MOVES, nullptr, nullptr);
    if (!monitor) continue;
    g_signal_connect(monitor, "changed",
                     G_CALLBACK(+[](GFileMonitor*, GFile*, GFile*, GFileMonitorEvent event, gpointer self) {
                       if (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED) return;
                       static_cast<FolderImport*>(self)->schedule_rescan();
                     }),
                     this);
    monitors_.push_back(monitor);
    watched_.push_back(dir);
  }
}

void FolderImport::schedule_rescan() {
  // A copy in progress fires many events: scan once it has been quiet for a moment.
  if (debounce_) g_source_remove(debounce_);
  debounce_ = g_timeout_add(kRescanDelayMs,
                            [](gpointer data) -> gboolean {
                              auto* self = static_cast<FolderImport*>(data);
                              self->debounce_ = 0;
                              self->scan();
                              return G_SOURCE_REMOVE;
                            },
                            this);
}

}  // namespace kek::library
