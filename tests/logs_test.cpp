// The log as an operator and a log shipper read it: one line per event, whatever a client sent
// (an RTMP app or flashVer with a newline or a terminal escape, a path with %0A), request lines
// with method, route, status, bytes and duration, and no stream key or media token anywhere.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <json-glib/json-glib.h>

#include <gtest/gtest.h>

#include <sstream>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::unique_ptr<BackgroundProcess> publish_as(const std::string& rtmp_base, const std::string& app,
                                              const std::string& flashver, const std::string& key, int seconds) {
  return std::make_unique<BackgroundProcess>(std::vector<std::string>{
      "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
      "-t", std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "flv",
      "-rtmp_app", app, "-rtmp_flashver", flashver, "-rtmp_playpath", key, rtmp_base + "/" + key});
}

// The RTMP endpoint without its app: "rtmp://127.0.0.1:PORT".
std::string rtmp_server(const KekProcess& kek) {
  std::string url = kek.endpoint("rtmp");
  return url.substr(0, url.rfind('/'));
}

}  // namespace

TEST(Logs, ClientTextCannotForgeALine) {
  TemplateDir templates;
  KekOptions o;
  o.extra_yaml = live_app_config(templates, "live");
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();
  const std::string forged_app = "live\n2026-01-01T00:00:00.000Z warning kek: FORGED-BY-APP";
  const std::string forged_client = "FMLE/3.0\x1b[31m\nFORGED-BY-FLASHVER";
  auto refused = publish_as(rtmp_server(kek), forged_app, "FMLE/3.0", "cam-key-001", 2);
  EXPECT_NE(refused->wait(20000), 0) << "an unknown app is refused";
  auto accepted = publish_as(rtmp_server(kek), "live", forged_client, "cam-key-001", 2);
  EXPECT_EQ(accepted->wait(30000), 0) << accepted->output();
  EXPECT_EQ(http_get(kek.http_url(), "/no-such%0AFORGED-BY-PATH%1B[2J").status / 100, 2);  // the SPA answers
  ASSERT_TRUE(wait_for([&] { return kek.output().find("FORGED-BY-PATH") != std::string::npos; }, 5000))
      << kek.output();
  kek.stop();

  const std::string out = kek.output();
  int seen = 0;
  for (const auto& line : lines_of(out)) {
    for (const char* mark : {"FORGED-BY-APP", "FORGED-BY-FLASHVER", "FORGED-BY-PATH"}) {
      size_t at = line.find(mark);
      if (at == std::string::npos) continue;
      ++seen;
      EXPECT_GT(at, 0u) << "a client's text started a line of its own:\n" << line;
      EXPECT_NE(line.find("\\n"), std::string::npos) << line;
    }
  }
  EXPECT_GE(seen, 3) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << "a terminal escape reached the log";
  EXPECT_NE(out.find("unknown app 'live\\n2026-01-01T00:00:00.000Z warning kek: FORGED-BY-APP'"), std::string::npos)
      << out;
}

TEST(Logs, JsonRequestLinesCarryNoKeyOrToken) {
  KekOptions o;
  o.extra_yaml = "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  o.args = {"--log-format", "json"};
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);
  auto created = anna.post("/api/me/stream-keys", R"({"name":"family","visibility":"private"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = *json_field(created.body, "key");
  const std::string stream = *json_field(created.body, "stream");
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/" + key, 6, true, false, 25);
  ASSERT_TRUE(wait_for([&] { return anna.get("/media/live/" + stream + "/index.m3u8").status == 200; }, 20000))
      << kek.output();
  auto signed_url = anna.post("/api/media/sign", R"({"prefix":"live/)" + stream + R"(/","ttl_s":60})");
  ASSERT_EQ(signed_url.status, 200) << signed_url.body;
  const std::string prefix = *json_field(signed_url.body, "url_prefix");  // /media/~t/TOKEN/live/STREAM/
  const size_t t0 = prefix.find("/~t/") + 4;
  const std::string token = prefix.substr(t0, prefix.find('/', t0) - t0);
  ASSERT_GT(token.size(), 16u);
  EXPECT_EQ(http_get(kek.http_url(), prefix + "index.m3u8").status, 200);
  EXPECT_EQ(http_get(kek.http_url(), "/media/live/" + stream + "/index.m3u8?token=" + token).status / 100, 2);
  EXPECT_EQ(http_get(kek.http_url(), "/api/pipelines/no-such-pipeline?secret=" + token).status, 401);
  pub->wait(30000);
  kek.stop();

  const std::string out = kek.output();
  EXPECT_EQ(out.find(key), std::string::npos) << "the stream key is in the log:\n" << out;
  EXPECT_EQ(out.find(token), std::string::npos) << "a media token is in the log:\n" << out;

  int requests = 0;
  bool saw_route = false, saw_token_path = false;
  for (const auto& line : lines_of(out)) {
    EXPECT_FALSE(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT", line.c_str(), G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT))
        << "a text log line in JSON mode: " << line;
    if (line.empty() || line[0] != '{') continue;
    g_autoptr(JsonParser) parser = json_parser_new();
    ASSERT_TRUE(json_parser_load_from_data(parser, line.c_str(), -1, nullptr)) << line;
    JsonObject* event = json_node_get_object(json_parser_get_root(parser));
    ASSERT_TRUE(json_object_has_member(event, "ts") && json_object_has_member(event, "level")) << line;
    if (!json_object_has_member(event, "event")) continue;
    EXPECT_STREQ(json_object_get_string_member(event, "event"), "request");
    ++requests;
    for (const char* member : {"method", "area", "route", "status", "bytes", "duration_ms", "remote"})
      EXPECT_TRUE(json_object_has_member(event, member)) << member << " missing: " << line;
    const std::string route = json_object_get_string_member(event, "route");
    const std::string path = json_object_get_string_member(event, "path");
    if (route == "/api/pipelines/{id}") {
      saw_route = true;
      EXPECT_EQ(json_object_get_int_member(event, "status"), 401);
      EXPECT_GT(json_object_get_int_member(event, "bytes"), 0);
      EXPECT_EQ(path, "/api/pipelines/{id}") << "API requests are named by their pattern";
    }
    if (path.starts_with("/media/~t/")) {
      saw_token_path = true;
      EXPECT_EQ(path, "/media/~t/{token}/live/" + stream + "/index.m3u8");
      EXPECT_STREQ(json_object_get_string_member(event, "area"), "media");
    }
  }
  EXPECT_GE(requests, 6);
  EXPECT_TRUE(saw_route) << out;
  EXPECT_TRUE(saw_token_path) << out;
}
