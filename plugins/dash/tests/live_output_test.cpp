// The `dash` output of live layouts: every rung through a parser of its own (avc for MP4), the
// audio, one kekdashsink in <stream>/dash, and the manifest's URL for /api/live.
#include "live_output.h"

#include <gtest/gtest.h>

#include <string>

namespace {
constexpr const char* kQueue = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000";
}

TEST(DashLiveOutput, EveryRungThroughItsOwnParserIntoOneKekdashsink) {
  kek::LiveLayoutContext c;
  c.lookup = [](const std::string&) { return std::string(); };
  c.output_dir = "/m/live/cam";
  c.queue = kQueue;
  c.audio_tee = "srca";
  c.rungs = {{"source", "srcv", 0, true}, {"480p", "rung1", 1400000, false}};
  kek::LiveOutput out = kek::dash::live_output();
  EXPECT_EQ(out.name, "dash");
  auto b = out.branch(c);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->launch, std::string(" srcv. ! ") + kQueue + " ! h264parse ! dash.video_0 rung1. ! " + kQueue +
                           " ! h264parse ! dash.video_1 srca. ! " + kQueue +
                           " ! dash.audio kekdashsink name=dash location=/m/live/cam/dash mpd-name=manifest.mpd "
                           "target-duration=2 window=6 representations=source,480p bitrates=0,1400000");
  EXPECT_EQ(b->directories, (std::vector<std::string>{"/m/live/cam", "/m/live/cam/dash"}));
  c.rungs.clear();
  auto audio = out.branch(c);
  EXPECT_EQ(audio->launch.find("representations="), std::string::npos) << audio->launch;

  kek::LiveOutputPlace place;
  place.url = "/media/live/cam/";
  auto urls = out.urls(place);
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_EQ(urls[0].key, "dash");
  EXPECT_EQ(urls[0].url, "/media/live/cam/dash/manifest.mpd");
}

TEST(DashLiveOutput, LlhlsPackagesOnceInTheStreamFolderWithTheMasterWhereHlsHasIt) {
  kek::LiveLayoutContext c;
  std::string part_s;
  c.lookup = [&](const std::string& name) { return name == "part_s" ? part_s : std::string(); };
  c.output_dir = "/m/live/cam";
  c.audio_tee = "srca";
  c.rungs = {{"source", "srcv", 0, true}};
  c.outputs = {"llhls"};
  kek::LiveOutput out = kek::dash::llhls_output();
  EXPECT_EQ(out.name, "llhls");
  EXPECT_TRUE(out.inline_safe);
  auto b = out.branch(c);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->launch, " srcv. ! h264parse ! llhls.video_0 srca. ! llhls.audio kekdashsink name=llhls "
                       "location=/m/live/cam mpd-name=manifest.mpd target-duration=2 window=6 "
                       "hls-master-name=index.m3u8 part-duration=0.500 representations=source bitrates=0");
  EXPECT_EQ(b->directories, (std::vector<std::string>{"/m/live/cam"}));
  part_s = "0.25";
  EXPECT_NE(out.branch(c)->launch.find(" part-duration=0.250 "), std::string::npos);
  for (const char* bad : {"0.1", "3", "fast", "0.5s"}) {
    part_s = bad;
    auto refused = out.branch(c);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message.find("part_s '" + std::string(bad) + "'"), std::string::npos)
        << refused.error().message;
  }
  part_s.clear();
  // Both write the stream's index.m3u8.
  c.outputs = {"hls", "llhls"};
  auto clash = out.branch(c);
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.error().message.find("llhls and hls"), std::string::npos) << clash.error().message;

  // /api/live's "playlist": the master, per publish, like the hls output's.
  kek::LiveOutputPlace place;
  place.url = "/media/live/cam/";
  place.since_us = 1712345678901000;
  place.outputs = {"llhls"};
  auto urls = out.urls(place);
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_EQ(urls[0].key, "playlist");
  EXPECT_EQ(urls[0].url, "/media/live/cam/index.m3u8?session=1712345678901");
}

TEST(DashLiveOutput, DashBesideLlhlsAddsNothingAndPublishesItsManifest) {
  kek::LiveLayoutContext c;
  c.lookup = [](const std::string&) { return std::string(); };
  c.output_dir = "/m/live/cam";
  c.audio_tee = "srca";
  c.rungs = {{"source", "srcv", 0, true}};
  c.outputs = {"dash", "llhls"};
  kek::LiveOutput dash = kek::dash::live_output();
  auto b = dash.branch(c);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->launch, "");
  EXPECT_TRUE(b->directories.empty());
  kek::LiveOutputPlace place;
  place.url = "/media/live/cam/";
  place.outputs = {"dash", "llhls"};
  EXPECT_EQ(dash.urls(place)[0].url, "/media/live/cam/manifest.mpd");
  place.outputs = {"dash"};
  EXPECT_EQ(dash.urls(place)[0].url, "/media/live/cam/dash/manifest.mpd");
}
