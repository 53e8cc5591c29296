#include "host/app.h"
#include "host/plugin_loader.h"
#include "main_loop.h"
#include "temp_dir.h"

#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <future>

using namespace kek;
using namespace kek::core;

namespace {

Config config_for(const test::TempDir& dir, const std::string& plugins_yaml) {
  auto c = parse_config("plugins:\n" + plugins_yaml, "test.yaml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  c->data_dir = dir.path();
  c->database = dir / "kek.db";
  c->media_dir = dir / "media";
  c->http_port = 0;
  c->plugin_dirs = {KEK_PLUGIN_BUILD_DIR, KEK_TEST_PLUGIN_DIR};
  c->template_dirs = {std::string(KEK_SOURCE_DIR) + "/pipelines"};
  c->webui_dir = dir / "no-webui";
  return *c;
}

const RefusedPlugin* refused(const App& app, const std::string& name) {
  for (const auto& r : app.refused_plugins())
    if (r.name == name) return &r;
  return nullptr;
}

// GET from a worker thread while this thread runs the main loop the server lives on.
std::pair<int, std::string> http_get(const std::string& url) {
  auto result = std::async(std::launch::async, [url] {
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);
    g_autoptr(SoupSession) session = soup_session_new();
    g_autoptr(SoupMessage) msg = soup_message_new("GET", url.c_str());
    g_autoptr(GBytes) body = soup_session_send_and_read(session, msg, nullptr, nullptr);
    std::string text = body ? std::string(static_cast<const char*>(g_bytes_get_data(body, nullptr)), g_bytes_get_size(body)) : "";
    int status = static_cast<int>(soup_message_get_status(msg));
    g_main_context_pop_thread_default(ctx);
    return std::make_pair(status, text);
  });
  test::run_until([&] { return result.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }, 10000);
  return result.get();
}

}  // namespace

TEST(PluginHost, LoadsGoodPluginAndRefusesBadOnesWithPathAndReason) {
  test::TempDir dir;
  App app(config_for(dir, R"(
  - name: example
    args: {greeting: privet}
  - badabi
  - noentry
  - failinginit
  - name: notinstalled
    optional: true
  - name: missing
)"));
  ASSERT_TRUE(app.load().ok());
  ASSERT_EQ(app.plugins().size(), 1u);

  auto* abi = refused(app, "badabi");
  ASSERT_NE(abi, nullptr);
  EXPECT_NE(abi->reason.find("libkekbadabi.so"), std::string::npos) << abi->reason;
  EXPECT_NE(abi->reason.find("ABI 99.0"), std::string::npos) << abi->reason;

  auto* noentry = refused(app, "noentry");
  ASSERT_NE(noentry, nullptr);
  EXPECT_NE(noentry->reason.find("no kek_plugin_entry symbol"), std::string::npos) << noentry->reason;

  auto* failing = refused(app, "failinginit");
  ASSERT_NE(failing, nullptr);
  EXPECT_NE(failing->reason.find("the database it needs is not configured"), std::string::npos) << failing->reason;
  EXPECT_FALSE(app.pipelines().find_template("failing-template")) << "a failed init leaves nothing behind";

  EXPECT_EQ(refused(app, "notinstalled"), nullptr) << "optional and absent is not a refusal";
  auto* missing = refused(app, "missing");
  ASSERT_NE(missing, nullptr);
  EXPECT_NE(missing->reason.find("not found"), std::string::npos);

  auto tmpl = app.pipelines().find_template("example-tone");
  ASSERT_TRUE(tmpl);
  EXPECT_EQ(tmpl->origin, "plugin:example");
  // The GStreamer face is registered too.
  g_autoptr(GstPlugin) gst_plugin = gst_registry_find_plugin(gst_registry_get(), "kekexample");
  EXPECT_NE(gst_plugin, nullptr);
}

TEST(PluginHost, PluginArgsAreValidatedWithFileAndLine) {
  test::TempDir dir;
  App app(config_for(dir, "  - name: example\n    args: {greeting: 5, colour: red}\n"));
  ASSERT_TRUE(app.load().ok());
  auto* r = refused(app, "example");
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->reason.find("test.yaml:3:12: plugins[0].args.greeting: must be a string"), std::string::npos) << r->reason;
}

TEST(PluginHost, UnknownPluginArgIsRefused) {
  test::TempDir dir;
  App app(config_for(dir, "  - name: example\n    args: {colour: red}\n"));
  ASSERT_TRUE(app.load().ok());
  auto* r = refused(app, "example");
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->reason.find("plugins[0].args.colour: unknown key"), std::string::npos) << r->reason;
}

// The built plugins read their args through the SDK (Args::read, no_unknown_keys): a value out
// of range, or a key a plugin does not take, refuses that plugin with the place in the file,
// also for those that take no args at all (hls, dash, channels), so a typo is never ignored.
TEST(PluginHost, TheBuiltPluginsRefuseArgsTheyDoNotTake) {
  struct Case {
    std::string plugin, args, reason;
  };
  const std::vector<Case> cases = {
      {"hls", "{segment_s: 2}", "args.segment_s: unknown key"},
      {"dash", "{part_s: 1}", "args.part_s: unknown key"},
      {"channels", "{banners: 1}", "args.banners: unknown key"},
      {"chat", "{history: 20000}", "args.history: must be between 0 and 10000"},
      {"chat", "{rate_messages: 5, colour: red}", "args.colour: unknown key"},
      {"rtmp", "{port: 70000}", "args.port: must be between 0 and 65535"},
      {"rtmp", "{reconnect_grace_s: -1}", "args.reconnect_grace_s: must be between 0 and 600"},
      {"rtmp", "{take_over: yes please}", "args.take_over: must be true or false"},
  };
  for (const auto& c : cases) {
    if (!find_plugin_file({KEK_PLUGIN_BUILD_DIR}, c.plugin)) continue;  // not built in this configuration
    test::TempDir dir;
    App app(config_for(dir, "  - name: " + c.plugin + "\n    args: " + c.args + "\n"));
    ASSERT_TRUE(app.load().ok());
    auto* r = refused(app, c.plugin);
    ASSERT_NE(r, nullptr) << c.plugin << " took " << c.args;
    EXPECT_NE(r->reason.find("test.yaml:3:"), std::string::npos) << r->reason;
    EXPECT_NE(r->reason.find("plugins[0]." + c.reason), std::string::npos) << r->reason;
  }
}

TEST(PluginHost, PluginRoutesAndMigrationsWork) {
  test::TempDir dir;
  App app(config_for(dir, "  - name: example\n    args: {greeting: privet}\n"));
  ASSERT_TRUE(app.load().ok());
  ASSERT_TRUE(app.open_database().ok());
  auto applied = app.db().applied_migrations();
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->size(), 2u);
  ASSERT_TRUE(app.serve().ok());
  auto [status, body] = http_get(app.http().url() + "api/example/hello");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, R"({"greeting":"privet","visits":1})");
  auto [hstatus, health] = http_get(app.http().url() + "api/health");
  EXPECT_EQ(hstatus, 200);
  EXPECT_NE(health.find(R"("name":"example")"), std::string::npos) << health;
  app.shutdown();
}

TEST(PluginHost, ConfigNamingAMissingTemplateIsAConfigError) {
  test::TempDir dir;
  auto c = config_for(dir, "  []\n");
  auto p = parse_config("pipelines:\n  - id: x\n    template: nosuch\n", "test.yaml");
  ASSERT_TRUE(p.ok());
  c.pipelines = p->pipelines;
  App app(c);
  auto s = app.load();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, 400);
  EXPECT_NE(s.error().message.find("test.yaml:3:15: pipelines[0].template: no pipeline template named 'nosuch'"),
            std::string::npos) << s.error().message;
}
