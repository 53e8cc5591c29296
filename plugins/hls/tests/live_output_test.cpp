// The `hls` output of live layouts: its branch for a ladder and for an audio-only stream, its
// folder, and the URL /api/live gives.
#include "live_output.h"

#include <gtest/gtest.h>

#include <string>

namespace {

constexpr const char* kQueue = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000";

// Without rewind (dvr_window_s: 0), as the branch tests below want it; see RewindWindow.
kek::LiveLayoutContext ladder() {
  kek::LiveLayoutContext c;
  c.lookup = [](const std::string& name) { return name == "dvr_window_s" ? std::string("0") : std::string(); };
  c.output_dir = "${media_dir}/${app}/${stream}";
  c.queue = kQueue;
  c.segment_s = 2;
  c.window = 6;
  c.video_tee = "srcv";
  c.audio_tee = "srca";
  c.rungs = {{"source", "srcv", 0, true}, {"720p", "rung1", 3000000, false}, {"480p", "rung2", 1400000, false}};
  return c;
}

}  // namespace

TEST(HlsLiveOutput, EveryRungAndTheAudioIntoOneKekhlssink) {
  kek::LiveOutput out = kek::hls::live_output();
  EXPECT_EQ(out.name, "hls");
  EXPECT_FALSE(out.joins_unlisted) << "only where a layout lists it";
  auto b = out.branch(ladder());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->launch, std::string(" srcv. ! ") + kQueue + " ! hls.video_0 rung1. ! " + kQueue + " ! hls.video_1 rung2. ! " +
                           kQueue + " ! hls.video_2 srca. ! " + kQueue +
                           " ! hls.audio kekhlssink name=hls location=${media_dir}/${app}/${stream} target-duration=2 "
                           "playlist-length=6 variants=source,720p,480p bitrates=0,3000000,1400000");
  EXPECT_EQ(b->directories, std::vector<std::string>{"${media_dir}/${app}/${stream}"});
}

TEST(HlsLiveOutput, AudioOnlyHasNoVariants) {
  kek::LiveLayoutContext c = ladder();
  c.rungs.clear();
  c.video_tee.clear();
  c.segment_s = 4;
  c.window = 10;
  auto b = kek::hls::live_output().branch(c);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->launch, std::string(" srca. ! ") + kQueue +
                           " ! hls.audio kekhlssink name=hls location=${media_dir}/${app}/${stream} target-duration=4 "
                           "playlist-length=10");
}

TEST(HlsLiveOutput, ThePlaylistUrlIsTheMasterInTheStreamsFolder) {
  kek::LiveOutput out = kek::hls::live_output();
  EXPECT_EQ(out.url_keys, std::vector<std::string>{"playlist"});
  kek::LiveOutputPlace place;
  place.url = "/media/live/cam/";
  auto urls = out.urls(place);
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_EQ(urls[0].key, "playlist");
  EXPECT_EQ(urls[0].url, "/media/live/cam/index.m3u8");
  place.since_us = 1795502771123456;
  EXPECT_EQ(out.urls(place)[0].url, "/media/live/cam/index.m3u8?session=1795502771123") << "a URL per publish";
  place.url.clear();  // not under the media root: nothing to link to
  EXPECT_TRUE(out.urls(place).empty());
}

TEST(HlsLiveOutput, TheRewindWindowIsThirtyMinutesBoundedOnDiskByDefault) {
  kek::LiveLayoutContext c = ladder();
  c.lookup = [](const std::string&) { return std::string(); };
  auto w = kek::hls::rewind_window(c);
  EXPECT_EQ(w.segments, 900) << "30 min of 2 s segments";
  EXPECT_EQ(w.max_bytes, 2048ull * 1024 * 1024);
  auto b = kek::hls::live_output().branch(c);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(b->launch.find("playlist-length=900 max-bytes=2147483648"), std::string::npos) << b->launch;

  c.lookup = [](const std::string& name) {
    return name == "dvr_window_s" ? std::string("125") : name == "dvr_max_mb" ? std::string("10") : std::string();
  };
  c.segment_s = 4;
  w = kek::hls::rewind_window(c);
  EXPECT_EQ(w.segments, 32) << "rounded up to whole segments";
  EXPECT_EQ(w.max_bytes, 10ull * 1024 * 1024);
  c.lookup = [](const std::string& name) { return name == "dvr_window_s" ? std::string("nonsense") : std::string(); };
  EXPECT_EQ(kek::hls::rewind_window(c).segments, 450) << "a value that is no number: the default";
}
