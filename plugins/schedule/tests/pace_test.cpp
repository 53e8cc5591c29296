// kekpace on hand-made buffers with a GstTestClock (no encoder, no real waiting): a buffer
// leaves at the running time whose wall clock is origin + its film position, with that running
// time as its timestamps; what is already past is dropped, video up to its next keyframe.
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gtest/gtest.h>

#include <thread>

namespace {

constexpr GstClockTime kMs = GST_MSECOND;

GstBuffer* frame(GstClockTime pts, bool keyframe, GstClockTime dts = GST_CLOCK_TIME_NONE) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, 16, nullptr);
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DTS(b) = GST_CLOCK_TIME_IS_VALID(dts) ? dts : pts;
  GST_BUFFER_DURATION(b) = 40 * kMs;
  if (!keyframe) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
  return b;
}

class Pace : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);  // kekpace comes from the built plugin (GST_PLUGIN_PATH)
  }
  void start(gint64 origin_us, GstClockTime segment_start = 0) {
    h_ = gst_harness_new("kekpace");
    g_object_set(h_->element, "origin", origin_us, nullptr);
    gst_harness_set_src_caps_str(h_, "video/x-h264");
    gst_harness_play(h_);
    // The demuxer's segment: film positions are its stream time.
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    segment.start = segment_start;
    segment.time = segment_start;
    segment.position = segment_start;
    gst_harness_push_event(h_, gst_event_new_segment(&segment));
  }
  void TearDown() override {
    if (h_) gst_harness_teardown(h_);
  }
  // Pushes from a thread (kekpace waits on the clock in it), lets the test clock reach the wait,
  // and returns the buffer that came out with the time it waited for.
  GstBuffer* push_waited(GstBuffer* in, GstClockTime* waited_for) {
    std::thread pusher([&] { EXPECT_EQ(gst_harness_push(h_, in), GST_FLOW_OK); });
    GstClockID pending = nullptr;
    gst_test_clock_wait_for_next_pending_id(GST_TEST_CLOCK(gst_harness_get_testclock(h_)), &pending);
    *waited_for = gst_clock_id_get_time(pending);
    gst_clock_id_unref(pending);
    EXPECT_TRUE(gst_harness_crank_single_clock_wait(h_));
    pusher.join();
    return gst_harness_pull(h_);
  }
  GstHarness* h_ = nullptr;
};

}  // namespace

TEST_F(Pace, AFilmStartingSoonWaitsForItsWallClockTimeAndIsStampedWithIt) {
  start(g_get_real_time() + 1500000);  // film position 0 plays in 1.5 s
  GstClockTime waited = 0;
  GstBuffer* out = push_waited(frame(80 * kMs, true), &waited);
  ASSERT_NE(out, nullptr);
  // Running time = 1.5 s from now (less the microseconds this took) + the frame's 80 ms.
  EXPECT_GT(GST_BUFFER_PTS(out), 1480 * kMs);
  EXPECT_LE(GST_BUFFER_PTS(out), 1580 * kMs);
  EXPECT_EQ(waited, GST_BUFFER_DTS(out)) << "left at its decode time";
  const GstClockTime first = GST_BUFFER_PTS(out);
  gst_buffer_unref(out);
  // The next frame: the same mapping, 40 ms later; B-frame DTS before PTS keeps its distance.
  out = push_waited(frame(160 * kMs, false, 120 * kMs), &waited);
  EXPECT_EQ(GST_BUFFER_PTS(out), first + 80 * kMs);
  EXPECT_EQ(GST_BUFFER_DTS(out), first + 40 * kMs);
  EXPECT_EQ(waited, first + 40 * kMs);
  gst_buffer_unref(out);
  // Downstream saw one plain segment from 0: its running time is the timestamps.
  GstEvent* e = nullptr;
  bool saw_segment = false;
  while ((e = gst_harness_try_pull_event(h_))) {
    if (GST_EVENT_TYPE(e) == GST_EVENT_SEGMENT) {
      const GstSegment* s = nullptr;
      gst_event_parse_segment(e, &s);
      EXPECT_EQ(s->start, 0u);
      EXPECT_EQ(s->base, 0u);
      saw_segment = true;
    }
    gst_event_unref(e);
  }
  EXPECT_TRUE(saw_segment);
}

TEST_F(Pace, AResumedFilmDropsWhatIsPastUpToTheNextKeyframe) {
  // Film position 0 was 10 s ago; the demuxer starts at the segment that holds "now" (8 s).
  start(g_get_real_time() - 10 * G_USEC_PER_SEC, 8 * GST_SECOND);
  EXPECT_EQ(gst_harness_push(h_, frame(8 * GST_SECOND, true)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_push(h_, frame(9 * GST_SECOND, false)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_in_queue(h_), 0u) << "past: nothing ahead of now is shown, nothing is late";
  // 11 s in: 1 s ahead, but after a drop a delta frame cannot start the picture.
  EXPECT_EQ(gst_harness_push(h_, frame(11 * GST_SECOND, false)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_in_queue(h_), 0u);
  GstClockTime waited = 0;
  GstBuffer* out = push_waited(frame(12 * GST_SECOND, true), &waited);
  ASSERT_NE(out, nullptr);
  EXPECT_GT(GST_BUFFER_PTS(out), 1900 * kMs);
  EXPECT_LE(GST_BUFFER_PTS(out), 2000 * kMs);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out, GST_BUFFER_FLAG_DISCONT)) << "the cut is marked";
  gst_buffer_unref(out);
}

TEST_F(Pace, WithoutAnOriginItPassesEverythingUnchanged) {
  start(-1);
  EXPECT_EQ(gst_harness_push(h_, frame(5 * GST_SECOND, true)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h_);
  EXPECT_EQ(GST_BUFFER_PTS(out), 5 * GST_SECOND);
  gst_buffer_unref(out);
}

TEST_F(Pace, StoppingWhileItWaitsReturnsAtOnce) {
  start(g_get_real_time() + gint64{3600} * G_USEC_PER_SEC);  // an hour away
  std::thread pusher([&] { gst_harness_push(h_, frame(0, true)); });
  GstClockID pending = nullptr;
  gst_test_clock_wait_for_next_pending_id(GST_TEST_CLOCK(gst_harness_get_testclock(h_)), &pending);
  gst_clock_id_unref(pending);
  gst_harness_push_event(h_, gst_event_new_flush_start());
  pusher.join();  // unblocked by the flush, not by an hour passing
  gst_harness_push_event(h_, gst_event_new_flush_stop(TRUE));
  SUCCEED();
}
