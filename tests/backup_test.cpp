// kek backup while kek serves (a publisher recording, viewers fetching), kek restore into an
// empty data folder, and a kek started on the restored folder: every account, session and
// stream key is there and works, a film of the library is listed and plays, every media file is
// back with the hash the manifest says.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/tus_client.h"
#include "support/wait.h"

#include <json-glib/json-glib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;

namespace {

const char* kPlugins =
    "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n"
    "  - {name: library, args: {segment_s: 1, ladder: \"180p:180:200\"}}\n";

std::string sha256_of_file(const std::string& path) {
  std::string data = read_file(path);
  g_autofree char* sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(data.data()), data.size());
  return sum;
}

std::string config_for(const std::string& dir) {
  return "data_dir: " + dir + "\ndatabase: " + dir + "/kek.db\nmedia_dir: " + dir + "/media\n" + kPlugins;
}

std::unique_ptr<BackgroundProcess> publish(const std::string& url, int seconds) {
  return std::make_unique<BackgroundProcess>(std::vector<std::string>{
      "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
      "-t", std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "flv", url});
}

}  // namespace

TEST(Backup, BackUpUnderLoadRestoreIntoAnEmptyFolderAndEverythingIsThere) {
  KekOptions o;
  o.extra_yaml = kPlugins;
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  auto origin = std::make_unique<KekProcess>(o);
  ASSERT_TRUE(origin->ready()) << origin->output();
  Browser anna(origin->http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  Browser bob(origin->http_url());
  ASSERT_EQ(bob.register_user("bob", "another-long-phrase").status, 201);
  auto key_a = anna.post("/api/me/stream-keys", R"({"name":"OBS","record":true})");
  ASSERT_EQ(key_a.status, 201) << key_a.body;
  auto key_b = anna.post("/api/me/stream-keys", R"({"name":"phone","visibility":"private"})");
  ASSERT_EQ(key_b.status, 201) << key_b.body;
  const std::string key = *json_field(key_a.body, "key");
  const std::string stream = *json_field(key_a.body, "stream");
  // A film in the library: uploaded, transcoded, playing.
  const std::string source = make_temp_dir() + "/film.mp4";
  ASSERT_EQ(run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                         "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "2",
                         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", source}).first, 0);
  const std::string film = read_file(source);
  auto created = tus_create(anna, static_cast<int64_t>(film.size()), {{"filename", "Holiday.mp4"}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto uploaded = tus_patch(anna, created.header("location"), 0, film);
  ASSERT_EQ(uploaded.status, 204) << uploaded.body;
  const std::string item = uploaded.header("kek-library-item");
  ASSERT_FALSE(item.empty());
  ASSERT_TRUE(wait_for([&] { return json_field(anna.get("/api/library/items/" + item).body, "status") == "ready"; }, 90000))
      << anna.get("/api/library/items/" + item).body << origin->output();
  const std::string hls = json_field(anna.get("/api/library/items/" + item).body, "hls").value_or("");
  ASSERT_FALSE(hls.empty());

  // Load: a recorded stream being published and viewers polling its playlist all through the backup.
  auto pub = publish(origin->endpoint("rtmp") + "/" + key, 8);
  ASSERT_TRUE(wait_for([&] { return anna.get("/media/live/" + stream + "/index.m3u8").status == 200; }, 20000))
      << origin->output();
  std::atomic<bool> stop{false};
  std::atomic<int> fetched{0};
  std::thread viewers([&] {
    for (int i = 0; i < 2000 && !stop; ++i) {
      if (http_get(origin->http_url(), "/media/live/" + stream + "/index.m3u8").status == 200) ++fetched;
      g_usleep(20000);
    }
  });
  const std::string backup = make_temp_dir() + "/backup";
  auto [rc, out] = run_command({KEK_EXE, "backup", backup, "--config", origin->config_path()}, 120000);
  stop = true;
  viewers.join();
  EXPECT_EQ(rc, 0) << out;
  EXPECT_GT(fetched.load(), 0) << "the server kept serving during the backup";
  EXPECT_EQ(pub->wait(30000), 0) << pub->output();
  EXPECT_TRUE(origin->running()) << origin->output();
  // A second backup into the same folder is refused, not mixed.
  EXPECT_EQ(run_command({KEK_EXE, "backup", backup, "--config", origin->config_path()}).first, 2);

  const std::string manifest = read_file(backup + "/manifest.json");
  ASSERT_FALSE(manifest.empty());
  g_autoptr(JsonParser) parser = json_parser_new();
  ASSERT_TRUE(json_parser_load_from_data(parser, manifest.c_str(), -1, nullptr)) << manifest;
  JsonArray* files = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)), "files");
  std::map<std::string, std::string> hashes;
  for (guint i = 0; i < json_array_get_length(files); ++i) {
    JsonObject* f = json_array_get_object_element(files, i);
    hashes[json_object_get_string_member(f, "path")] = json_object_get_string_member(f, "sha256");
  }
  size_t film_files = 0;
  for (const auto& [path, hash] : hashes) film_files += path.starts_with("vod/" + item + "/");
  EXPECT_GE(film_files, 4u) << "the film's source, playlists and segments are in the backup";
  for (const auto& [path, hash] : hashes) EXPECT_FALSE(path.starts_with("live/")) << "live windows are not kept: " << path;
  origin.reset();  // stopped, its folder gone: only the backup is left

  // Restore into an empty folder, then a kek on it.
  const std::string restored = make_temp_dir();
  g_file_set_contents((restored + "/restore.yaml").c_str(), config_for(restored).c_str(), -1, nullptr);
  auto [restore_rc, restore_out] = run_command({KEK_EXE, "restore", backup, "--config", restored + "/restore.yaml"}, 120000);
  ASSERT_EQ(restore_rc, 0) << restore_out;
  EXPECT_EQ(run_command({KEK_EXE, "restore", backup, "--config", restored + "/restore.yaml"}).first, 2)
      << "a restore over existing data is refused";
  for (const auto& [path, hash] : hashes) EXPECT_EQ(sha256_of_file(restored + "/media/" + path), hash) << path;

  KekOptions again = o;
  again.data_dir = restored;
  KekProcess kek(again);
  ASSERT_TRUE(kek.ready()) << kek.output();
  EXPECT_EQ(kek.output().find("admin password:"), std::string::npos) << "the admin account came back; none is made";
  Browser anna_again(kek.http_url());
  ASSERT_EQ(anna_again.login("anna", "a-long-secret-phrase").status, 200);
  Browser bob_again(kek.http_url());
  EXPECT_EQ(bob_again.login("bob", "another-long-phrase").status, 200);
  Browser admin(kek.http_url());
  EXPECT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  auto keys = anna_again.get("/api/me/stream-keys");
  ASSERT_EQ(keys.status, 200) << keys.body;
  EXPECT_EQ(kek::auth::test::json_array_length(keys.body), 2u) << keys.body;
  // The film is listed, with its title, and plays.
  auto restored_item = anna_again.get("/api/library/items/" + item);
  ASSERT_EQ(restored_item.status, 200) << restored_item.body;
  EXPECT_EQ(json_field(restored_item.body, "title").value_or(""), "Holiday") << restored_item.body;
  EXPECT_EQ(json_field(restored_item.body, "status").value_or(""), "ready") << restored_item.body;
  EXPECT_NE(anna_again.get("/api/library/items").body.find(item), std::string::npos);
  auto master = anna_again.get(hls);
  EXPECT_EQ(master.status, 200) << hls;
  EXPECT_NE(master.body.find("#EXT-X-STREAM-INF"), std::string::npos) << master.body;
  // The session anna had before the backup is still good (sessions and secrets restored).
  Browser old_session(kek.http_url());
  old_session.set_cookie(anna.cookie());
  auto me = old_session.get("/api/me");
  EXPECT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(json_field(me.body, "username").value_or(""), "anna") << me.body;
  // The stream key still publishes.
  auto again_pub = publish(kek.endpoint("rtmp") + "/" + key, 3);
  EXPECT_EQ(again_pub->wait(30000), 0) << again_pub->output() << kek.output();
  bool recorded = false;
  for (const auto& [path, hash] : hashes) recorded = recorded || path.starts_with("recordings/" + stream + "/");
  EXPECT_TRUE(recorded) << "the recording made during the backup is in it";
}
