// A disk that fills under the transcode: media/vod on a 1 MiB tmpfs of the kek process's own
// mount namespace (tests/support/small_disk.h). The job fails with the system's own words ("No
// space left on device") while the next job and a live stream go on. Its own test binary: where
// no small filesystem can be made it exits 77 (meson: SKIP, visibly) rather than passing untested.
#include "library_test_support.h"
#include "support/live.h"
#include "support/small_disk.h"

using namespace kek::library::test;

TEST(LibraryFullDisk, ADiskThatFillsFailsTheJobWhileTheNextJobAndALiveStreamGoOn) {
  // The films imported in place from a folder on the real disk, so only what the transcode
  // writes fills the small one.
  const std::string dir = make_temp_dir();
  const std::string films = dir + "/films";
  g_mkdir_with_parents(films.c_str(), 0755);
  // 1.5 MB of noisy 640x360 at 3 Mb/s: its copied rung alone does not fit; the small one then does.
  film(films, "a-big.mp4", "640x360", 4, 25, {"-vf", "noise=alls=30:allf=t", "-b:v", "3000k", "-maxrate", "3000k", "-bufsize", "1000k"});
  film(films, "b-small.mp4", "320x180", 2, 25);
  const std::string data = make_temp_dir();
  KekOptions options;
  options.data_dir = data;
  options.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  options.extra_yaml = "template_dirs: [" + std::string(KEK_SOURCE_DIR) + "/pipelines]\n"
                       "plugins:\n  - {name: auth}\n"
                       "  - name: rtmp\n    args: {address: 127.0.0.1, port: 0, apps: {live: live}}\n"
                       "  - {name: library, args: {segment_s: 1, ladder: \"360p:360:800,180p:180:300\", folders: [{path: " +
                       films + ", owner: admin}]}}\n";
  options.wrapper = small_disk_wrapper(data + "/media/vod", "1m");
  KekProcess kek(options);
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  auto key = admin.post("/api/me/stream-keys", R"({"name":"cam"})");
  ASSERT_EQ(key.status, 201) << key.body;
  auto live = publish_test_stream(kek.endpoint("rtmp") + "/" + json_field(key.body, "key").value_or(""), 40, true, true, 25);
  std::string big, small;
  ASSERT_TRUE(wait_for([&] {
    const std::string list = admin.get("/api/library/items?owner=me&sort=title&order=asc").body;
    big = json_field(list, "items.0.id").value_or("");
    small = json_field(list, "items.1.id").value_or("");
    return !small.empty();
  }, 30000)) << admin.get("/api/library/items?owner=me").body << kek.output();
  ASSERT_EQ(item_field(admin, big, "title"), "a-big");
  ASSERT_TRUE(wait_status(admin, big, "failed")) << item_json(admin, big) << kek.output();
  EXPECT_NE(item_field(admin, big, "error").find("No space left on device"), std::string::npos) << item_json(admin, big);
  EXPECT_EQ(item_field(admin, big, "hls"), "null") << "nothing of it is offered to play";
  ASSERT_TRUE(wait_status(admin, small, "ready")) << item_json(admin, small) << kek.output();
  auto played = http_get(kek.http_url(), item_field(admin, small, "hls"), {{"Cookie", "kek_session=" + admin.cookie()}});
  EXPECT_EQ(played.status, 200) << "the next film plays";
  EXPECT_NE(played.body.find("#EXT-X-STREAM-INF"), std::string::npos) << played.body;
  // The live stream went on all along: its playlist still grows.
  const std::string playlist = kek.media_dir() + "/live/" + json_field(key.body, "stream").value_or("") + "/source/index.m3u8";
  ASSERT_TRUE(wait_for([&] { return read_file(playlist).find("#EXTINF") != std::string::npos; }, 20000)) << kek.output();
  const std::string before = read_file(playlist);
  EXPECT_TRUE(wait_for([&] { return read_file(playlist) != before; }, 15000)) << "the live playlist stopped";
  EXPECT_TRUE(kek.running());
  remove_tree(dir);
}
