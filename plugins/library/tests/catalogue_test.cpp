// The catalogue against a real `kek serve`: search, sort, filters and cursor pages; edits by the
// owner only; public / unlisted / private as others see them (lists, the item, its media);
// delete leaves nothing on disk; progress and readiness pushed on /api/events to whom may see.
#include "library_test_support.h"
#include "support/event_stream.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include <atomic>
#include <functional>
#include <thread>

using namespace kek::library::test;
using kek::test::read_events;

namespace {

class LibraryCatalogue : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  std::string dir_;
};

std::vector<std::string> ids_of(const std::string& list_body) {
  std::vector<std::string> out;
  for (int i = 0;; ++i) {
    auto id = json_field(list_body, "items." + std::to_string(i) + ".id");
    if (!id) break;
    out.push_back(*id);
  }
  return out;
}

void walk(const std::string& dir, std::vector<std::string>& out) {
  g_autoptr(GDir) d = g_dir_open(dir.c_str(), 0, nullptr);
  while (const char* name = d ? g_dir_read_name(d) : nullptr) {
    std::string path = dir + "/" + name;
    out.push_back(path);
    if (g_file_test(path.c_str(), G_FILE_TEST_IS_DIR)) walk(path, out);
  }
}

TEST_F(LibraryCatalogue, SearchSortFilterPagesAndOwnerEdits) {
  KekProcess kek(library_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser ann(kek.http_url());
  ASSERT_EQ(ann.register_user("ann", "a-long-secret-phrase").status, 201);
  const std::string film = make_film(dir_, "f.mp4");
  const std::string a = upload(ann, "a.mp4", film);
  const std::string b = upload(ann, "b.mp4", film);
  const std::string c = upload(ann, "c.mp4", film);
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(ann.request("PATCH", "/api/library/items/" + a,
                        R"({"title":"The Matrix","year":1999,"genres":["sci-fi","action"],"description":"A hacker learns the truth"})")
                .status,
            200);
  ASSERT_EQ(ann.request("PATCH", "/api/library/items/" + b, R"({"title":"Amélie","year":2001,"genres":["comedy"]})").status, 200);
  auto edited = ann.request("PATCH", "/api/library/items/" + c, R"({"title":"Brazil","year":1985,"genres":["comedy","sci-fi"]})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(json_field(edited.body, "genres.1"), std::optional<std::string>("sci-fi"));
  EXPECT_EQ(json_field(edited.body, "year"), std::optional<std::string>("1985"));
  // Bad edits say what is wrong.
  EXPECT_EQ(ann.request("PATCH", "/api/library/items/" + c, R"({"title":"  "})").status, 400);
  EXPECT_EQ(ann.request("PATCH", "/api/library/items/" + c, R"({"year":"soon"})").status, 400);
  auto unknown = ann.request("PATCH", "/api/library/items/" + c, R"({"colour":"red"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("colour"), std::string::npos);
  EXPECT_EQ(ann.request("PATCH", "/api/library/items/" + c, R"({"visibility":"secret"})").status, 400);

  // Full-text: prefixes, accents, description.
  EXPECT_EQ(ids_of(ann.get("/api/library/items?owner=me&q=matr").body), std::vector<std::string>{a});
  EXPECT_EQ(ids_of(ann.get("/api/library/items?owner=me&q=amelie").body), std::vector<std::string>{b});
  EXPECT_EQ(ids_of(ann.get("/api/library/items?owner=me&q=hacker").body), std::vector<std::string>{a});
  EXPECT_TRUE(ids_of(ann.get("/api/library/items?owner=me&q=nothing-like-this").body).empty());
  // Sorts and filters.
  EXPECT_EQ(ids_of(ann.get("/api/library/items?owner=me&sort=title").body), (std::vector<std::string>{b, c, a}));
  EXPECT_EQ(ids_of(ann.get("/api/library/items?owner=me&sort=year&order=desc").body), (std::vector<std::string>{b, a, c}));
  EXPECT_EQ(ids_of(ann.get("/api/library/items?owner=me&sort=added&order=asc").body), (std::vector<std::string>{a, b, c}));
  EXPECT_EQ(ids_of(ann.get("/api/library/items?owner=me&genre=comedy&sort=title").body), (std::vector<std::string>{b, c}));
  EXPECT_EQ(ann.get("/api/library/items?sort=colour").status, 400);
  EXPECT_EQ(ann.get("/api/library/items?limit=0").status, 400);
  // Cursor pages: 2, then 1, then none.
  auto page1 = ann.get("/api/library/items?owner=me&sort=title&limit=2");
  EXPECT_EQ(ids_of(page1.body), (std::vector<std::string>{b, c}));
  auto cursor = json_field(page1.body, "next_cursor");
  ASSERT_TRUE(cursor && *cursor != "null") << page1.body;
  auto page2 = ann.get("/api/library/items?owner=me&sort=title&limit=2&cursor=" + *cursor);
  EXPECT_EQ(ids_of(page2.body), std::vector<std::string>{a});
  EXPECT_EQ(json_field(page2.body, "next_cursor"), std::optional<std::string>("null"));
  EXPECT_EQ(ann.get("/api/library/items?cursor=garbage!").status, 400);

  // Somebody else may not edit or delete.
  Browser ben(kek.http_url());
  ASSERT_EQ(ben.register_user("ben", "a-long-secret-phrase").status, 201);
  ASSERT_TRUE(wait_status(ann, a, "ready")) << item_json(ann, a) << kek.output();
  EXPECT_EQ(ben.request("PATCH", "/api/library/items/" + a, R"({"title":"Mine now"})").status, 403);
  EXPECT_EQ(ben.request("DELETE", "/api/library/items/" + a).status, 403);
  EXPECT_EQ(json_field(ben.get("/api/library/items/" + a).body, "can_edit"), std::optional<std::string>("false"));
  EXPECT_EQ(json_field(ben.get("/api/library/items/" + a).body, "source.filename"), std::optional<std::string>(""));
}

TEST_F(LibraryCatalogue, PrivateIs403AndUnlistedStaysOutOfLists) {
  KekProcess kek(library_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser owner(kek.http_url());
  ASSERT_EQ(owner.register_user("olga", "a-long-secret-phrase").status, 201);
  Browser friend_(kek.http_url());
  ASSERT_EQ(friend_.register_user("fred", "a-long-secret-phrase").status, 201);
  Browser stranger(kek.http_url());
  ASSERT_EQ(stranger.register_user("sam", "a-long-secret-phrase").status, 201);
  Browser anonymous(kek.http_url());
  const std::string id = upload(owner, "home.mp4", make_film(dir_, "home.mp4"));
  ASSERT_FALSE(id.empty());
  // Before it plays, only its owner knows of it.
  EXPECT_EQ(ids_of(owner.get("/api/library/items?owner=me").body), std::vector<std::string>{id});
  ASSERT_TRUE(wait_status(owner, id, "ready")) << item_json(owner, id) << kek.output();
  const std::string master = *json_field(item_json(owner, id), "hls");
  EXPECT_EQ(stranger.get("/api/library/items").body.find(id) != std::string::npos, true) << "public: listed";
  EXPECT_EQ(anonymous.get(master).status, 200);

  ASSERT_EQ(owner.request("PATCH", "/api/library/items/" + id, R"({"visibility":"private","allowed":["fred"]})").status, 200);
  EXPECT_EQ(json_field(item_json(owner, id), "allowed.0"), std::optional<std::string>("fred"));
  EXPECT_EQ(stranger.get("/api/library/items/" + id).status, 403);
  EXPECT_EQ(anonymous.get("/api/library/items/" + id).status, 401);
  EXPECT_EQ(stranger.get("/api/library/items").body.find(id), std::string::npos);
  EXPECT_EQ(anonymous.get("/api/library/items").body.find(id), std::string::npos);
  EXPECT_EQ(anonymous.get(master).status, 403) << "the media is guarded too";
  EXPECT_EQ(stranger.get(master).status, 403);
  EXPECT_EQ(friend_.get("/api/library/items/" + id).status, 200) << "shared with fred";
  EXPECT_NE(friend_.get("/api/library/items").body.find(id), std::string::npos);
  EXPECT_EQ(friend_.get(master).status, 200);
  EXPECT_EQ(json_field(friend_.get("/api/library/items/" + id).body, "allowed.0"), std::nullopt)
      << "only the owner sees who else may watch";
  EXPECT_EQ(owner.request("PATCH", "/api/library/items/" + id, R"({"allowed":["nobody-of-that-name"]})").status, 400);

  ASSERT_EQ(owner.request("PATCH", "/api/library/items/" + id, R"({"visibility":"unlisted","allowed":[]})").status, 200);
  EXPECT_EQ(stranger.get("/api/library/items/" + id).status, 200) << "unlisted: the link works";
  EXPECT_EQ(stranger.get(master).status, 200);
  EXPECT_EQ(stranger.get("/api/library/items").body.find(id), std::string::npos) << "but it is not listed";
  EXPECT_NE(owner.get("/api/library/items").body.find(id), std::string::npos) << "its owner lists it";
}

TEST_F(LibraryCatalogue, APrivateFilmSharedWithAGroupIsForItsMembers) {
  KekProcess kek(library_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  Browser owner(kek.http_url());
  ASSERT_EQ(owner.register_user("greta", "a-long-secret-phrase").status, 201);
  Browser member(kek.http_url());
  ASSERT_EQ(member.register_user("gus", "a-long-secret-phrase").status, 201);
  Browser other(kek.http_url());
  ASSERT_EQ(other.register_user("hal", "a-long-secret-phrase").status, 201);
  ASSERT_EQ(admin.post("/api/admin/groups", R"({"name":"family","members":["gus"]})").status, 201);
  const std::string id = upload(owner, "family.mp4", make_film(dir_, "family.mp4"));
  ASSERT_TRUE(wait_status(owner, id, "ready")) << item_json(owner, id) << kek.output();
  auto shared = owner.request("PATCH", "/api/library/items/" + id, R"({"visibility":"private","allowed":["group:family"]})");
  ASSERT_EQ(shared.status, 200) << shared.body;
  EXPECT_EQ(json_field(shared.body, "allowed.0"), std::optional<std::string>("group:family")) << shared.body;
  const std::string master = *json_field(item_json(owner, id), "hls");

  EXPECT_EQ(member.get("/api/library/items/" + id).status, 200) << "gus is in the family";
  EXPECT_NE(member.get("/api/library/items").body.find(id), std::string::npos);
  EXPECT_EQ(member.get(master).status, 200);
  EXPECT_EQ(other.get("/api/library/items/" + id).status, 403);
  EXPECT_EQ(other.get("/api/library/items").body.find(id), std::string::npos);
  EXPECT_EQ(other.get(master).status, 403);

  // hal joins the family: the film is his to watch at once; gus leaves it: no longer his.
  ASSERT_EQ(admin.post("/api/admin/groups", R"({"name":"family","members":["hal"]})").status, 201);
  EXPECT_EQ(other.get("/api/library/items/" + id).status, 200);
  EXPECT_NE(other.get("/api/library/items").body.find(id), std::string::npos);
  EXPECT_EQ(other.get(master).status, 200);
  EXPECT_EQ(member.get("/api/library/items/" + id).status, 403);
  EXPECT_EQ(member.get("/api/library/items").body.find(id), std::string::npos);
  EXPECT_EQ(member.get(master).status, 403);
  EXPECT_EQ(owner.request("PATCH", "/api/library/items/" + id, R"({"allowed":["group:"]})").status, 400);
}

namespace {

// Runs SQL on a stopped kek's database.
void run_sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

}  // namespace

TEST_F(LibraryCatalogue, PagesAreFullAcrossManyItemsTheCallerMayNotSee) {
  const std::string data = make_temp_dir();
  KekOptions options = library_options();
  options.data_dir = data;
  KekProcess first(options);  // in scope while second runs: it removes the data folder when it goes
  ASSERT_TRUE(first.ready()) << first.output();
  Browser owner(first.http_url());
  ASSERT_EQ(owner.register_user("paula", "a-long-secret-phrase").status, 201);
  const std::string oldest = upload(owner, "p.mp4", make_film(dir_, "p.mp4"));
  ASSERT_TRUE(wait_status(owner, oldest, "ready")) << item_json(owner, oldest) << first.output();
  ASSERT_EQ(first.stop(), 0);
  // Copies of the film, newest first: v0, 60 private, v1, v2, 60 private, then the original.
  std::string sql = "CREATE TEMP TABLE t AS SELECT * FROM library_items WHERE id = '" + oldest + "';";
  int64_t at = 0;
  auto copy = [&](const std::string& id, const char* visibility) {
    ++at;
    sql += "UPDATE t SET id = '" + id + "', visibility = '" + visibility + "', created_us = created_us + " +
           std::to_string(at) + "000000; INSERT INTO library_items SELECT * FROM t;";
    sql += "UPDATE t SET created_us = created_us - " + std::to_string(at) + "000000;";
  };
  for (int i = 0; i < 60; ++i) copy("hiddenB" + std::to_string(100 + i), "private");
  copy("visibleV2", "public");
  copy("visibleV1", "public");
  for (int i = 0; i < 60; ++i) copy("hiddenA" + std::to_string(100 + i), "private");
  copy("visibleV0", "public");
  run_sql(data + "/kek.db", sql);

  KekProcess second(options);
  ASSERT_TRUE(second.ready()) << second.output();
  Browser anyone(second.http_url());
  auto page1 = anyone.get("/api/library/items?limit=2");
  ASSERT_EQ(page1.status, 200) << page1.body;
  EXPECT_EQ(ids_of(page1.body), (std::vector<std::string>{"visibleV0", "visibleV1"})) << page1.body;
  auto cursor = json_field(page1.body, "next_cursor");
  ASSERT_TRUE(cursor && *cursor != "null") << page1.body;
  g_autofree char* escaped = g_uri_escape_string(cursor->c_str(), nullptr, FALSE);
  auto page2 = anyone.get(std::string("/api/library/items?limit=2&cursor=") + escaped);
  ASSERT_EQ(page2.status, 200) << page2.body;
  EXPECT_EQ(ids_of(page2.body), (std::vector<std::string>{"visibleV2", oldest})) << page2.body;
  EXPECT_EQ(json_field(page2.body, "next_cursor").value_or("null"), "null") << page2.body;
  // The owner sees every one of them, a full page at a time.
  Browser paula(second.http_url());
  ASSERT_EQ(paula.login("paula", "a-long-secret-phrase").status, 200);
  EXPECT_EQ(ids_of(paula.get("/api/library/items?limit=100").body).size(), 100u);
}

TEST_F(LibraryCatalogue, ADeletedAccountsFilmsAndUploadsGoWithIt) {
  const std::string data = make_temp_dir();
  KekOptions options = library_options();
  options.data_dir = data;
  KekProcess first(options);  // in scope while second runs: it removes the data folder when it goes
  ASSERT_TRUE(first.ready()) << first.output();
  Browser gina(first.http_url());
  ASSERT_EQ(gina.register_user("gina", "a-long-secret-phrase").status, 201);
  Browser hank(first.http_url());
  ASSERT_EQ(hank.register_user("hank", "a-long-secret-phrase").status, 201);
  const std::string film = make_film(dir_, "g.mp4");
  const std::string hers = upload(gina, "hers.mp4", film);
  const std::string his = upload(hank, "his.mp4", film);
  ASSERT_TRUE(wait_status(gina, hers, "ready")) << item_json(gina, hers) << first.output();
  ASSERT_TRUE(wait_probed(hank, his));
  // And an upload she had not finished.
  auto partial = tus_create(gina, 1000, {{"filename", "later.mp4"}});
  ASSERT_EQ(partial.status, 201);
  ASSERT_EQ(tus_patch(gina, partial.header("location"), 0, std::string(400, 'x')).status, 204);
  const std::string part =
      data + "/uploads/" + partial.header("location").substr(std::string("/api/uploads/").size()) + ".part";
  ASSERT_TRUE(g_file_test(part.c_str(), G_FILE_TEST_EXISTS));
  const std::string her_dir = first.media_dir() + "/vod/" + hers;
  ASSERT_TRUE(g_file_test(her_dir.c_str(), G_FILE_TEST_IS_DIR));
  ASSERT_EQ(first.stop(), 0);

  auto [rc, out] = run_command({KEK_EXE, "users", "delete", "gina", "--config", first.config_path()}, 60000,
                               {"KEK_ADMIN_PASSWORD=correct-horse-battery"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_TRUE(g_file_test(her_dir.c_str(), G_FILE_TEST_IS_DIR)) << "offline, nothing is removed yet";

  KekProcess second(options);
  ASSERT_TRUE(second.ready()) << second.output();
  EXPECT_TRUE(wait_for([&] { return !g_file_test(her_dir.c_str(), G_FILE_TEST_EXISTS); }, 10000))
      << "her film's folder is gone\n" << second.output();
  EXPECT_TRUE(wait_for([&] { return !g_file_test(part.c_str(), G_FILE_TEST_EXISTS); }, 10000)) << "her partial upload";
  Browser admin(second.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  EXPECT_EQ(admin.get("/api/library/items/" + hers).status, 404);
  EXPECT_EQ(admin.get("/api/library/items?owner=gina").body.find(hers), std::string::npos);
  Browser hank_again(second.http_url());
  ASSERT_EQ(hank_again.login("hank", "a-long-secret-phrase").status, 200);
  EXPECT_EQ(hank_again.get("/api/library/items/" + his).status, 200) << "hank's film stays";
  EXPECT_TRUE(g_file_test((second.media_dir() + "/vod/" + his + "/source").c_str(), G_FILE_TEST_IS_DIR));
  EXPECT_NE(second.output().find("was deleted: 1 item(s) and 1 unfinished upload(s) removed"), std::string::npos)
      << second.output();
}

TEST_F(LibraryCatalogue, DeleteLeavesNothingBehind) {
  KekProcess kek(library_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser owner(kek.http_url());
  ASSERT_EQ(owner.register_user("dana", "a-long-secret-phrase").status, 201);
  const std::string id = upload(owner, "gone.mp4", make_film(dir_, "gone.mp4"));
  ASSERT_TRUE(wait_status(owner, id, "ready")) << item_json(owner, id) << kek.output();
  const std::string item_dir = kek.media_dir() + "/vod/" + id;
  std::vector<std::string> before;
  walk(item_dir, before);
  EXPECT_GT(before.size(), 3u) << "source, playlists, segments, poster";
  auto deleted = owner.request("DELETE", "/api/library/items/" + id);
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  std::vector<std::string> after;
  walk(kek.media_dir(), after);
  for (const auto& path : after) EXPECT_EQ(path.find(id), std::string::npos) << path << " is left behind";
  std::vector<std::string> uploads;
  walk(kek.data_dir() + "/uploads", uploads);
  EXPECT_TRUE(uploads.empty()) << uploads.size() << " files left in uploads/";
  EXPECT_EQ(owner.get("/api/library/items/" + id).status, 404);
  EXPECT_EQ(owner.request("DELETE", "/api/library/items/" + id).status, 404);
  EXPECT_EQ(ids_of(owner.get("/api/library/items?owner=me").body).size(), 0u);
}

TEST_F(LibraryCatalogue, ProgressAndReadinessReachTheOwnerOnly) {
  KekProcess kek(library_options("default_visibility: private"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser owner(kek.http_url());
  ASSERT_EQ(owner.register_user("pia", "a-long-secret-phrase").status, 201);
  Browser other(kek.http_url());
  ASSERT_EQ(other.register_user("quentin", "a-long-secret-phrase").status, 201);
  std::string owner_events, other_events;
  std::atomic<bool> owner_on{false}, other_on{false}, owner_done{false};
  std::thread a([&] {
    owner_events = read_events(kek.http_url(), owner.cookie(), "event: library.ready", 90000, &owner_on);
    g_usleep(500000);  // anything sent to the other client meanwhile has arrived by now
    owner_done = true;
  });
  std::thread b([&] {
    other_events = read_events(kek.http_url(), other.cookie(), "event: library.ready", 90000, &other_on, &owner_done);
  });
  ASSERT_TRUE(wait_for([&] { return owner_on.load() && other_on.load(); }, 10000));
  const std::string id = upload(owner, "private.mp4", make_film(dir_, "private.mp4"));
  a.join();
  b.join();
  EXPECT_NE(owner_events.find("text/event-stream"), std::string::npos) << owner_events;
  EXPECT_NE(owner_events.find("event: library.progress\ndata: {\"id\":\"" + id + "\""), std::string::npos) << owner_events;
  EXPECT_NE(owner_events.find("event: library.ready\ndata: {\"id\":\"" + id + "\""), std::string::npos) << owner_events;
  EXPECT_EQ(other_events.find(id), std::string::npos) << "a private film's progress reaches nobody else: " << other_events;
}

}  // namespace

namespace {

TEST_F(LibraryCatalogue, OwnPosterSurvivesTheTranscodeAndAudioIsAnAudioItem) {
  KekProcess kek(library_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser owner(kek.http_url());
  ASSERT_EQ(owner.register_user("pavel", "a-long-secret-phrase").status, 201);
  const std::string id = upload(owner, "film.mp4", make_film(dir_, "film.mp4"));
  ASSERT_FALSE(id.empty());
  auto [rc, out] = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                "testsrc=size=2000x1000", "-frames:v", "1", dir_ + "/poster.png"});
  ASSERT_EQ(rc, 0) << out;
  const std::string png = read_file(dir_ + "/poster.png");
  EXPECT_EQ(owner.request("POST", "/api/library/items/" + id + "/poster", "not an image", {}, "image/png").status, 400);
  EXPECT_EQ(owner.request("POST", "/api/library/items/" + id + "/poster", png, {}, "text/plain").status, 415);
  // A picture whose header claims 20000 px a side is refused before a decoder allocates it.
  std::string bomb = png;
  bomb.replace(16, 4, std::string("\x00\x00\x4e\x20", 4));  // IHDR width 20000
  auto refused = owner.request("POST", "/api/library/items/" + id + "/poster", bomb, {}, "image/png");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("image_too_large"), std::string::npos) << refused.body;
  auto set = owner.request("POST", "/api/library/items/" + id + "/poster", png, {}, "image/png");
  ASSERT_EQ(set.status, 200) << set.body;
  const std::string poster_file = kek.media_dir() + "/vod/" + id + "/poster-own.jpg";
  auto [probe_rc, size] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                       "csv=p=0", poster_file});
  EXPECT_EQ(probe_rc, 0) << size;
  EXPECT_NE(size.find("mjpeg,1280,640"), std::string::npos) << size;
  ASSERT_TRUE(wait_status(owner, id, "ready")) << item_json(owner, id) << kek.output();
  const std::string poster = json_field(item_json(owner, id), "poster").value_or("");
  EXPECT_NE(poster.find("/poster-own.jpg"), std::string::npos) << "the transcode kept the owner's poster: " << poster;
  EXPECT_EQ(owner.get(poster.substr(0, poster.find('?'))).status, 200);
  Browser other(kek.http_url());
  ASSERT_EQ(other.register_user("quinn", "a-long-secret-phrase").status, 201);
  EXPECT_EQ(other.request("POST", "/api/library/items/" + id + "/poster", png, {}, "image/png").status, 403);

  // A file with no video track is an audio item.
  auto [arc, aout] = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                  "sine=frequency=440", "-t", "2", "-c:a", "aac", dir_ + "/song.m4a"});
  ASSERT_EQ(arc, 0) << aout;
  const std::string song = upload(owner, "song.m4a", read_file(dir_ + "/song.m4a"));
  ASSERT_TRUE(wait_for([&] { return json_field(item_json(owner, song), "source.audio_codec") == std::optional<std::string>("aac"); },
                       30000))
      << item_json(owner, song);
  const std::string audio = item_json(owner, song);
  EXPECT_EQ(json_field(audio, "has_video"), std::optional<std::string>("false")) << audio;
  EXPECT_NE(json_field(audio, "status"), std::optional<std::string>("failed")) << audio;
}

}  // namespace
