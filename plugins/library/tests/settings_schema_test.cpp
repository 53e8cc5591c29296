// The plugin's args and its schema on a real SQLite file.
#include "schema.h"
#include "settings.h"
#include "transcode_settings.h"

#include "db/sqlite_database.h"

#include <gtest/gtest.h>

#include <glib/gstdio.h>

using namespace kek::library;

namespace {

kek::Result<Settings> parse(const std::string& json) {
  auto doc = kek::JsonDoc::parse(json);
  EXPECT_TRUE(doc.ok());
  kek::Args args(std::move(*doc), [](const std::string& key) { return "kek.yaml:1:1: plugins[0].args." + key; });
  return read_settings(args);
}

TEST(LibrarySettings, DefaultsAreAUsableLibrary) {
  auto s = parse("{}");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->max_file_bytes, int64_t{64} << 30);
  EXPECT_EQ(s->quota_bytes, 0);
  EXPECT_EQ(s->upload_expiry_s, 86400);
  EXPECT_EQ(s->uploaders.kind, UploaderRule::Kind::users);
  EXPECT_TRUE(s->folders.empty());
  EXPECT_TRUE(s->import_recordings);
}

TEST(LibrarySettings, FoldersAndUploaderRules) {
  auto s = parse(R"({"folders": [{"path": "/srv/films/../films", "owner": "admin", "copy": true}],
                     "uploaders": "group:family", "quota_bytes": 1000})");
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->folders.size(), 1u);
  EXPECT_EQ(s->folders[0].path, "/srv/films");
  EXPECT_EQ(s->folders[0].owner, "admin");
  EXPECT_TRUE(s->folders[0].copy);
  EXPECT_EQ(s->uploaders.kind, UploaderRule::Kind::group);
  EXPECT_EQ(s->uploaders.group, "family");
  EXPECT_EQ(s->quota_bytes, 1000);
}

TEST(LibrarySettings, MistakesNameTheKey) {
  auto unknown = parse(R"({"folder": []})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("plugins[0].args.folder: unknown key"), std::string::npos);
  auto bad_folder = parse(R"({"folders": [{"owner": "admin"}]})");
  ASSERT_FALSE(bad_folder.ok());
  EXPECT_NE(bad_folder.error().message.find("folders[0].path is required"), std::string::npos);
  auto bad_key = parse(R"({"folders": [{"path": "/x", "owner": "a", "copies": true}]})");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.error().message.find("folders[0].copies: unknown key"), std::string::npos);
  auto bad_rule = parse(R"({"uploaders": "everyone"})");
  ASSERT_FALSE(bad_rule.ok());
  EXPECT_NE(bad_rule.error().message.find("uploaders"), std::string::npos);
}

TEST(LibrarySettings, EveryKeyReachesItsField) {
  auto s = parse(R"({"max_file_bytes": 1, "upload_expiry_s": 60, "uploaders": "admins", "scan_interval_s": 0,
                     "watch_folders": false, "probe_timeout_s": 5, "default_visibility": "unlisted",
                     "import_recordings": false})");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->max_file_bytes, 1);
  EXPECT_EQ(s->upload_expiry_s, 60);
  EXPECT_EQ(s->uploaders.kind, UploaderRule::Kind::admins);
  EXPECT_EQ(s->scan_interval_s, 0);
  EXPECT_FALSE(s->watch_folders);
  EXPECT_EQ(s->probe_timeout_s, 5);
  EXPECT_EQ(s->default_visibility, "unlisted");
  EXPECT_FALSE(s->import_recordings);
  auto first = parse(R"({"max_file_bytes": 0, "default_visibility": "everyone"})");
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.error().message.find("args.max_file_bytes: must be between 1 and"), std::string::npos) << first.error().message;
  auto visibility = parse(R"({"default_visibility": "everyone", "import_recordings": "yes"})");
  ASSERT_FALSE(visibility.ok());
  EXPECT_NE(visibility.error().message.find("args.default_visibility: must be public, unlisted or private"), std::string::npos);
}

TEST(LibrarySettings, TranscodeKeysAndTheirDefaults) {
  auto parse_transcode = [](const std::string& json) {
    auto doc = kek::JsonDoc::parse(json);
    EXPECT_TRUE(doc.ok());
    return read_transcode_settings(kek::Args(std::move(*doc), [](const std::string& key) { return "args." + key; }));
  };
  auto defaults = parse_transcode("{}");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->jobs, 1);
  EXPECT_EQ(defaults->ladder.size(), default_vod_ladder().size());
  EXPECT_EQ(defaults->segment_s, 4);
  EXPECT_EQ(defaults->preset, "veryfast");
  EXPECT_EQ(defaults->threads, 0);
  EXPECT_TRUE(defaults->copy);
  auto given = parse_transcode(
      R"({"transcode_jobs": 2, "ladder": "360p:360:600,180p:180:200", "segment_s": 1, "preset": "veryslow", "threads": 3, "copy_rungs": false})");
  ASSERT_TRUE(given.ok()) << given.error().message;
  EXPECT_EQ(given->jobs, 2);
  ASSERT_EQ(given->ladder.size(), 2u);
  EXPECT_EQ(given->ladder[1].name, "180p");
  EXPECT_EQ(given->ladder[1].bitrate_kbps, 200);
  EXPECT_EQ(given->segment_s, 1);
  EXPECT_EQ(given->preset, "veryslow");
  EXPECT_EQ(given->threads, 3);
  EXPECT_FALSE(given->copy);
  auto preset = parse_transcode(R"({"preset": "instant", "threads": 999})");
  ASSERT_FALSE(preset.ok());
  EXPECT_EQ(preset.error().message, "args.preset: must be an x264 preset (ultrafast .. veryslow)");
  auto jobs = parse_transcode(R"({"transcode_jobs": 17})");
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().message, "args.transcode_jobs: must be between 1 and 16");
}

TEST(LibrarySchema, MigratesAndKeepsTheJobContract) {
  g_autofree char* dir = g_dir_make_tmp("kek-library-unit-XXXXXX", nullptr);
  const std::string path = std::string(dir) + "/kek.db";
  {
    auto db = kek::core::SqliteDatabase::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->migrate({{"library", schema_migrations()}}).ok());
    auto item = (*db)->exec(
        "INSERT INTO library_items (id, title, origin, source_path, created_at, updated_at)"
        " VALUES (?, ?, 'upload', ?, 1, 1)",
        {std::string("abc"), std::string("Film"), std::string("/x")});
    ASSERT_TRUE(item.ok()) << item.error().message;
    auto job = (*db)->exec("INSERT INTO library_jobs (item_id, created_at, updated_at) VALUES (?, 1, 1)",
                           {std::string("abc")});
    ASSERT_TRUE(job.ok()) << job.error().message;
    // An unknown status is refused by the table itself.
    EXPECT_FALSE((*db)->exec("UPDATE library_items SET status = 'done'").ok());
    // Deleting the item takes its jobs along.
    ASSERT_TRUE((*db)->exec("DELETE FROM library_items WHERE id = ?", {std::string("abc")}).ok());
    auto left = (*db)->query("SELECT count(*) AS n FROM library_jobs");
    ASSERT_TRUE(left.ok());
    EXPECT_EQ(left->at(0).integer("n"), 0);
  }
  for (const char* f : {"/kek.db", "/kek.db-wal", "/kek.db-shm"}) g_remove((std::string(dir) + f).c_str());
  g_rmdir(dir);
}

}  // namespace
