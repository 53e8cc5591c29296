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
