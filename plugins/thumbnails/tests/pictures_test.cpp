// kekposterpick and kekspritesheet in real pipelines: videotestsrc pictures (black, then a test
// pattern), an appsink collecting what comes out, checked as the JPEG encoder would get it.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

struct Out {
  std::vector<GstClockTime> pts;  // running times
  std::vector<double> luma;  // mean luma of each picture
  int width = 0, height = 0;
  bool eos = false;
  std::string error;
};

// Runs `line` (ending in "appsink name=out"), as fast as the CPU allows, to EOS.
Out run(const std::string& line) {
  Out o;
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(line.c_str(), &err);
  if (!pipeline) {
    o.error = err ? err->message : "parse failed";
    g_clear_error(&err);
    return o;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  g_object_set(sink, "sync", FALSE, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  const gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 100 * GST_MSECOND);
    if (sample) {
      GstVideoInfo info;
      gst_video_info_from_caps(&info, gst_sample_get_caps(sample));
      o.width = GST_VIDEO_INFO_WIDTH(&info);
      o.height = GST_VIDEO_INFO_HEIGHT(&info);
      GstBuffer* buf = gst_sample_get_buffer(sample);
      // Running time: the parts of a concat each start their timestamps at 0.
      o.pts.push_back(gst_segment_to_running_time(gst_sample_get_segment(sample), GST_FORMAT_TIME, GST_BUFFER_PTS(buf)));
      GstVideoFrame frame;
      if (gst_video_frame_map(&frame, &info, buf, GST_MAP_READ)) {
        double sum = 0;
        const auto* y = static_cast<const guint8*>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0));
        for (int r = 0; r < o.height; ++r)
          for (int c = 0; c < o.width; ++c) sum += y[r * GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0) + c];
        o.luma.push_back(sum / (o.width * o.height));
        gst_video_frame_unmap(&frame);
      }
      gst_sample_unref(sample);
      continue;
    }
    if (gst_app_sink_is_eos(GST_APP_SINK(sink))) {
      o.eos = true;
      break;
    }
    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
    if (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
      g_autoptr(GError) e = nullptr;
      gst_message_parse_error(m, &e, nullptr);
      o.error = e->message;
      gst_message_unref(m);
      break;
    }
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return o;
}

// `black` seconds of black, then `picture` seconds of a test pattern, 10 fps, 160x90.
std::string film(int, int) {
  return "concat name=c ! videoconvert ! video/x-raw,format=I420 ! ";
}
std::string sources(int black, int picture, const std::string& pattern = "smpte") {
  const std::string caps = " ! video/x-raw,format=I420,width=160,height=90,framerate=10/1 ! c. ";
  return "videotestsrc pattern=black num-buffers=" + std::to_string(black * 10) + caps + "videotestsrc pattern=" +
         pattern + " num-buffers=" + std::to_string(picture * 10) + caps;
}

}  // namespace

TEST(PosterPick, SkipsTheBlackOpeningAndLetsOneFrameThrough) {
  // The poster is asked for at 1 s, but the film is black until 3 s.
  Out o = run(film(3, 3) + "kekposterpick at=1000000000 ! appsink name=out " + sources(3, 3));
  ASSERT_TRUE(o.error.empty()) << o.error;
  ASSERT_TRUE(o.eos);
  ASSERT_EQ(o.pts.size(), 1u) << "exactly one poster frame";
  EXPECT_GE(o.pts[0], 3 * GST_SECOND) << "not a black frame";
  EXPECT_LT(o.pts[0], 3 * GST_SECOND + 200 * GST_MSECOND) << "the first clear one";
  EXPECT_GT(o.luma[0], 40);
}

TEST(PosterPick, TakesTheFrameAtTheRequestedTimeWhenItIsClear) {
  Out o = run(film(0, 4) + "kekposterpick at=2000000000 ! appsink name=out " + sources(0, 4));
  ASSERT_TRUE(o.error.empty()) << o.error;
  ASSERT_EQ(o.pts.size(), 1u);
  EXPECT_EQ(o.pts[0], 2 * GST_SECOND);
}

TEST(PosterPick, AnAllBlackFilmStillGetsOnePictureAtTheEnd) {
  Out o = run(film(2, 0) + "kekposterpick at=500000000 ! appsink name=out " +
              std::string("videotestsrc pattern=black num-buffers=20 ! video/x-raw,format=I420,width=160,height=90,"
                          "framerate=10/1 ! c. "));
  ASSERT_TRUE(o.error.empty()) << o.error;
  ASSERT_TRUE(o.eos);
  EXPECT_EQ(o.pts.size(), 1u) << "a poster, even a dark one, rather than none";
}

TEST(PosterPick, AFlatTitleCardIsSkippedForTheFirstDetailedFrame) {
  // a grey card is one flat colour: no detail. The poster is the first smpte frame after it.
  Out o = run(film(0, 0) + "kekposterpick at=0 ! appsink name=out " +
              std::string("videotestsrc pattern=solid-color foreground-color=0xff808080 num-buffers=15 ! video/x-raw,format=I420,width=160,height=90,"
                          "framerate=10/1 ! c. videotestsrc pattern=smpte num-buffers=10 ! "
                          "video/x-raw,format=I420,width=160,height=90,framerate=10/1 ! c. "));
  ASSERT_TRUE(o.error.empty()) << o.error;
  ASSERT_EQ(o.pts.size(), 1u);
  EXPECT_EQ(o.pts[0], 1500 * GST_MSECOND);
}

TEST(SpriteSheet, TilesPicturesIntoFullSheetsAndALastPartialOne) {
  // 25 tiles of 160x90 into 4x3 sheets: two full sheets and one with a single tile.
  Out o = run("videotestsrc pattern=smpte num-buffers=25 ! video/x-raw,format=I420,width=160,height=90,framerate=1/1 ! "
              "kekspritesheet columns=4 rows=3 ! appsink name=out");
  ASSERT_TRUE(o.error.empty()) << o.error;
  ASSERT_TRUE(o.eos);
  ASSERT_EQ(o.pts.size(), 3u);
  EXPECT_EQ(o.width, 640);
  EXPECT_EQ(o.height, 270);
  EXPECT_EQ(o.pts[0], 0u);
  EXPECT_EQ(o.pts[2], 2 * GST_SECOND) << "sheets are numbered pictures";
  // The partial sheet is mostly black (11 of 12 tiles), the full ones are not.
  EXPECT_GT(o.luma[0], 60);
  EXPECT_LT(o.luma[2], 30);
}

TEST(SpriteSheet, EachTileLandsAtItsColumnAndRow) {
  // Tile 0 black, tile 1 white, in a 2x1 sheet: the left half is dark, the right half bright.
  Out o = run("concat name=c ! kekspritesheet columns=2 rows=1 ! appsink name=out "
              "videotestsrc pattern=black num-buffers=1 ! video/x-raw,format=I420,width=32,height=16,framerate=1/1 ! c. "
              "videotestsrc pattern=white num-buffers=1 ! video/x-raw,format=I420,width=32,height=16,framerate=1/1 ! c.");
  ASSERT_TRUE(o.error.empty()) << o.error;
  ASSERT_EQ(o.pts.size(), 1u);
  EXPECT_EQ(o.width, 64);
  EXPECT_EQ(o.height, 16);
  EXPECT_NEAR(o.luma[0], (16 + 235) / 2.0, 4);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
