// kek killed with SIGKILL (no shutdown, no flush) during a live recording and a stream of
// database writes, then started again on the same folder: the database passes
// PRAGMA integrity_check, the recording plays up to its last complete fragment, every stream key
// and session that got a 2xx answer is still there, and the configured pipeline runs again.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/wait.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <csignal>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;
using kek::auth::test::kAdminPassword;

namespace {

const char* kConfig =
    "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0}}\n"
    "pipelines:\n  - {id: demo, template: demo, vars: {width: \"320\", height: \"180\"}}\n";

std::string integrity_check(const std::string& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return "cannot open: " + why;
  }
  std::string result;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW)
      result += std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) + "\n";
  } else {
    result = std::string("cannot check: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

// Seconds of media an HLS media playlist lists (the sum of its EXTINF).
double listed_seconds(const std::string& playlist) {
  double total = 0;
  static const std::regex extinf("#EXTINF:([0-9.]+)");
  for (auto it = std::sregex_iterator(playlist.begin(), playlist.end(), extinf); it != std::sregex_iterator(); ++it)
    total += std::stod((*it)[1].str());
  return total;
}

// Complete fragments (a moof followed by its whole mdat) of the track that has the fewest in an
// MP4 file (mp4mux writes one moof per track per fragment), walking its top-level boxes.
int complete_fragments(const std::string& mp4) {
  auto be32 = [&](size_t at) {
    return (uint32_t{static_cast<unsigned char>(mp4[at])} << 24) | (uint32_t{static_cast<unsigned char>(mp4[at + 1])} << 16) |
           (uint32_t{static_cast<unsigned char>(mp4[at + 2])} << 8) | static_cast<unsigned char>(mp4[at + 3]);
  };
  std::map<uint32_t, int> per_track;
  std::vector<uint32_t> tracks_in_moof;
  size_t pos = 0;
  while (pos + 8 <= mp4.size()) {
    const uint64_t size = be32(pos);
    const std::string type = mp4.substr(pos + 4, 4);
    if (size < 8 || pos + size > mp4.size()) break;
    if (type == "moof") {
      tracks_in_moof.clear();
      // moof > traf > tfhd: the track id follows tfhd's version and flags.
      for (size_t child = pos + 8; child + 8 <= pos + size && be32(child) >= 8; child += be32(child))
        if (mp4.compare(child + 4, 4, "traf") == 0 && child + 28 <= mp4.size()) tracks_in_moof.push_back(be32(child + 20));
    }
    if (type == "mdat") {
      for (uint32_t track : tracks_in_moof) ++per_track[track];
      tracks_in_moof.clear();
    }
    pos += size;
  }
  int fewest = 0;
  for (const auto& [track, count] : per_track) fewest = fewest == 0 ? count : std::min(fewest, count);
  return fewest;
}

// The span of video timestamps ffprobe reads from a file (0 when it cannot read it).
double video_seconds(const std::string& path) {
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                "packet=pts_time", "-of", "csv=p=0", path});
  if (rc != 0) return 0;
  double first = -1, last = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line == "N/A") continue;
    const double t = std::stod(line);
    if (first < 0 || t < first) first = t;
    if (t > last) last = t;
  }
  return first < 0 ? 0 : last - first;
}

std::string only_file_in(const std::string& dir) {
  GDir* d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return "";
  std::string found;
  while (const char* name = g_dir_read_name(d)) found = dir + "/" + name;
  g_dir_close(d);
  return found;
}

}  // namespace

TEST(CrashSafety, KilledDuringARecordingAndDatabaseWritesLosesNothingItAnswered) {
  const std::string data = make_temp_dir();
  KekOptions options;
  options.data_dir = data;
  options.extra_yaml = kConfig;
  options.env = {std::string("KEK_ADMIN_PASSWORD=") + kAdminPassword};
  // first stays in scope while second runs: a KekProcess removes its data folder when it goes.
  KekProcess first(options);
  ASSERT_TRUE(first.ready()) << first.output();
  Browser anna(first.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  auto recorded_key = anna.post("/api/me/stream-keys", R"({"name":"OBS","record":true})");
  ASSERT_EQ(recorded_key.status, 201) << recorded_key.body;
  const std::string stream = *json_field(recorded_key.body, "stream");

  // A recorded stream, published for longer than the test lets kek live.
  BackgroundProcess publisher({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                               "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i", "sine", "-t", "120", "-c:v",
                               "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac",
                               "-f", "flv", first.endpoint("rtmp") + "/" + *json_field(recorded_key.body, "key")});
  const std::string recordings = data + "/media/recordings/" + stream;
  const std::string variant = data + "/media/live/" + stream + "/source/index.m3u8";
  ASSERT_TRUE(wait_for([&] { return listed_seconds(read_file(variant)) >= 6; }, 60000))
      << read_file(variant) << first.output();

  // Database writes in a loop: new stream keys and new sessions, each remembered once answered 2xx.
  std::mutex lock;
  std::vector<std::string> streams_created;
  std::vector<std::string> sessions_created;
  std::atomic<bool> stop{false};
  std::thread writer([&, url = first.http_url()] {
    Browser owner(url);
    owner.login("anna", "a-long-secret-phrase");
    for (int i = 0; !stop; ++i) {
      auto key = owner.post("/api/me/stream-keys", "{\"name\":\"key " + std::to_string(i) + "\"}");
      if (key.status == 201) {
        std::lock_guard<std::mutex> g(lock);
        streams_created.push_back(json_field(key.body, "stream").value_or("?"));
      }
      Browser someone(url);
      auto login = someone.login("anna", "a-long-secret-phrase");
      if (login.status == 200 && !someone.cookie().empty()) {
        std::lock_guard<std::mutex> g(lock);
        sessions_created.push_back(someone.cookie());
      }
      if (key.status == 0 && login.status == 0) break;  // the server is gone
    }
  });
  struct Joined {  // also when an assertion below returns early
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joined() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joined{stop, writer};
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard<std::mutex> g(lock);
    return streams_created.size() >= 10 && sessions_created.size() >= 5;
  }, 60000)) << first.output();
  const double live_at_kill = listed_seconds(read_file(variant));
  first.signal(SIGKILL);
  first.wait_exit(10000);
  stop = true;
  writer.join();
  publisher.kill_now();

  // The recording: whole fragments up to where kek died, readable by ffprobe.
  const std::string recording = only_file_in(recordings);
  ASSERT_FALSE(recording.empty()) << "no recording in " << recordings;
  const int fragments = complete_fragments(read_file(recording));
  const double seconds = video_seconds(recording);
  EXPECT_GT(seconds, 0) << recording << " does not play";
  // A fragment a second: every complete one plays (the span from the first frame to the last
  // is a frame short of their count).
  EXPECT_GT(fragments, 0) << recording;
  EXPECT_GE(seconds, fragments - 1) << fragments << " complete fragments in " << recording;
  // What the live playlist had published is in the recording, but for the fragment being
  // written and the muxer's queue.
  EXPECT_GE(seconds, live_at_kill - 4) << "live had " << live_at_kill << " s";
  auto [decode_rc, decode_out] =
      run_command({"ffmpeg", "-hide_banner", "-v", "error", "-i", recording, "-f", "null", "-"}, 60000);
  EXPECT_EQ(decode_rc, 0) << decode_out;

  // The database, before kek opens it again (so nothing repairs it first).
  EXPECT_EQ(integrity_check(data + "/kek.db"), "ok\n");

  KekProcess second(options);
  ASSERT_TRUE(second.ready()) << second.output();
  Browser admin(second.http_url());
  ASSERT_EQ(admin.login("admin", kAdminPassword).status, 200);
  EXPECT_TRUE(wait_for([&] { return admin.get("/api/pipelines/demo").body.find("\"running\"") != std::string::npos; },
                       30000))
      << admin.get("/api/pipelines/demo").body << second.output();
  Browser anna_again(second.http_url());
  ASSERT_EQ(anna_again.login("anna", "a-long-secret-phrase").status, 200);
  auto keys = anna_again.get("/api/me/stream-keys");
  ASSERT_EQ(keys.status, 200) << keys.body;
  for (const auto& s : streams_created)
    EXPECT_NE(keys.body.find("\"" + s + "\""), std::string::npos) << "stream key of " << s << " was answered 201 and lost";
  for (const auto& cookie : sessions_created) {
    Browser returning(second.http_url());
    returning.set_cookie(cookie);
    EXPECT_EQ(returning.get("/api/me").status, 200) << "a session answered 200 was lost";
  }
  std::printf("killed with %zu new keys and %zu new sessions answered; the recording: %d fragments, %.2f s "
              "(live had %.2f s)\n",
              streams_created.size(), sessions_created.size(), fragments, seconds, live_at_kill);
  // The recorded key still publishes and records.
  BackgroundProcess again({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                           "testsrc=size=320x180:rate=25", "-t", "3", "-c:v", "libx264", "-preset", "ultrafast",
                           "-f", "flv", second.endpoint("rtmp") + "/" + *json_field(recorded_key.body, "key")});
  EXPECT_EQ(again.wait(60000), 0) << again.output() << second.output();
}
