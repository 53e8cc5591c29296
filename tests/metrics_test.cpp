// /metrics as Prometheus scrapes it: refused without an admin session or the bearer token, the
// listed families present with a live stream, a viewer and the demo pipeline, and accepted by
// `promtool check metrics` (Debian's prometheus package). The admin plots' history endpoint. With
// `http: {sendfile: false}` every /media/ answer is libsoup's.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;

namespace {

const char* kToken = "scrape-token-0123456789abcdef";

KekOptions with_metrics() {
  KekOptions o;
  o.extra_yaml = std::string("metrics: {token: ") + kToken + ", history_interval_s: 1}\n"
                 "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n"
                 "pipelines:\n  - {id: demo, template: demo, vars: {width: \"320\", height: \"180\"}}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  return o;
}

HttpResult scrape(const KekProcess& kek, const std::string& token = kToken) {
  return http_get(kek.http_url(), "/metrics", {{"Authorization", "Bearer " + token}});
}

// The value of the first sample whose line starts with `prefix` ("kek_live_streams{state=\"live\"}").
double sample(const std::string& text, const std::string& prefix) {
  size_t at = text.find("\n" + prefix + " ");
  if (at == std::string::npos) return -1;
  return std::strtod(text.c_str() + at + prefix.size() + 2, nullptr);
}

}  // namespace

TEST(Metrics, PrometheusScrapesTheListedFamiliesAndPromtoolAcceptsThem) {
  auto [which, where] = run_command({"sh", "-c", "command -v promtool"});
  if (which != 0) {
    // meson counts exit 77 as skipped (a GTEST_SKIP would count as passed).
    std::printf("SKIP: promtool is missing (Debian's prometheus package; scripts/dev.sh test installs it)\n");
    std::exit(77);
  }
  KekProcess kek(with_metrics());
  ASSERT_TRUE(kek.ready()) << kek.output();
  EXPECT_EQ(http_get(kek.http_url(), "/metrics").status, 401);
  EXPECT_EQ(scrape(kek, "wrong-token-0123456789abcdef").status, 401);
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  EXPECT_EQ(anna.get("/metrics").status, 403) << "a signed-in user who is not an admin";
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  EXPECT_EQ(admin.get("/metrics").status, 200);

  auto created = anna.post("/api/me/stream-keys", R"({"name":"OBS"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string stream = *json_field(created.body, "stream");
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/" + *json_field(created.body, "key"), 8, true, true, 25);
  ASSERT_TRUE(wait_for([&] { return anna.get("/media/live/" + stream + "/index.m3u8").status == 200; }, 20000))
      << kek.output();
  // A viewer: a segment fetched.
  std::string playlist;
  ASSERT_TRUE(wait_for([&] {
    playlist = anna.get("/media/live/" + stream + "/source/index.m3u8").body;
    return playlist.find(".ts") != std::string::npos;
  }, 20000)) << playlist;
  const size_t ts = playlist.find(".ts");
  const std::string segment = playlist.substr(playlist.rfind('\n', ts) + 1, ts + 3 - playlist.rfind('\n', ts) - 1);
  EXPECT_EQ(anna.get("/media/live/" + stream + "/source/" + segment).status, 200);
  ASSERT_TRUE(wait_for([&] {
    return sample(scrape(kek).body, "kek_stream_ingest_bytes_per_second{app=\"live\",stream=\"" + stream + "\"}") > 0;
  }, 10000)) << scrape(kek).body;

  auto page = scrape(kek);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type").rfind("text/plain; version=0.0.4", 0), 0u) << page.header("content-type");
  const std::string& m = page.body;
  EXPECT_EQ(sample(m, "kek_live_streams{state=\"live\"}"), 1) << m;
  EXPECT_EQ(sample(m, "kek_stream_viewers{app=\"live\",stream=\"" + stream + "\"}"), 1) << m;
  EXPECT_GT(sample(m, "kek_stream_ingest_bytes_total{app=\"live\",stream=\"" + stream + "\"}"), 10000) << m;
  EXPECT_EQ(sample(m, "kek_pipeline_state{pipeline=\"demo\",template=\"demo\",state=\"running\"}"), 1) << m;
  EXPECT_GT(sample(m, "kek_segments_written_total"), 0) << m;
  EXPECT_GE(sample(m, "kek_pipeline_restarts_total{pipeline=\"demo\"}"), 0) << m;
  EXPECT_GT(sample(m, "kek_http_requests_total{area=\"media\",route=\"/media/{file}\",status=\"200\"}"), 0) << m;
  EXPECT_GT(sample(m, "kek_http_request_duration_seconds_count{area=\"api\",route=\"/metrics\"}"), 0) << m;
  EXPECT_GT(sample(m, "kek_http_response_bytes_total{area=\"media\"}"), 0) << m;
  // The viewer's requests (a session cookie, no query) are the /media/ fast path's.
  EXPECT_GT(sample(m, "kek_http_media_answers_total{via=\"fast_path\"}") +
                sample(m, "kek_http_media_answers_total{via=\"fast_path_read\"}"), 0) << m;
  EXPECT_GE(sample(m, "kek_http_media_answers_total{via=\"libsoup\"}"), 0) << m;
  EXPECT_GT(sample(m, "kek_db_statement_duration_seconds_count"), 0) << m;
  EXPECT_GT(sample(m, "process_resident_memory_bytes"), 1e6) << m;
  EXPECT_GT(sample(m, "process_threads"), 1) << m;
  EXPECT_GE(sample(m, "process_cpu_seconds_total"), 0) << m;
  EXPECT_EQ(m.find(*json_field(created.body, "key")), std::string::npos) << "no stream key in metrics";

  const std::string file = kek.data_dir() + "/metrics.txt";
  ASSERT_TRUE(g_file_set_contents(file.c_str(), m.c_str(), static_cast<gssize>(m.size()), nullptr));
  auto [rc, out] = run_command({"sh", "-c", "promtool check metrics < '" + file + "'"});
  EXPECT_EQ(rc, 0) << out << "\n" << m;

  // The admin page's plots: an hour of samples, this stream's bitrate and viewers among them.
  EXPECT_EQ(anna.get("/api/admin/metrics/history").status, 403);
  ASSERT_TRUE(wait_for([&] {
    auto h = admin.get("/api/admin/metrics/history");
    return h.status == 200 && h.body.find("\"stream\":\"" + stream + "\"") != std::string::npos &&
           h.body.find("kek_stream_viewers") != std::string::npos;
  }, 10000)) << admin.get("/api/admin/metrics/history").body;
  auto history = admin.get("/api/admin/metrics/history");
  EXPECT_EQ(json_field(history.body, "interval_s").value_or(""), "1");
  EXPECT_NE(history.body.find("process_resident_memory_bytes"), std::string::npos);
  EXPECT_NE(history.body.find("process_cpu_seconds_total"), std::string::npos);
  pub->wait(30000);
}

// `http: {sendfile: false}` in kek.yaml turns the /media/ fast path off: the same files are
// answered, every one of them by libsoup (the test above sees the fast path answer them by default).
TEST(Metrics, SendfileOffInTheConfigLeavesMediaToLibsoup) {
  KekOptions o = with_metrics();
  o.extra_yaml += "http: {address: 127.0.0.1, port: 0, sendfile: false}\n";
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();
  HttpResult playlist;
  ASSERT_TRUE(wait_for([&] {
    playlist = http_get(kek.http_url(), "/media/live/demo/index.m3u8");
    return playlist.status == 200;
  }, 20000)) << kek.output();
  EXPECT_NE(playlist.body.find("#EXTM3U"), std::string::npos) << playlist.body;
  EXPECT_EQ(http_get(kek.http_url(), "/media/live/demo/index.m3u8", {{"Range", "bytes=0-6"}}).body, "#EXTM3U");
  const std::string m = scrape(kek).body;
  EXPECT_GE(sample(m, "kek_http_media_answers_total{via=\"libsoup\"}"), 2) << m;
  EXPECT_LE(sample(m, "kek_http_media_answers_total{via=\"fast_path\"}") +
                sample(m, "kek_http_media_answers_total{via=\"fast_path_read\"}"), 0) << m;
}
