// kekkeyframes in a GstHarness: before the first buffer at or after each time it sends one
// force-key-unit event downstream ("as soon as possible": that very buffer), and nothing else
// changes; a bad `at` fails the start.
#include "kekkeyframes.h"

#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <gtest/gtest.h>

#include <vector>

namespace {

class KeyframesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    // Under meson the build's plugins are on the path: the plugin's own factory then.
    if (GstElementFactory* f = gst_element_factory_find("kekkeyframes")) gst_object_unref(f);
    else gst_element_register(nullptr, "kekkeyframes", GST_RANK_NONE, KEK_TYPE_KEYFRAMES);
  }
};

GstBuffer* frame_at(GstClockTime pts) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, 16, nullptr);
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DURATION(b) = GST_SECOND / 4;
  return b;
}

// Pushes a frame every 250 ms from 0 to `until`; returns, per frame, whether a force-key-unit
// event came out right before it.
std::vector<GstClockTime> forced_frames(const char* at, GstClockTime until) {
  GstHarness* h = gst_harness_new_parse((std::string("kekkeyframes at=\"") + at + "\"").c_str());
  gst_harness_set_src_caps_str(h, "video/x-raw,format=I420,width=16,height=16,framerate=4/1");
  std::vector<GstClockTime> forced;
  for (GstClockTime t = 0; t <= until; t += GST_SECOND / 4) {
    EXPECT_EQ(gst_harness_push(h, frame_at(t)), GST_FLOW_OK);
    while (GstEvent* e = gst_harness_try_pull_event(h)) {
      if (gst_video_event_is_force_key_unit(e)) {
        GstClockTime running = 0;
        gboolean all_headers = FALSE;
        EXPECT_TRUE(gst_video_event_parse_downstream_force_key_unit(e, nullptr, nullptr, &running, &all_headers, nullptr));
        EXPECT_EQ(running, GST_CLOCK_TIME_NONE) << "as soon as possible: the next frame";
        EXPECT_TRUE(all_headers);
        forced.push_back(t);
      }
      gst_event_unref(e);
    }
    GstBuffer* out = gst_harness_pull(h);
    EXPECT_EQ(GST_BUFFER_PTS(out), t) << "buffers pass as they are";
    gst_buffer_unref(out);
  }
  gst_harness_teardown(h);
  return forced;
}

}  // namespace

TEST_F(KeyframesTest, AsksForAKeyframeAtEachTime) {
  EXPECT_EQ(forced_frames("1,2,4", 5 * GST_SECOND),
            (std::vector<GstClockTime>{GST_SECOND, 2 * GST_SECOND, 4 * GST_SECOND}));
}

TEST_F(KeyframesTest, ATimeBetweenFramesIsAskedAtTheNextFrame) {
  // 1.1 s and 1.2 s fall between the frames at 1.0 and 1.25: one event, at 1.25.
  EXPECT_EQ(forced_frames("1.1,1.2,3", 4 * GST_SECOND), (std::vector<GstClockTime>{5 * GST_SECOND / 4, 3 * GST_SECOND}));
}

TEST_F(KeyframesTest, NothingWithoutTimes) { EXPECT_TRUE(forced_frames("", 2 * GST_SECOND).empty()); }

TEST_F(KeyframesTest, ABadTimeFailsTheStart) {
  GstElement* e = gst_element_factory_make("kekkeyframes", nullptr);
  ASSERT_NE(e, nullptr);
  g_object_set(e, "at", "1,soon", nullptr);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
}
