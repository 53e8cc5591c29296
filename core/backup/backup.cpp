#define G_LOG_DOMAIN "kek-backup"
#include "backup/backup.h"

#include "backup/files.h"

#include <kek/json.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include <memory>
#include <set>
#include <vector>

namespace kek::core::backup {

namespace {

constexpr int kManifestVersion = 1;
// Media folders whose files are rewritten every few seconds and mean nothing later: the live
// HLS/DASH windows. Recordings (recordings/), the library and avatars are kept.
const std::set<std::string> kTransientTopFolders = {"live"};

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};

Error sqlite_failure(sqlite3* db, const std::string& what) {
  return Error{what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"), 500};
}

// SQLite's online backup: pages copied in steps, so a serving kek (WAL mode) goes on writing;
// a step that finds the database busy waits and goes on.
Status copy_database(const std::string& from, const std::string& to) {
  Db src, dst;
  if (sqlite3_open_v2(from.c_str(), &src.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return sqlite_failure(src.db, "cannot open the database " + from);
  sqlite3_busy_timeout(src.db, 5000);
  if (sqlite3_open_v2(to.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    return sqlite_failure(dst.db, "cannot create " + to);
  sqlite3_backup* b = sqlite3_backup_init(dst.db, "main", src.db, "main");
  if (!b) return sqlite_failure(dst.db, "cannot back up " + from);
  int rc;
  int busy_rounds = 0;
  while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    if (rc != SQLITE_OK && ++busy_rounds > 600) break;  // a minute of nothing but busy: give up
    if (rc != SQLITE_OK) g_usleep(100000);
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return Error{"backing up " + from + " failed: " + sqlite3_errstr(rc), 500};
  return {};
}

Status check_integrity(const std::string& path) {
  Db db;
  if (sqlite3_open_v2(path.c_str(), &db.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return sqlite_failure(db.db, "cannot open " + path);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db.db, "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK)
    return sqlite_failure(db.db, "integrity check of " + path);
  std::string result;
  if (sqlite3_step(stmt) == SQLITE_ROW) result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  if (result != "ok") return Error{path + " fails PRAGMA integrity_check: " + result, 500};
  return {};
}

std::string now_iso() {
  g_autoptr(GDateTime) t = g_date_time_new_now_utc();
  g_autofree char* s = g_date_time_format_iso8601(t);
  return s;
}

struct ManifestFile {
  std::string path;
  int64_t size = 0;
  std::string sha256;
};

struct Manifest {
  std::string db_sha256;
  int64_t db_size = 0;
  bool media_copied = true;
  std::vector<ManifestFile> files;
  std::vector<std::string> secrets;
};

Status write_manifest(const std::string& path, const Manifest& m) {
  JsonWriter w;
  w.begin_object().member("version", kManifestVersion).member("kek", KEK_VERSION).member("created", now_iso());
  w.key("database").begin_object().member("file", "kek.db").member("size", m.db_size).member("sha256", m.db_sha256).end_object();
  w.key("secrets").begin_array();
  for (const auto& s : m.secrets) w.value(s);
  w.end_array();
  w.member("media_copied", m.media_copied);
  w.key("files").begin_array();
  for (const auto& f : m.files)
    w.begin_object().member("path", f.path).member("size", f.size).member("sha256", f.sha256).end_object();
  w.end_array().end_object();
  GError* error = nullptr;
  const std::string text = w.str() + "\n";
  if (!g_file_set_contents_full(path.c_str(), text.c_str(), static_cast<gssize>(text.size()),
                                G_FILE_SET_CONTENTS_CONSISTENT, 0640, &error)) {
    Error e{std::string("cannot write ") + path + ": " + error->message, 500};
    g_error_free(error);
    return e;
  }
  return {};
}

Result<Manifest> read_manifest(const std::string& path) {
  auto text = [&]() -> Result<std::string> {
    g_autofree char* t = nullptr;
    gsize n = 0;
    if (!g_file_get_contents(path.c_str(), &t, &n, nullptr)) return Error{"no manifest at " + path + " (not a kek backup?)", 400};
    return std::string(t, n);
  }();
  if (!text) return text.error();
  auto doc = JsonDoc::parse(*text);
  if (!doc) return Error{path + ": " + doc.error().message, 400};
  JsonNode* root = doc->root();
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) return Error{path + ": not a manifest", 400};
  JsonObject* o = json_node_get_object(root);
  if (json_object_get_int_member_with_default(o, "version", 0) != kManifestVersion)
    return Error{path + ": manifest version " + std::to_string(json_object_get_int_member_with_default(o, "version", 0)) +
                     " is not one this kek reads (" + std::to_string(kManifestVersion) + ")", 400};
  Manifest m;
  if (JsonObject* d = json_object_get_object_member(o, "database")) {
    m.db_sha256 = json_object_get_string_member_with_default(d, "sha256", "");
    m.db_size = json_object_get_int_member_with_default(d, "size", 0);
  }
  m.media_copied = json_object_get_boolean_member_with_default(o, "media_copied", true);
  if (JsonArray* s = json_object_get_array_member(o, "secrets"))
    for (guint i = 0; i < json_array_get_length(s); ++i) m.secrets.emplace_back(json_array_get_string_element(s, i));
  if (JsonArray* files = json_object_get_array_member(o, "files")) {
    for (guint i = 0; i < json_array_get_length(files); ++i) {
      JsonObject* f = json_array_get_object_element(files, i);
      ManifestFile mf;
      mf.path = json_object_get_string_member_with_default(f, "path", "");
      mf.size = json_object_get_int_member_with_default(f, "size", -1);
      mf.sha256 = json_object_get_string_member_with_default(f, "sha256", "");
      // Paths come from a file someone could have edited: nothing may point outside.
      if (mf.path.empty() || g_path_is_absolute(mf.path.c_str()) || mf.path.find("..") != std::string::npos ||
          mf.sha256.size() != 64)
        return Error{path + ": bad file entry '" + mf.path + "'", 400};
      m.files.push_back(std::move(mf));
    }
  }
  return m;
}

bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

}  // namespace

Result<Summary> create(const Config& config, const std::string& dir, const BackupOptions& options,
                       const Progress& progress) {
  if (!empty_or_missing(dir)) return Error{dir + " is not empty: back up into a new folder", 400};
  if (!g_file_test(config.database.c_str(), G_FILE_TEST_IS_REGULAR))
    return Error{"no database at " + config.database + " (is this the config kek serves with?)", 400};
  if (g_mkdir_with_parents(dir.c_str(), 0700) != 0) return Error{"cannot create " + dir + ": " + g_strerror(errno), 500};
  Summary summary;
  Manifest m;
  m.media_copied = options.media;

  const std::string db_copy = dir + "/kek.db";
  progress("database " + config.database + " -> " + db_copy);
  if (auto s = copy_database(config.database, db_copy); !s) return s.error();
  if (auto s = check_integrity(db_copy); !s) return s.error();
  auto db_hash = hash_file(db_copy);
  if (!db_hash) return db_hash.error();
  m.db_sha256 = db_hash->sha256;
  m.db_size = summary.db_bytes = db_hash->size;

  const std::string secrets = config.data_dir + "/secrets";
  if (g_file_test(secrets.c_str(), G_FILE_TEST_IS_DIR)) {
    auto s = walk_files(secrets, [&](const std::string& rel) -> Status {
      auto copied = copy_file_hashed(secrets + "/" + rel, dir + "/secrets/" + rel, 0600);
      if (!copied) return copied.error();
      m.secrets.push_back(rel);
      ++summary.secrets;
      return {};
    });
    if (!s) return s.error();
    g_chmod((dir + "/secrets").c_str(), 0700);
  }
  progress("secrets: " + std::to_string(summary.secrets));

  if (g_file_test(config.media_dir.c_str(), G_FILE_TEST_IS_DIR)) {
    auto s = walk_files(config.media_dir, [&](const std::string& rel) -> Status {
      const std::string top = rel.substr(0, rel.find('/'));
      if (kTransientTopFolders.count(top) && rel.find('/') != std::string::npos) return {};
      if (rel.ends_with(".partial") || rel.ends_with(".tmp")) return {};
      const std::string src = config.media_dir + "/" + rel;
      auto copied = options.media ? copy_file_hashed(src, dir + "/media/" + rel, 0640) : hash_file(src);
      if (!copied) {
        // A file removed while we read it (a recording rotated, an upload cancelled): skipped.
        if (!g_file_test(src.c_str(), G_FILE_TEST_EXISTS)) return {};
        return copied.error();
      }
      m.files.push_back({rel, copied->size, copied->sha256});
      ++summary.files;
      summary.bytes += copied->size;
      return {};
    });
    if (!s) return s.error();
  }
  progress("media: " + std::to_string(summary.files) + " files, " + std::to_string(summary.bytes) + " bytes" +
           (options.media ? "" : " (manifest only)"));
  if (auto s = write_manifest(dir + "/manifest.json", m); !s) return s.error();
  return summary;
}

Result<Summary> restore(const Config& config, const std::string& dir, const Progress& progress) {
  auto m = read_manifest(dir + "/manifest.json");
  if (!m) return m.error();
  for (const auto& [what, path] : {std::pair<const char*, std::string>{"database", config.database},
                                   {"media folder", config.media_dir}, {"secrets folder", config.data_dir + "/secrets"}}) {
    if (std::string(what) == "database" ? g_file_test(path.c_str(), G_FILE_TEST_EXISTS) : !empty_or_missing(path))
      return Error{std::string("the ") + what + " " + path + " already holds data: restore goes into an empty data folder", 400};
  }
  // Everything is checked before anything is written.
  auto db_hash = hash_file(dir + "/kek.db");
  if (!db_hash) return db_hash.error();
  if (db_hash->sha256 != m->db_sha256) return Error{dir + "/kek.db does not match its manifest (damaged backup)", 400};
  if (m->media_copied) {
    for (const auto& f : m->files) {
      auto h = hash_file(dir + "/media/" + f.path);
      if (!h) return h.error();
      if (h->sha256 != f.sha256 || h->size != f.size)
        return Error{"media/" + f.path + " does not match its manifest (damaged backup)", 400};
    }
  }
  for (const auto& s : m->secrets)
    if (!plain_name(s)) return Error{"bad secret name in the manifest: " + s, 400};

  Summary summary;
  for (const auto& folder : {config.data_dir, config.media_dir}) {
    if (g_mkdir_with_parents(folder.c_str(), 0750) != 0) return Error{"cannot create " + folder + ": " + g_strerror(errno), 500};
  }
  if (!m->secrets.empty() && g_mkdir_with_parents((config.data_dir + "/secrets").c_str(), 0700) != 0)
    return Error{"cannot create " + config.data_dir + "/secrets: " + g_strerror(errno), 500};
  for (const auto& s : m->secrets) {
    auto copied = copy_file_hashed(dir + "/secrets/" + s, config.data_dir + "/secrets/" + s, 0600);
    if (!copied) return copied.error();
    ++summary.secrets;
  }
  if (m->media_copied) {
    for (const auto& f : m->files) {
      auto copied = copy_file_hashed(dir + "/media/" + f.path, config.media_dir + "/" + f.path, 0640);
      if (!copied) return copied.error();
      if (copied->sha256 != f.sha256) return Error{"media/" + f.path + " changed while it was restored", 500};
      ++summary.files;
      summary.bytes += copied->size;
    }
  } else {
    progress("the backup holds no media (made with --no-media): put the media back in " + config.media_dir +
             " yourself; the manifest lists their hashes");
  }
  progress("secrets: " + std::to_string(summary.secrets) + ", media: " + std::to_string(summary.files) + " files, " +
           std::to_string(summary.bytes) + " bytes");
  // The database last: a kek started on a half-restored folder finds no database and says so.
  g_autofree char* db_dir = g_path_get_dirname(config.database.c_str());
  if (g_mkdir_with_parents(db_dir, 0750) != 0) return Error{std::string("cannot create ") + db_dir, 500};
  auto copied = copy_file_hashed(dir + "/kek.db", config.database, 0640);
  if (!copied) return copied.error();
  if (auto s = check_integrity(config.database); !s) return s.error();
  summary.db_bytes = copied->size;
  progress("database -> " + config.database);
  return summary;
}

}  // namespace kek::core::backup
