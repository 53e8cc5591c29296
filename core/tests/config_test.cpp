#include "config/config.h"

#include <gtest/gtest.h>

using namespace kek::core;

namespace {

std::string parse_error(const std::string& yaml) {
  auto c = parse_config(yaml, "kek.yaml");
  EXPECT_FALSE(c.ok()) << "expected an error for:\n" << yaml;
  return c.ok() ? "" : c.error().message;
}

}  // namespace

TEST(Config, EmbeddedDefaultParsesWithDocumentedValues) {
  auto c = parse_config(embedded_config(), "<embedded>");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->data_dir, "var");
  EXPECT_EQ(c->database, "var/kek.db");
  EXPECT_EQ(c->http_address, "127.0.0.1");
  EXPECT_EQ(c->http_port, 8080);
  EXPECT_TRUE(c->http_sendfile);
  ASSERT_FALSE(c->pipelines.empty());
  EXPECT_EQ(c->pipelines[0].template_name, "demo");
  bool has_rtmp = false;
  for (const auto& p : c->plugins) has_rtmp = has_rtmp || (p.name == "rtmp" && p.args_json.find("1935") != std::string::npos);
  EXPECT_TRUE(has_rtmp);
}

TEST(Config, EmptyFileIsAllDefaults) {
  auto c = parse_config("", "empty.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->http_port, 8080);
}

TEST(Config, ReadsEveryKey) {
  auto c = parse_config(R"(
data_dir: /srv/kek
database: /srv/kek/x.db
media_dir: /srv/kek/media
webui_dir: /opt/webui
http: {address: 0.0.0.0, port: 9000, max_body_bytes: 2048, sendfile: false}
plugin_dirs: [/a, /b]
template_dirs: [/t]
shutdown_timeout_s: 3
plugins:
  - hls
  - name: rtmp
    optional: true
    args: {port: 1936, address: "127.0.0.1", take_over: true, keys: [a, b]}
pipelines:
  - id: cam
    template: live
    vars: {key: abc, bitrate: 3000}
    restart_on_eos: true
)", "kek.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->data_dir, "/srv/kek");
  EXPECT_EQ(c->http_port, 9000);
  EXPECT_EQ(c->max_body_bytes, 2048);
  EXPECT_FALSE(c->http_sendfile);
  EXPECT_EQ(c->plugin_dirs, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(c->shutdown_timeout_s, 3);
  ASSERT_EQ(c->plugins.size(), 2u);
  EXPECT_EQ(c->plugins[0].name, "hls");
  EXPECT_TRUE(c->plugins[1].optional);
  EXPECT_NE(c->plugins[1].args_json.find("\"port\":1936"), std::string::npos) << c->plugins[1].args_json;
  EXPECT_NE(c->plugins[1].args_json.find("\"take_over\":true"), std::string::npos);
  EXPECT_EQ(c->plugins[1].arg_marks.at("port").line, 14);
  EXPECT_EQ(c->plugins[1].arg_marks.at("port").column, 12);
  ASSERT_EQ(c->pipelines.size(), 1u);
  EXPECT_EQ(c->pipelines[0].vars.at("bitrate"), "3000");
  EXPECT_TRUE(c->pipelines[0].options.restart_on_eos);
}

TEST(Config, InvalidYamlNamesFileLineAndColumn) {
  auto msg = parse_error("http:\n  port: [1, 2\n");
  EXPECT_TRUE(msg.starts_with("kek.yaml:")) << msg;
  EXPECT_NE(msg.find("invalid YAML"), std::string::npos) << msg;
}

TEST(Config, UnknownKeyNamesItsPathAndPosition) {
  auto msg = parse_error("http:\n  port: 80\n  prot: 81\n");
  EXPECT_EQ(msg.rfind("kek.yaml:3:3: http.prot: unknown key", 0), 0u) << msg;
}

TEST(Config, WrongTypeNamesKeyAndValue) {
  auto msg = parse_error("http:\n  port: eighty\n");
  EXPECT_EQ(msg.rfind("kek.yaml:2:9: http.port: must be an integer", 0), 0u) << msg;
  EXPECT_NE(msg.find("eighty"), std::string::npos);
}

TEST(Config, OutOfRangePort) {
  auto msg = parse_error("http: {port: 70000}\n");
  EXPECT_NE(msg.find("http.port: must be between 0 and 65535"), std::string::npos) << msg;
}

TEST(Config, QuotedNumberIsNotAnInteger) {
  auto msg = parse_error("shutdown_timeout_s: \"5\"\n");
  EXPECT_NE(msg.find("shutdown_timeout_s: must be an integer"), std::string::npos) << msg;
}

TEST(Config, PluginErrors) {
  EXPECT_NE(parse_error("plugins:\n  - args: {}\n").find("plugins[0].name: every plugin needs a name"), std::string::npos);
  EXPECT_NE(parse_error("plugins: [a, a]\n").find("listed twice"), std::string::npos);
  EXPECT_NE(parse_error("plugins:\n  - name: a\n    arg: {}\n").find("kek.yaml:3:5: plugins[0].arg: unknown key"),
            std::string::npos);
  EXPECT_NE(parse_error("plugins:\n  - name: a\n    optional: maybe\n").find("plugins[0].optional: must be true or false"),
            std::string::npos);
  EXPECT_NE(parse_error("plugins: {a: 1}\n").find("plugins: must be a list"), std::string::npos);
}

TEST(Config, PipelineErrors) {
  EXPECT_NE(parse_error("pipelines:\n  - id: x\n").find("pipelines[0].template: every pipeline needs a template"),
            std::string::npos);
  EXPECT_NE(parse_error("pipelines:\n  - {template: a}\n  - {template: a}\n").find("used twice"), std::string::npos);
  EXPECT_NE(parse_error("pipelines:\n  - template: a\n    vars: {x: [1]}\n").find("pipelines[0].vars.x"),
            std::string::npos);
}

TEST(Config, EnvironmentOverridesSingleKeys) {
  auto c = parse_config("http: {port: 80}\n", "kek.yaml");
  ASSERT_TRUE(c.ok());
  auto s = apply_environment(*c, {"KEK_HTTP__PORT=0", "KEK_DATA_DIR=/tmp/k", "KEK_ADMIN_PASSWORD=x", "PATH=/bin"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(c->http_port, 0);
  EXPECT_EQ(c->data_dir, "/tmp/k");
}

TEST(Config, EnvironmentWithWrongTypeIsAnError) {
  auto c = parse_config("", "kek.yaml");
  ASSERT_TRUE(c.ok());
  auto s = apply_environment(*c, {"KEK_HTTP__PORT=http"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("KEK_HTTP__PORT"), std::string::npos);
  EXPECT_EQ(s.error().code, 400);
}

TEST(Config, MissingFileIsAClearError) {
  auto c = load_config_file("/nonexistent/kek.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("/nonexistent/kek.yaml: cannot read"), std::string::npos);
}
