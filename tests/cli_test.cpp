// The kek command line as a user runs it: config check, pipelines list/show, launch, serve refusal.
#include "support/kek_process.h"

#include <gtest/gtest.h>

using namespace kek::test;

namespace {

struct TempFolder {
  std::string path = make_temp_dir();
  ~TempFolder() { remove_tree(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path + "/" + name;
    g_file_set_contents(p.c_str(), text.c_str(), -1, nullptr);
    return p;
  }
};

}  // namespace

TEST(Cli, ConfigCheckAcceptsTheDefaultAndAGoodFile) {
  TempFolder dir;
  auto [rc, out] = run_command({KEK_EXE, "config", "check"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("<embedded config/kek.yaml>: ok"), std::string::npos) << out;
  auto good = dir.write("good.yaml", "http: {port: 9999}\npipelines:\n  - {id: demo, template: demo}\n");
  auto [rc2, out2] = run_command({KEK_EXE, "config", "check", good});
  EXPECT_EQ(rc2, 0) << out2;
}

TEST(Cli, ConfigErrorsExitTwoWithFileLineColumnAndKey) {
  TempFolder dir;
  struct Case {
    std::string yaml, expected;
  };
  const Case cases[] = {
      {"http:\n  port: [1,\n", ":3:1: invalid YAML"},
      {"http:\n  port: 80\n  adress: x\n", ":3:3: http.adress: unknown key"},
      {"http:\n  port: high\n", ":2:9: http.port: must be an integer"},
      {"pipelines:\n  - {id: x, template: nosuch}\n", ":2:23: pipelines[0].template: no pipeline template named 'nosuch'"},
  };
  for (const auto& c : cases) {
    auto file = dir.write("bad.yaml", c.yaml);
    auto [rc, out] = run_command({KEK_EXE, "config", "check", file});
    EXPECT_EQ(rc, 2) << c.yaml << out;
    EXPECT_NE(out.find(file + c.expected), std::string::npos) << "expected '" << file + c.expected << "' in: " << out;
    // serve refuses the same file the same way, before starting anything.
    auto [src, sout] = run_command({KEK_EXE, "serve", "--config", file});
    EXPECT_EQ(src, 2) << sout;
    EXPECT_EQ(sout.find("KEK_READY"), std::string::npos) << sout;
  }
}

TEST(Cli, EnvironmentOverrideWithWrongTypeIsAConfigError) {
  auto [rc, out] = run_command({KEK_EXE, "config", "check"}, 30000, {"KEK_HTTP__PORT=eighty"});
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("KEK_HTTP__PORT=eighty"), std::string::npos) << out;
}

TEST(Cli, PipelinesListAndShowPrintTheExactLine) {
  auto [rc, out] = run_command({KEK_EXE, "pipelines", "list"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("demo\t"), std::string::npos) << out;
  auto [rc2, line] = run_command({KEK_EXE, "pipelines", "show", "demo", "--set", "width=320", "--set", "height=180"});
  EXPECT_EQ(rc2, 0) << line;
  EXPECT_NE(line.find("video/x-raw,width=320,height=180"), std::string::npos) << line;
  EXPECT_NE(line.find("hlssink2 name=hls"), std::string::npos) << line;
  EXPECT_EQ(line.find("${"), std::string::npos) << "every variable is filled in: " << line;
  auto [rc3, err] = run_command({KEK_EXE, "pipelines", "show", "nosuch"});
  EXPECT_EQ(rc3, 2) << err;
}

TEST(Cli, AShownLineRunsInGstLaunch) {
  TempFolder dir, conf;
  dir.write("short.yaml", "name: short\nlaunch: videotestsrc num-buffers=${n} ! videoconvert ! fakesink\ndefaults: {n: 5}\n");
  auto cfg = conf.write("kek.yaml", "template_dirs: [" + dir.path + "]\nplugins: []\npipelines: []\n");
  auto [rc, line] = run_command({KEK_EXE, "pipelines", "show", "short", "--config", cfg});
  ASSERT_EQ(rc, 0) << line;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  EXPECT_EQ(line, "videotestsrc num-buffers=5 ! videoconvert ! fakesink");
  std::vector<std::string> argv = {"gst-launch-1.0", "-q"};
  gchar** words = nullptr;
  ASSERT_TRUE(g_shell_parse_argv(line.c_str(), nullptr, &words, nullptr));
  for (gchar** w = words; *w; ++w) argv.emplace_back(*w);
  g_strfreev(words);
  auto [grc, gout] = run_command(argv);
  EXPECT_EQ(grc, 0) << gout;
}

TEST(Cli, LaunchRunsALineWithKekPluginsLoaded) {
  auto [rc, out] = run_command({KEK_EXE, "launch", "videotestsrc num-buffers=10 ! fakesink"});
  EXPECT_EQ(rc, 0) << out;
  auto [rc2, out2] = run_command({KEK_EXE, "launch", "videotestsrc ! nosuchelement ! fakesink"});
  EXPECT_EQ(rc2, 1) << out2;
  EXPECT_NE(out2.find("nosuchelement"), std::string::npos) << out2;
}

TEST(Cli, KekPluginsAreRealGStreamerPlugins) {
  auto [rc, out] = run_command({"gst-inspect-1.0", "kekexample"}, 60000,
                               {std::string("GST_PLUGIN_PATH=") + KEK_PLUGIN_BUILD_DIR});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("KEK SDK example plugin"), std::string::npos) << out;
}

TEST(Cli, UnknownCommandExitsTwoWithUsage) {
  auto [rc, out] = run_command({KEK_EXE, "frobnicate"});
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("usage: kek"), std::string::npos) << out;
}
