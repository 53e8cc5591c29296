// The history API against a real `kek serve` (auth, library, history, rtmp): films imported from
// a folder made here with ffmpeg, users with real sessions, heartbeats over loopback.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;
using kek::auth::test::json_number;
using kek::auth::test::kAdminPassword;

namespace {

constexpr const char* kPassword = "a-long-secret-phrase";

int64_t now_ms() { return g_get_real_time() / 1000; }

std::string report(double position, double duration, int64_t sent_at) {
  return "{\"position_s\":" + std::to_string(position) + ",\"duration_s\":" + std::to_string(duration) +
         ",\"sent_at\":" + std::to_string(sent_at) + "}";
}

// A folder with one 60 s film (320x180, 10 fps, H.264 + AAC), made here.
struct FilmFolder {
  std::string dir = make_temp_dir();
  FilmFolder() {
    auto [rc, out] = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                                  "testsrc=size=320x180:rate=10", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "60",
                                  "-c:v", "libx264", "-preset", "ultrafast", "-g", "20", "-pix_fmt", "yuv420p", "-c:a",
                                  "aac", "-b:a", "32k", dir + "/Sixty Seconds.mp4"});
    EXPECT_EQ(rc, 0) << out;
  }
  ~FilmFolder() { remove_tree(dir); }
};

KekOptions history_options(const std::string& folder, const std::string& history_args) {
  KekOptions o;
  o.extra_yaml = "plugins:\n"
                 "  - {name: auth}\n"
                 "  - {name: library, args: {folders: [{path: \"" + folder + "\", owner: admin}], scan_interval_s: 0}}\n"
                 "  - {name: history, args: {" + history_args + "}}\n"
                 "  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0}}\n";
  o.env = {std::string("KEK_ADMIN_PASSWORD=") + kAdminPassword};
  return o;
}

// The imported film's id once the library has probed it (its duration is known).
std::string wait_for_film(KekProcess& kek, Browser& admin) {
  std::string id;
  wait_for([&] {
    auto list = admin.get("/api/library/items?owner=me");
    if (list.status != 200 || json_number(list.body, "items.0.duration_s").value_or(0) < 50) return false;
    id = *json_field(list.body, "items.0.id");
    return true;
  }, 60000);
  EXPECT_FALSE(id.empty()) << kek.output();
  return id;
}

Browser signed_in(KekProcess& kek, const std::string& name) {
  Browser b(kek.http_url());
  auto r = b.register_user(name, kPassword);
  EXPECT_EQ(r.status, 201) << r.body;
  return b;
}

class HistoryApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    folder_ = new FilmFolder;
    kek_ = new KekProcess(history_options(folder_->dir, "heartbeat_burst: 10, heartbeats_per_minute: 1, view_after_s: 2"));
    ASSERT_TRUE(kek_->ready()) << kek_->output();
    Browser admin(kek_->http_url());
    ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
    film_ = wait_for_film(*kek_, admin);
  }
  static void TearDownTestSuite() {
    delete kek_;
    delete folder_;
  }
  static FilmFolder* folder_;
  static KekProcess* kek_;
  static std::string film_;
};
FilmFolder* HistoryApi::folder_ = nullptr;
KekProcess* HistoryApi::kek_ = nullptr;
std::string HistoryApi::film_;

}  // namespace

TEST_F(HistoryApi, TwoSessionsOfOneUserReportingOutOfOrderEndAtTheNewestPosition) {
  Browser laptop = signed_in(*kek_, "anna");
  Browser tv(kek_->http_url());
  ASSERT_EQ(tv.login("anna", kPassword).status, 200);
  const std::string path = "/api/me/history/" + film_;
  const int64_t t = now_ms();
  // The TV watched further and said so later; the laptop's older report arrives last.
  ASSERT_EQ(tv.request("PUT", path, report(40, 60, t)).status, 202);
  ASSERT_EQ(laptop.request("PUT", path, report(12, 60, t - 5000)).status, 202);
  for (Browser* b : {&laptop, &tv}) {
    auto got = b->get(path);
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(json_number(got.body, "entry.position_s"), 40) << got.body;
    EXPECT_EQ(json_field(got.body, "entry.sent_at"), std::to_string(t));
  }
  // A newer report from the laptop wins again; the same report twice changes nothing.
  ASSERT_EQ(laptop.request("PUT", path, report(20, 60, t + 1000)).status, 202);
  ASSERT_EQ(tv.request("PUT", path, report(40, 60, t)).status, 202);
  auto got = tv.get(path);
  EXPECT_EQ(json_number(got.body, "entry.position_s"), 20) << got.body;
  EXPECT_EQ(json_number(got.body, "entry.resume_s"), 20);
  EXPECT_EQ(json_number(got.body, "entry.duration_s"), 60) << "the film's length as the library knows it";
  EXPECT_EQ(json_field(got.body, "entry.title"), "Sixty Seconds");
  // The list says the same, newest first.
  auto list = laptop.get("/api/me/history");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(json_field(list.body, "entries.0.item_id"), film_);
  EXPECT_EQ(json_field(list.body, "entries.0.in_progress"), "true");
  EXPECT_EQ(json_field(list.body, "entries.1.item_id"), std::nullopt);
}

TEST_F(HistoryApi, APrivateFilmsHeartbeatIsRefusedToOthers) {
  Browser admin(kek_->http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  Browser boris = signed_in(*kek_, "boris");
  const std::string path = "/api/me/history/" + film_;
  ASSERT_EQ(boris.request("PUT", path, report(5, 60, now_ms())).status, 202) << "public: anyone may";
  ASSERT_EQ(admin.request("PATCH", "/api/library/items/" + film_, R"({"visibility":"private"})").status, 200);
  auto refused = boris.request("PUT", path, report(10, 60, now_ms()));
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(boris.get(path).status, 403);
  EXPECT_EQ(admin.request("PUT", path, report(10, 60, now_ms())).status, 202) << "the owner may";
  // Boris's own entry from before is no longer listed with the film's title.
  auto list = boris.get("/api/me/history");
  EXPECT_EQ(json_field(list.body, "entries.0.id"), std::nullopt) << list.body;
  ASSERT_EQ(admin.request("PATCH", "/api/library/items/" + film_, R"({"visibility":"public"})").status, 200);
  EXPECT_EQ(http_request("PUT", kek_->http_url(), path, {}, report(10, 60, now_ms())).status, 401)
      << "guests have no history";
  auto unknown = boris.request("PUT", "/api/me/history/NoSuchFilm000000", report(10, 60, now_ms()));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(json_field(unknown.body, "code"), "no_such_item");
}

TEST_F(HistoryApi, BadReportsAreClearErrorsAndStoreNothing) {
  Browser vera = signed_in(*kek_, "vera");
  const std::string path = "/api/me/history/" + film_;
  const int64_t t = now_ms();
  struct Case {
    std::string body;
    const char* code;
  } cases[] = {
      {report(-1, 60, t), "invalid_field"},
      {"{\"position_s\":null,\"duration_s\":60,\"sent_at\":" + std::to_string(t) + "}", "invalid_field"},
      {report(100, 300, t), "position_past_end"},  // the player says 300 s; the film has 60
      {report(70, 60, t), "position_past_end"},
      {"position=10", "invalid_json"},
      {report(10, 60, t + 7200 * 1000), "sent_at_in_future"},
  };
  for (const auto& c : cases) {
    auto r = vera.request("PUT", path, c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_EQ(json_field(r.body, "code"), c.code) << c.body << " -> " << r.body;
    EXPECT_FALSE(json_field(r.body, "error").value_or("").empty());
  }
  auto got = vera.get(path);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json_field(got.body, "entry"), "null") << "nothing stored: " << got.body;
}

TEST_F(HistoryApi, AFloodOfHeartbeatsFromOneSessionIsRateLimited) {
  Browser flood = signed_in(*kek_, "flood");
  Browser calm(kek_->http_url());
  ASSERT_EQ(calm.login("flood", kPassword).status, 200);
  const std::string path = "/api/me/history/" + film_;
  int accepted = 0;
  kek::test::HttpResult last;
  for (int i = 0; i < 15; ++i) {
    last = flood.request("PUT", path, report(10 + i, 60, now_ms() + i));
    if (last.status == 202) ++accepted;
    else break;
  }
  EXPECT_EQ(accepted, 10) << "the burst";
  EXPECT_EQ(last.status, 429) << last.body;
  EXPECT_FALSE(last.header("retry-after").empty());
  EXPECT_EQ(json_field(last.body, "code"), "rate_limited");
  // The limit is per browser session: another browser of the same account still reports.
  std::vector<std::pair<std::string, std::string>> other_agent = {{"User-Agent", "the TV"}};
  EXPECT_EQ(calm.request("PUT", path, report(30, 60, now_ms() + 100), other_agent).status, 202);
}

TEST_F(HistoryApi, RemoveOneClearAllAndPauseHistory) {
  Browser wim = signed_in(*kek_, "wim");
  const std::string path = "/api/me/history/" + film_;
  ASSERT_EQ(wim.request("PUT", path, report(30, 60, now_ms())).status, 202);
  ASSERT_EQ(json_field(wim.get("/api/me/history").body, "entries.0.item_id"), film_);
  ASSERT_EQ(wim.request("DELETE", path).status, 204);
  EXPECT_EQ(json_field(wim.get(path).body, "entry"), "null");

  ASSERT_EQ(wim.request("PUT", path, report(31, 60, now_ms())).status, 202);
  auto cleared = wim.request("DELETE", "/api/me/history");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(json_field(cleared.body, "removed"), "1");
  auto empty = wim.get("/api/me/history");
  EXPECT_EQ(json_field(empty.body, "entries.0.id"), std::nullopt) << "clear all leaves nothing: " << empty.body;
  EXPECT_EQ(json_field(empty.body, "next_cursor"), "null");

  // Paused: nothing is recorded, and the API says so.
  auto paused = wim.request("PATCH", "/api/me/history/settings", R"({"paused":true})");
  ASSERT_EQ(paused.status, 200) << paused.body;
  auto beat = wim.request("PUT", path, report(40, 60, now_ms()));
  EXPECT_EQ(beat.status, 202);
  EXPECT_EQ(json_field(beat.body, "recorded"), "false");
  EXPECT_EQ(json_field(wim.get("/api/me/history").body, "paused"), "true");
  EXPECT_EQ(json_field(wim.get(path).body, "entry"), "null");
  ASSERT_EQ(wim.request("PATCH", "/api/me/history/settings", R"({"paused":false})").status, 200);
  EXPECT_EQ(json_field(wim.request("PUT", path, report(41, 60, now_ms())).body, "recorded"), "true");
}

TEST_F(HistoryApi, MarkedWatchedStartsFromTheBeginningAndTheExportHasIt) {
  Browser xena = signed_in(*kek_, "xena");
  const std::string path = "/api/me/history/" + film_;
  // In the last quarter of a one-minute film: watched, and resumed from the start.
  ASSERT_EQ(xena.request("PUT", path, report(50, 60, now_ms())).status, 202);
  auto got = xena.get(path);
  EXPECT_EQ(json_field(got.body, "entry.watched"), "true") << got.body;
  EXPECT_EQ(json_number(got.body, "entry.resume_s"), 0);
  auto unmarked = xena.request("PUT", path + "/watched", R"({"watched":false})");
  ASSERT_EQ(unmarked.status, 200) << unmarked.body;
  EXPECT_EQ(json_field(unmarked.body, "entry.watched"), "false");
  auto marked = xena.request("PUT", path + "/watched", R"({"watched":true})");
  EXPECT_EQ(json_field(marked.body, "entry.watched"), "true");

  // The Library grid asks for its films' entries at once.
  auto some = xena.get("/api/me/history?items=" + film_ + ",NoSuchFilm000000");
  EXPECT_EQ(json_field(some.body, "entries.0.item_id"), film_) << some.body;
  EXPECT_EQ(json_field(some.body, "entries.0.watched"), "true");
  EXPECT_EQ(json_field(some.body, "entries.1.item_id"), std::nullopt);

  auto exported = xena.get("/api/me/history/export");
  ASSERT_EQ(exported.status, 200);
  EXPECT_NE(exported.header("content-disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(json_field(exported.body, "user.username"), "xena");
  EXPECT_EQ(json_field(exported.body, "entries.0.item_id"), film_);
  EXPECT_EQ(json_field(exported.body, "entries.1.item_id"), std::nullopt) << "only xena's own";
  // Nobody else's history is reachable: not even an admin has a route to it.
  Browser admin(kek_->http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  auto mine = admin.get("/api/me/history/export");
  EXPECT_EQ(json_field(mine.body, "user.username"), "admin");
  EXPECT_EQ(mine.body.find("xena"), std::string::npos);
}

TEST_F(HistoryApi, ViewsAreCountedOncePerViewerAndWindow) {
  const std::string film_view = "{\"kind\":\"film\",\"id\":\"" + film_ + "\",\"client_id\":\"guest-browser-1\",\"played_s\":";
  auto count = [&] {
    auto r = http_get(kek_->http_url(), "/api/history/views?films=" + film_ + ",NoSuchFilm000000");
    EXPECT_EQ(r.status, 200) << r.body;
    return json_number(r.body, "films." + film_).value_or(-1);
  };
  const double before = count();
  // A guest (no account, a client id its browser keeps): started, then played long enough.
  auto started = http_request("POST", kek_->http_url(), "/api/history/views", {}, film_view + "0}");
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(json_field(started.body, "counted"), "false");
  auto counted = http_request("POST", kek_->http_url(), "/api/history/views", {}, film_view + "3}");
  EXPECT_EQ(json_field(counted.body, "counted"), "true") << counted.body;
  auto again = http_request("POST", kek_->http_url(), "/api/history/views", {}, film_view + "40}");
  EXPECT_EQ(json_field(again.body, "state"), "already_counted") << "one view per client per 30 min";
  EXPECT_EQ(count(), before + 1);
  // A guest without a client id cannot be counted; an unknown film is 404.
  EXPECT_EQ(http_request("POST", kek_->http_url(), "/api/history/views", {}, "{\"kind\":\"film\",\"id\":\"" + film_ + "\"}").status, 400);
  EXPECT_EQ(http_request("POST", kek_->http_url(), "/api/history/views", {},
                         "{\"kind\":\"film\",\"id\":\"NoSuchFilm000000\",\"client_id\":\"guest-browser-1\"}").status, 404);
}

namespace {

std::optional<int64_t> rows_of(const std::string& db_path, int64_t user_id) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return std::nullopt;
  }
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* stmt = nullptr;
  std::optional<int64_t> n;
  if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM history_entries WHERE user_id = ?1) +"
                             " (SELECT count(*) FROM history_settings WHERE user_id = ?1)", -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_int64(stmt, 1, user_id);
    if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST(HistoryAccounts, DeletingTheUserDeletesTheRows) {
  FilmFolder folder;
  KekProcess kek(history_options(folder.dir, ""));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  const std::string film = wait_for_film(kek, admin);
  Browser anna(kek.http_url());
  auto registered = anna.register_user("anna", kPassword);
  ASSERT_EQ(registered.status, 201);
  const int64_t anna_id = std::stoll(*json_field(registered.body, "user.id"));
  Browser bert = signed_in(kek, "bert");
  for (Browser* b : {&anna, &bert}) ASSERT_EQ(b->request("PUT", "/api/me/history/" + film, report(25, 60, now_ms())).status, 202);
  ASSERT_EQ(anna.request("PATCH", "/api/me/history/settings", R"({"paused":true})").status, 200);
  ASSERT_EQ(json_field(anna.get("/api/me/history").body, "entries.0.item_id"), film);
  ASSERT_EQ(kek.stop(), 0);
  const std::string db_path = kek.data_dir() + "/kek.db";
  ASSERT_EQ(rows_of(db_path, anna_id), 2);

  auto [rc, out] = run_command({KEK_EXE, "users", "delete", "anna", "--config", kek.config_path()}, 60000,
                               {std::string("KEK_ADMIN_PASSWORD=") + kAdminPassword});
  ASSERT_EQ(rc, 0) << out;
  KekOptions again = history_options(folder.dir, "");
  again.args = {"--config", kek.config_path()};
  KekProcess second(again);
  ASSERT_TRUE(second.ready()) << second.output();
  EXPECT_TRUE(wait_for([&] { return rows_of(db_path, anna_id) == 0; }, 10000))
      << "anna's history is gone: " << rows_of(db_path, anna_id).value_or(-1) << "\n" << second.output();
  Browser bert_again(second.http_url());
  ASSERT_EQ(bert_again.login("bert", kPassword).status, 200);
  EXPECT_EQ(json_field(bert_again.get("/api/me/history").body, "entries.0.item_id"), film) << "bert's stays";
}

TEST(HistoryLive, AWatchedLiveStreamIsListedWithItsOwnerAndHowLongAndCounted) {
  KekOptions o;
  o.extra_yaml = "plugins:\n  - {name: auth}\n  - {name: history, args: {view_after_s: 1}}\n"
                 "  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0}}\n";
  o.env = {std::string("KEK_ADMIN_PASSWORD=") + kAdminPassword};
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna = signed_in(kek, "anna");
  auto key = anna.post("/api/me/stream-keys", R"({"name":"OBS"})");
  ASSERT_EQ(key.status, 201) << key.body;
  const std::string stream = *json_field(key.body, "stream");
  auto publisher = publish_test_stream(kek.endpoint("rtmp") + "/" + *json_field(key.body, "key"), 6);
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/live").body.find(stream) != std::string::npos; }, 20000))
      << kek.output();

  Browser boris = signed_in(kek, "boris");
  const std::string path = "/api/me/history/live/" + stream;
  const int64_t t = now_ms();
  ASSERT_EQ(boris.request("PUT", path, "{\"played_s\":10,\"sent_at\":" + std::to_string(t) + "}").status, 202);
  // The page went away: sendBeacon POSTs text/plain with the CSRF token in the body (and the
  // page's Origin, as a browser does).
  boris.send_csrf = false;
  const std::vector<std::pair<std::string, std::string>> origin = {{"Origin", kek.http_url()}};
  auto beacon = boris.request("POST", path,
                              "{\"played_s\":1,\"sent_at\":" + std::to_string(t + 1000) + ",\"csrf_token\":\"" + boris.csrf() + "\"}",
                              origin, "text/plain;charset=UTF-8");
  EXPECT_EQ(beacon.status, 202) << beacon.body;
  auto forged = boris.request("POST", path, "{\"played_s\":1,\"sent_at\":" + std::to_string(t + 2000) + ",\"csrf_token\":\"nope\"}",
                              origin, "text/plain;charset=UTF-8");
  EXPECT_EQ(forged.status, 403) << "a wrong token in the body is no token";
  boris.send_csrf = true;
  auto list = boris.get("/api/me/history");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(json_field(list.body, "entries.0.kind"), "live") << list.body;
  EXPECT_EQ(json_field(list.body, "entries.0.stream"), stream);
  EXPECT_EQ(json_field(list.body, "entries.0.owner"), "anna");
  EXPECT_EQ(json_number(list.body, "entries.0.watched_s"), 11);
  EXPECT_EQ(boris.request("PUT", "/api/me/history/live/nobody-streams-this", "{\"played_s\":1,\"sent_at\":" + std::to_string(t) + "}").status, 404);

  // Views of the stream: boris once, whatever he sends; the live page's viewer count is apart.
  const std::string view = "{\"kind\":\"live\",\"id\":\"" + stream + "\",\"played_s\":";
  ASSERT_EQ(boris.post("/api/history/views", view + "0}").status, 200);
  g_usleep(1100 * 1000);
  EXPECT_EQ(json_field(boris.post("/api/history/views", view + "2}").body, "counted"), "true");
  EXPECT_EQ(json_field(boris.post("/api/history/views", view + "9}").body, "counted"), "false");
  auto views = http_get(kek.http_url(), "/api/history/views?live=" + stream);
  EXPECT_EQ(json_number(views.body, "live." + stream), 1) << views.body;
  EXPECT_NE(http_get(kek.http_url(), "/api/live").body.find("\"viewers\""), std::string::npos);
  publisher->wait(30000);
}
