// A real `kek serve` driven over HTTP: health, pipelines, media files, errors, signals.
#include "support/browser.h"
#include "support/http_client.h"
#include "support/kek_process.h"
#include "support/wait.h"

#include <gtest/gtest.h>
#include <glib/gstdio.h>
#include <signal.h>

using namespace kek::test;
using kek::auth::test::Browser;

namespace {



void write_file(const std::string& path, const std::string& content) {
  g_autofree char* dir = g_path_get_dirname(path.c_str());
  g_mkdir_with_parents(dir, 0755);
  ASSERT_TRUE(g_file_set_contents(path.c_str(), content.data(), static_cast<gssize>(content.size()), nullptr));
}

int count_segments(const std::string& playlist) {
  int n = 0;
  for (size_t p = 0; (p = playlist.find("#EXTINF", p)) != std::string::npos; ++p) ++n;
  return n;
}

}  // namespace

TEST(Serve, HealthListsPluginsAndTheRunningDemoWhichFfprobeReads) {
  KekProcess kek({.extra_yaml = "plugins:\n  - {name: example}\n  - {name: rtmp, optional: true, args: {port: 0}}\n"
                                "pipelines:\n  - {id: demo, template: demo, vars: {width: 320, height: 180}}\n"});
  ASSERT_TRUE(kek.ready()) << kek.output();
  const std::string playlist = kek.media_dir() + "/live/demo/index.m3u8";
  ASSERT_TRUE(wait_for([&] { return count_segments(read_file(playlist)) >= 2; }, 30000)) << kek.output();

  auto health = http_get(kek.http_url(), "/api/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.header("content-type").rfind("application/json", 0), 0u);
  EXPECT_NE(health.body.find(R"("name":"example")"), std::string::npos) << health.body;
  EXPECT_NE(health.body.find(R"("id":"demo","template":"demo","state":"running")"), std::string::npos) << health.body;

  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                "compact=p=0", kek.http_url() + "media/live/demo/index.m3u8"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("codec_name=h264|width=320|height=180"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac"), std::string::npos) << out;

  auto pl = http_get(kek.http_url(), "/media/live/demo/index.m3u8");
  EXPECT_EQ(pl.status, 200);
  EXPECT_EQ(pl.header("content-type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(pl.header("cache-control"), "no-cache");
  EXPECT_EQ(pl.header("access-control-allow-origin"), "*");

  // SIGTERM: the demo gets EOS, so its playlist is closed for players.
  EXPECT_EQ(kek.stop(), 0) << kek.output();
  EXPECT_NE(read_file(playlist).find("#EXT-X-ENDLIST"), std::string::npos) << read_file(playlist);
  EXPECT_NE(kek.output().find("KEK stopped"), std::string::npos);
}

TEST(Serve, PipelineApiShowsLineGraphAndStartsAndStops) {
  KekProcess kek({.extra_yaml = "plugins:\n  - {name: auth}\n"
                                "pipelines:\n  - {id: demo, template: demo, vars: {width: 160, height: 90}}\n",
                  .env = {std::string("KEK_ADMIN_PASSWORD=") + kek::auth::test::kAdminPassword}});
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", kek::auth::test::kAdminPassword).status, 200);
  auto http_get = [&](const std::string&, const std::string& path) { return admin.get(path); };
  auto http_request = [&](const std::string& method, const std::string&, const std::string& path) {
    return admin.request(method, path);
  };
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/pipelines/demo").body.find("\"running\"") != std::string::npos; }, 20000));
  // Anyone sees the pipelines the operator configured, by id and state only; the API is for admins.
  auto public_health = kek::test::http_get(kek.http_url(), "/api/health");
  EXPECT_NE(public_health.body.find(R"("pipelines":[{"id":"demo","template":"demo","state":"running"}])"), std::string::npos)
      << public_health.body;
  EXPECT_NE(admin.get("/api/health").body.find("\"uptime_s\""), std::string::npos);
  EXPECT_EQ(kek::test::http_get(kek.http_url(), "/api/pipelines/demo").status, 401);
  EXPECT_EQ(kek::test::http_request("POST", kek.http_url(), "/api/pipelines/demo/stop").status, 401);
  auto one = http_get(kek.http_url(), "/api/pipelines/demo");
  EXPECT_EQ(one.status, 200);
  EXPECT_NE(one.body.find("videotestsrc is-live=true"), std::string::npos) << one.body;
  EXPECT_NE(one.body.find("\"last_error\":null"), std::string::npos) << one.body;

  auto svg = http_get(kek.http_url(), "/api/pipelines/demo/graph.svg");
  EXPECT_EQ(svg.status, 200) << svg.body;
  EXPECT_EQ(svg.header("content-type"), "image/svg+xml");
  EXPECT_NE(svg.body.find("<svg"), std::string::npos);
  EXPECT_NE(svg.body.find("x264enc0"), std::string::npos) << "the graph shows the running elements";

  auto stop = http_request("POST", kek.http_url(), "/api/pipelines/demo/stop");
  EXPECT_EQ(stop.status, 200) << stop.body;
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/pipelines/demo").body.find("\"stopped\"") != std::string::npos; }, 10000));
  auto start = http_request("POST", kek.http_url(), "/api/pipelines/demo/start");
  EXPECT_EQ(start.status, 200) << start.body;
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/pipelines/demo").body.find("\"running\"") != std::string::npos; }, 10000));

  auto missing = http_get(kek.http_url(), "/api/pipelines/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"no pipeline 'nope'","code":"no_such_pipeline"})");
}

// Without an access provider (no auth plugin) there are no accounts, so there is nobody who
// may control pipelines: start, stop and the graph are refused, saying why (issue 15, item 4).
// What runs stays readable.
TEST(Serve, WithoutAnAccessProviderPipelinesCannotBeControlled) {
  KekProcess kek({.extra_yaml = "pipelines:\n  - {id: demo, template: demo, vars: {width: 160, height: 90}}\n"});
  ASSERT_TRUE(kek.ready()) << kek.output();
  EXPECT_NE(kek.output().find("no access provider"), std::string::npos) << kek.output();
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/pipelines/demo").body.find("\"running\"") != std::string::npos; }, 20000));
  for (const char* path : {"/api/pipelines/demo/stop", "/api/pipelines/demo/start"}) {
    auto refused = http_request("POST", kek.http_url(), path);
    EXPECT_EQ(refused.status, 403) << path;
    EXPECT_NE(refused.body.find("\"code\":\"no_access_provider\""), std::string::npos) << refused.body;
  }
  EXPECT_EQ(http_get(kek.http_url(), "/api/pipelines/demo/graph.svg").status, 403);
  EXPECT_NE(http_get(kek.http_url(), "/api/pipelines/demo").body.find("\"running\""), std::string::npos)
      << "still running: the refused stop did nothing";
}

TEST(Serve, MediaFilesHaveMimeTypesRangesAndCacheHeaders) {
  KekProcess kek;
  ASSERT_TRUE(kek.ready()) << kek.output();
  const std::string m = kek.media_dir();
  const std::map<std::string, std::string> types = {
      {"a/index.m3u8", "application/vnd.apple.mpegurl"}, {"a/seg1.ts", "video/mp2t"},
      {"a/seg1.m4s", "video/iso.segment"}, {"a/manifest.mpd", "application/dash+xml"},
      {"a/film.mp4", "video/mp4"}, {"a/subs.vtt", "text/vtt"}, {"a/poster.jpg", "image/jpeg"}};
  for (const auto& [file, type] : types) write_file(m + "/" + file, "0123456789abcdef");
  for (const auto& [file, type] : types) {
    auto r = http_get(kek.http_url(), "/media/" + file);
    EXPECT_EQ(r.status, 200) << file;
    EXPECT_EQ(r.header("content-type").substr(0, type.size()), type) << file;
    EXPECT_EQ(r.body, "0123456789abcdef") << file;
  }
  EXPECT_EQ(http_get(kek.http_url(), "/media/a/manifest.mpd").header("cache-control"), "no-cache");
  EXPECT_NE(http_get(kek.http_url(), "/media/a/seg1.ts").header("cache-control").find("immutable"), std::string::npos);

  auto range = http_get(kek.http_url(), "/media/a/film.mp4", {{"Range", "bytes=2-5"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, "2345");
  EXPECT_EQ(range.header("content-range"), "bytes 2-5/16");
  auto suffix = http_get(kek.http_url(), "/media/a/film.mp4", {{"Range", "bytes=-3"}});
  EXPECT_EQ(suffix.status, 206);
  EXPECT_EQ(suffix.body, "def");
  auto bad = http_get(kek.http_url(), "/media/a/film.mp4", {{"Range", "bytes=100-200"}});
  EXPECT_EQ(bad.status, 416);

  auto none = http_get(kek.http_url(), "/media/a/none.ts");
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("\"error\""), std::string::npos) << none.body;
}

TEST(Serve, MediaPathsNeverEscapeTheRoot) {
  KekProcess kek;
  ASSERT_TRUE(kek.ready()) << kek.output();
  write_file(kek.data_dir() + "/secret.txt", "TOP-SECRET");
  write_file(kek.media_dir() + "/live/ok.txt", "fine");
  symlink((kek.data_dir() + "/secret.txt").c_str(), (kek.media_dir() + "/live/link.txt").c_str());
  const char* attempts[] = {
      "/media/../secret.txt",          "/media/../kek.db",
      "/media/%2e%2e/secret.txt",      "/media/%2E%2E/secret.txt",
      "/media/..%2fsecret.txt",        "/media/%2e%2e%2fsecret.txt",
      "/media/live/../../secret.txt",  "/media/live/%2e%2e/%2e%2e/secret.txt",
      "/media/%252e%252e/secret.txt",  "/media/..\\secret.txt",
      "/media/live/link.txt",          "/media/%2e%2e%5csecret.txt",
      "/media//etc/passwd",            "/media/live/ok.txt%00.m3u8",
  };
  for (const char* path : attempts) {
    auto r = http_get(kek.http_url(), path);
    EXPECT_NE(r.status, 200) << path;
    EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("SQLite format"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
  EXPECT_EQ(http_get(kek.http_url(), "/media/live/ok.txt").body, "fine");
  EXPECT_TRUE(kek.running()) << "hostile paths never take the process down";
}

TEST(Serve, ApiErrorsAreJsonWithTheRightStatus) {
  KekProcess kek({.extra_yaml = "http: {address: 127.0.0.1, port: 0, max_body_bytes: 4096}\n"
                                "plugins:\n  - {name: example}\n"});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto unknown = http_get(kek.http_url(), "/api/nothing-here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.header("content-type").rfind("application/json", 0), 0u);
  EXPECT_NE(unknown.body.find("\"error\""), std::string::npos);

  auto wrong_method = http_request("DELETE", kek.http_url(), "/api/health");
  EXPECT_EQ(wrong_method.status, 405);

  auto big = http_request("POST", kek.http_url(), "/api/example/hello", {}, std::string(8192, 'x'));
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_NE(big.body.find("\"error\""), std::string::npos) << big.body;
  auto huge_claim = http_request("POST", kek.http_url(), "/api/example/hello", {{"Content-Length", "99999999999"}});
  EXPECT_EQ(huge_claim.status, 413);
  EXPECT_TRUE(kek.running());
}

TEST(Serve, WebUiPageWhenNotBuilt) {
  std::string empty = make_temp_dir();
  KekProcess kek({.extra_yaml = "webui_dir: " + empty + "\n"});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto page = http_get(kek.http_url(), "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type").rfind("text/html", 0), 0u);
  EXPECT_NE(page.body.find("not built"), std::string::npos) << page.body;
  remove_tree(empty);
}

TEST(Serve, SighupReloadsOnlyChangedPipelines) {
  std::string templates = make_temp_dir();
  write_file(templates + "/steady.yaml", "name: steady\nlaunch: videotestsrc is-live=true name=src${run} ! fakesink\n");
  write_file(templates + "/changing.yaml", "name: changing\nlaunch: audiotestsrc is-live=true ! fakesink\n");
  KekProcess kek({.extra_yaml = "template_dirs: [" + templates + "]\npipelines:\n  - {id: steady, template: steady}\n"
                                "  - {id: changing, template: changing}\n"});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto running = [&](const std::string& id) {
    return http_get(kek.http_url(), "/api/pipelines/" + id).body.find("\"running\"") != std::string::npos;
  };
  ASSERT_TRUE(wait_for([&] { return running("steady") && running("changing"); }, 10000)) << kek.output();
  g_usleep(1200 * 1000);  // let uptime pass one second so a restart would show
  write_file(templates + "/changing.yaml",
             "name: changing\nlaunch: audiotestsrc is-live=true wave=square ! fakesink\n");
  kek.signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] {
    return http_get(kek.http_url(), "/api/pipelines/changing").body.find("wave=square") != std::string::npos;
  }, 10000)) << kek.output();
  ASSERT_TRUE(wait_for([&] { return running("changing"); }, 10000));
  auto steady = http_get(kek.http_url(), "/api/pipelines/steady").body;
  EXPECT_NE(steady.find("\"state\":\"running\""), std::string::npos) << steady;
  EXPECT_EQ(steady.find("\"uptime_s\":0"), std::string::npos) << "the unchanged pipeline kept running: " << steady;
  EXPECT_EQ(kek.stop(), 0);
  remove_tree(templates);
}
