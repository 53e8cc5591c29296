#include "events/event_bus.h"
#include "main_loop.h"
#include "pipeline/pipeline_manager.h"
#include "temp_dir.h"

#include <gtest/gtest.h>

using namespace kek;
using namespace kek::core;
using kek::test::run_until;

namespace {

class PipelineManagerTest : public ::testing::Test {
 protected:
  PipelineManagerTest() : events_(nullptr) {
    PipelineManagerConfig c;
    c.builtins = {{"media_dir", dir_.path()}};
    c.events = &events_;
    c.initial_backoff_ms = 40;
    c.max_backoff_ms = 400;
    c.stop_timeout_ms = 2000;
    pm_ = std::make_unique<PipelineManager>(c);
    events_.subscribe(kEventPipelineStateChanged, [this](const Event& e) {
      transitions_.push_back({e.get("id"), e.get("state"), g_get_monotonic_time()});
    });
  }
  void add(const std::string& name, const std::string& launch) {
    ASSERT_TRUE(pm_->add_template({name, "", launch, {}, {}, "test"}).ok());
  }
  PipelineState state(const std::string& id) { return pm_->info(id)->state; }
  bool reaches(const std::string& id, PipelineState s, int ms = 5000) {
    return run_until([&] { return state(id) == s; }, ms);
  }

  struct Transition {
    std::string id, state;
    int64_t at_us;
  };
  test::TempDir dir_;
  MainEventBus events_;
  std::unique_ptr<PipelineManager> pm_;
  std::vector<Transition> transitions_;
};

}  // namespace

TEST_F(PipelineManagerTest, RunsReportsUptimeAndStopsCleanlyWithEos) {
  add("live", "videotestsrc is-live=true ! video/x-raw,width=64,height=48 ! fakesink");
  ASSERT_TRUE(pm_->start("a", "live", {}).ok());
  ASSERT_TRUE(reaches("a", PipelineState::running));
  EXPECT_EQ(pm_->info("a")->launch, "videotestsrc is-live=true ! video/x-raw,width=64,height=48 ! fakesink");
  auto dot = pm_->dot("a");
  ASSERT_TRUE(dot.ok());
  EXPECT_NE(dot->find("digraph"), std::string::npos);
  EXPECT_NE(dot->find("videotestsrc"), std::string::npos);
  ASSERT_TRUE(pm_->start("a", "live", {}).error().code == 409);  // already running
  ASSERT_TRUE(pm_->stop("a").ok());
  ASSERT_TRUE(reaches("a", PipelineState::stopped));
  EXPECT_TRUE(pm_->info("a")->last_error.empty()) << "a clean stop is not an error";
}

TEST_F(PipelineManagerTest, EosFinishesTheInstance) {
  add("short", "videotestsrc num-buffers=5 ! fakesink");
  ASSERT_TRUE(pm_->start("s", "short", {}).ok());
  ASSERT_TRUE(reaches("s", PipelineState::finished));
  EXPECT_EQ(pm_->info("s")->restarts, 0);
}

TEST_F(PipelineManagerTest, InfoCarriesThePositionOfARunningPipeline) {
  // 10 s of test pattern at 25 fps, as fast as the CPU allows: the position grows.
  add("fast", "videotestsrc num-buffers=250 ! video/x-raw,width=64,height=48,framerate=25/1 ! identity sleep-time=2000 ! fakesink");
  ASSERT_TRUE(pm_->start("f", "fast", {}).ok());
  ASSERT_TRUE(run_until([&] { return pm_->info("f")->position_ns > 0; }, 5000));
  auto info = *pm_->info("f");
  EXPECT_LE(info.position_ns, 10 * GST_SECOND);
  EXPECT_EQ(info.duration_ns, 10 * GST_SECOND);
  ASSERT_TRUE(reaches("f", PipelineState::finished, 10000));
  EXPECT_EQ(pm_->info("f")->position_ns, -1) << "an ended pipeline has no position";
}

TEST_F(PipelineManagerTest, RestartOnEosLoops) {
  add("short", "videotestsrc num-buffers=3 ! fakesink");
  PipelineOptions o;
  o.restart_on_eos = true;
  ASSERT_TRUE(pm_->start("loop", "short", {}, o).ok());
  ASSERT_TRUE(run_until([&] { return pm_->info("loop")->restarts >= 2; }, 5000));
  ASSERT_TRUE(pm_->stop("loop").ok());
  ASSERT_TRUE(reaches("loop", PipelineState::stopped));
}

TEST_F(PipelineManagerTest, FailingInstanceRestartsWithGrowingBackoffThenGivesUp) {
  add("broken", "filesrc location=${media_dir}/missing.ts ! fakesink");
  PipelineOptions o;
  o.max_restarts = 3;
  ASSERT_TRUE(pm_->start("b", "broken", {}, o).ok());
  ASSERT_TRUE(reaches("b", PipelineState::failed, 10000));
  events_.dispatch_pending();
  auto info = *pm_->info("b");
  EXPECT_EQ(info.restarts, 3);
  EXPECT_NE(info.last_error.find("filesrc"), std::string::npos) << info.last_error;
  EXPECT_NE(info.last_error.find("missing.ts"), std::string::npos) << info.last_error;
  // The waits between restarts grow: 40, 80, 160 ms (at least).
  std::vector<int64_t> restarting_at, starting_at;
  for (const auto& t : transitions_) {
    if (t.id != "b") continue;
    if (t.state == "restarting") restarting_at.push_back(t.at_us);
    if (t.state == "starting") starting_at.push_back(t.at_us);
  }
  ASSERT_EQ(restarting_at.size(), 3u);
  ASSERT_EQ(starting_at.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    int64_t waited_ms = (starting_at[i + 1] - restarting_at[i]) / 1000;
    EXPECT_GE(waited_ms, (40 << i) - 5) << "restart " << i;
  }
}

TEST_F(PipelineManagerTest, OneFailingInstanceDoesNotTouchAnother) {
  add("live", "videotestsrc is-live=true ! fakesink");
  add("broken", "filesrc location=/nonexistent/x ! fakesink");
  ASSERT_TRUE(pm_->start("good", "live", {}).ok());
  ASSERT_TRUE(reaches("good", PipelineState::running));
  PipelineOptions o;
  o.max_restarts = 2;
  ASSERT_TRUE(pm_->start("bad", "broken", {}, o).ok());
  ASSERT_TRUE(reaches("bad", PipelineState::failed, 10000));
  EXPECT_EQ(state("good"), PipelineState::running);
  pm_->stop_all(3000);
  EXPECT_EQ(state("good"), PipelineState::stopped);
}

TEST_F(PipelineManagerTest, InvalidLineFailsAtOnceWithoutRestarts) {
  add("typo", "videotestsrc ! nosuchelement ! fakesink");
  auto s = pm_->start("t", "typo", {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("nosuchelement"), std::string::npos) << s.error().message;
  EXPECT_EQ(state("t"), PipelineState::failed);
  EXPECT_EQ(pm_->info("t")->restarts, 0);
}

TEST_F(PipelineManagerTest, CreatesTemplateDirectoriesAndExpandsBuiltins) {
  PipelineTemplate t{"files", "", "videotestsrc num-buffers=3 ! jpegenc ! multifilesink location=${media_dir}/out/${id}/f%d.jpg",
                     {}, {"${media_dir}/out/${id}"}, "test"};
  ASSERT_TRUE(pm_->add_template(t).ok());
  ASSERT_TRUE(pm_->start("cam1", "files", {}).ok());
  ASSERT_TRUE(reaches("cam1", PipelineState::finished));
  EXPECT_TRUE(g_file_test((dir_ / "out/cam1/f0.jpg").c_str(), G_FILE_TEST_EXISTS));
}

TEST_F(PipelineManagerTest, UnknownTemplateAndUnknownInstance) {
  EXPECT_EQ(pm_->start("x", "nope", {}).error().code, 404);
  EXPECT_EQ(pm_->stop("nope").error().code, 404);
  EXPECT_FALSE(pm_->info("nope").has_value());
}

TEST_F(PipelineManagerTest, AnUnlinkableSometimesPadIsAFailureNotASilentStall) {
  // flvdemux's video pad appears at run time and cannot link to an audio-only element.
  auto [rc, out] = std::pair{0, std::string()};
  (void)rc;
  (void)out;
  const std::string flv = dir_ / "v.flv";
  add("make", "videotestsrc num-buffers=10 ! x264enc ! flvmux ! filesink location=" + flv);
  ASSERT_TRUE(pm_->start("make", "make", {}).ok());
  ASSERT_TRUE(reaches("make", PipelineState::finished, 10000));
  add("bad", "filesrc location=" + flv + " ! flvdemux name=d d.video ! audioconvert ! fakesink");
  PipelineOptions o;
  o.max_restarts = 0;
  ASSERT_TRUE(pm_->start("bad", "bad", {}, o).ok());
  ASSERT_TRUE(reaches("bad", PipelineState::failed, 10000));
  EXPECT_NE(pm_->info("bad")->last_error.find("Delayed linking failed"), std::string::npos) << pm_->info("bad")->last_error;
}

TEST_F(PipelineManagerTest, ALiveLayoutPublishesWhatItsOutputsSay) {
  // An output as a plugin registers it: its folder and URL come from the layout's output_dir.
  LiveOutput out;
  out.name = "tv";
  out.branch = [](const LiveLayoutContext& c) -> Result<LiveOutputBranch> {
    return LiveOutputBranch{" srca. ! fakesink name=tv", {c.output_dir + "/tv"}};
  };
  out.url_keys = {"tv", "tv_extra"};
  out.urls = [](const LiveOutputPlace& p) {
    return std::vector<LiveUrl>{{"tv", p.url + "tv/index.m3u8"}, {"unknown_key", "x"}};
  };
  ASSERT_TRUE(pm_->add_live_output(out, "plugin:tv").ok());
  EXPECT_EQ(pm_->add_live_output(out, "plugin:tv").error().code, 409);
  PipelineTemplate t;
  t.name = "live";
  t.layout = LiveLayout{"fakesrc ! flvdemux name=demux", {}, {"tv"}, "", ""};
  ASSERT_TRUE(pm_->add_template(t).ok());
  auto pub = pm_->live_publication("live", {{"app", "live"}, {"stream", "cam"}, {"record", "true"}}, 0);
  EXPECT_EQ(pub.folders, (std::vector<std::string>{dir_.path() + "/recordings/cam", dir_.path() + "/live/cam/tv"}));
  ASSERT_EQ(pub.urls.size(), 2u);
  EXPECT_EQ(pub.urls[0].key, "tv");
  EXPECT_EQ(pub.urls[0].url, "/media/live/cam/tv/index.m3u8");
  EXPECT_EQ(pub.urls[1].key, "tv_extra");
  EXPECT_EQ(pub.urls[1].url, "");  // registered, not published: null in /api/live

  // A template that is no live layout publishes no URL; its folders are its directories.
  ASSERT_TRUE(pm_->add_template({"plain", "", "fakesrc ! fakesink", {}, {"${media_dir}/x/${stream}"}, "test"}).ok());
  auto plain = pm_->live_publication("plain", {{"stream", "cam"}}, 0);
  EXPECT_EQ(plain.folders, (std::vector<std::string>{dir_.path() + "/x/cam"}));
  ASSERT_EQ(plain.urls.size(), 2u);
  EXPECT_EQ(plain.urls[0].url, "");
  // An unknown template: nothing, every key null.
  EXPECT_TRUE(pm_->live_publication("none", {}, 0).folders.empty());

  // The plugin's outputs go with it (its init failed).
  pm_->remove_plugin_templates("tv");
  EXPECT_EQ(pm_->live_outputs().find("tv"), nullptr);
  EXPECT_FALSE(pm_->expand("live", {{"app", "live"}, {"stream", "cam"}}).ok());
}

TEST_F(PipelineManagerTest, OutputsSharingAFieldPublishItOnceAndSeeTheLine) {
  // Two outputs that can both fill "playlist" (say TS HLS and LL-HLS): the field appears once in
  // /api/live, filled by the one the layout lists; each sees which outputs share its line.
  std::vector<std::vector<std::string>> seen;
  auto output = [&](const std::string& name) {
    LiveOutput out;
    out.name = name;
    out.branch = [&seen, name](const LiveLayoutContext& c) -> Result<LiveOutputBranch> {
      seen.push_back(c.outputs);
      return LiveOutputBranch{" srca. ! fakesink name=" + name, {c.output_dir}};
    };
    out.url_keys = {"playlist"};
    out.urls = [name](const LiveOutputPlace& p) {
      return std::vector<LiveUrl>{{"playlist", p.url + name + ".m3u8 (" + std::to_string(p.outputs.size()) + ")"}};
    };
    return out;
  };
  ASSERT_TRUE(pm_->add_live_output(output("ts"), "plugin:a").ok());
  ASSERT_TRUE(pm_->add_live_output(output("ll"), "plugin:b").ok());
  PipelineTemplate t;
  t.name = "live-ll";
  t.layout = LiveLayout{"fakesrc ! flvdemux name=demux", {}, {"ll"}, "", ""};
  ASSERT_TRUE(pm_->add_template(t).ok());
  auto pub = pm_->live_publication("live-ll", {{"app", "live"}, {"stream", "cam"}}, 0);
  ASSERT_EQ(pub.urls.size(), 1u);
  EXPECT_EQ(pub.urls[0].key, "playlist");
  EXPECT_EQ(pub.urls[0].url, "/media/live/cam/ll.m3u8 (1)");
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), (std::vector<std::string>{"ll"}));
}
