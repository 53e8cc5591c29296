// kekswscale in a GstHarness: a 320x180 I420 picture comes out at the size the caps after it
// ask for, with the picture still in it (a dark left half, a bright right half, flat chroma), for
// every method; new input or output caps mid-stream renegotiate; the same size passes the
// buffer untouched; the pixel aspect ratio keeps the display aspect ratio, as videoscale's does.
#include "kekswscale.h"

#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <gtest/gtest.h>

#include <string>

namespace {

class SwscaleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    // Under meson the build's plugins are on the path: the plugin's own factory then.
    if (GstElementFactory* f = gst_element_factory_find("kekswscale")) gst_object_unref(f);
    else gst_element_register(nullptr, "kekswscale", GST_RANK_NONE, KEK_TYPE_SWSCALE);
  }
};

constexpr int kDark = 40, kBright = 200, kU = 90, kV = 170;

std::string raw_caps(int w, int h) {
  return "video/x-raw,format=I420,width=" + std::to_string(w) + ",height=" + std::to_string(h) +
         ",framerate=30/1,pixel-aspect-ratio=1/1";
}

// A w x h I420 frame: luma kDark left of the middle, kBright right of it; chroma flat.
GstBuffer* picture(int w, int h, GstClockTime pts) {
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, w, h);
  GstBuffer* b = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstVideoFrame f;
  EXPECT_TRUE(gst_video_frame_map(&f, &info, b, GST_MAP_WRITE));
  for (int y = 0; y < h; ++y) {
    auto* row = static_cast<guint8*>(GST_VIDEO_FRAME_COMP_DATA(&f, 0)) + y * GST_VIDEO_FRAME_COMP_STRIDE(&f, 0);
    for (int x = 0; x < w; ++x) row[x] = x < w / 2 ? kDark : kBright;
  }
  for (int c = 1; c <= 2; ++c)
    for (int y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT(&f, c); ++y)
      memset(static_cast<guint8*>(GST_VIDEO_FRAME_COMP_DATA(&f, c)) + y * GST_VIDEO_FRAME_COMP_STRIDE(&f, c),
             c == 1 ? kU : kV, GST_VIDEO_FRAME_COMP_WIDTH(&f, c));
  gst_video_frame_unmap(&f);
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DURATION(b) = GST_SECOND / 30;
  return b;
}

struct Out {
  int width = 0, height = 0, par_n = 0, par_d = 0;
  std::string colorimetry;  // of the output caps, as a string
  bool sane = false;  // the size the caps say, the two halves and the chroma where they belong
  std::string why;
};

// Pulls one buffer and checks it against the harness's current src pad caps.
Out pull(GstHarness* h) {
  Out o;
  GstBuffer* b = gst_harness_pull(h);
  if (!b) {
    o.why = "no buffer";
    return o;
  }
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  GstVideoInfo info;
  const bool parsed = caps && gst_video_info_from_caps(&info, caps);
  if (caps) gst_caps_unref(caps);
  if (!parsed) {
    o.why = "no caps";
    gst_buffer_unref(b);
    return o;
  }
  o.width = GST_VIDEO_INFO_WIDTH(&info);
  o.height = GST_VIDEO_INFO_HEIGHT(&info);
  o.par_n = GST_VIDEO_INFO_PAR_N(&info);
  o.par_d = GST_VIDEO_INFO_PAR_D(&info);
  if (gchar* c = gst_video_colorimetry_to_string(&info.colorimetry)) {
    o.colorimetry = c;
    g_free(c);
  }
  GstVideoFrame f;
  if (gst_buffer_get_size(b) < GST_VIDEO_INFO_SIZE(&info) || !gst_video_frame_map(&f, &info, b, GST_MAP_READ)) {
    o.why = "buffer of " + std::to_string(gst_buffer_get_size(b)) + " bytes for " + std::to_string(o.width) + "x" +
            std::to_string(o.height);
    gst_buffer_unref(b);
    return o;
  }
  o.sane = true;
  auto at = [&](int c, int x, int y) {
    return static_cast<const guint8*>(GST_VIDEO_FRAME_COMP_DATA(&f, c))[y * GST_VIDEO_FRAME_COMP_STRIDE(&f, c) + x];
  };
  // Away from the edge in the middle (where the filters blend the halves), each half keeps its level.
  const int margin = std::max(3, o.width / 16);
  for (int y = 0; y < o.height && o.sane; ++y)
    for (int x = 0; x < o.width; ++x) {
      if (x > o.width / 2 - margin && x < o.width / 2 + margin) continue;
      const int want = x < o.width / 2 ? kDark : kBright;
      if (std::abs(at(0, x, y) - want) > 2) {
        o.sane = false;
        o.why = "luma " + std::to_string(at(0, x, y)) + " at " + std::to_string(x) + "," + std::to_string(y) +
                ", want " + std::to_string(want);
        break;
      }
    }
  for (int c = 1; c <= 2 && o.sane; ++c)
    for (int y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT(&f, c) && o.sane; ++y)
      for (int x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH(&f, c); ++x)
        if (std::abs(at(c, x, y) - (c == 1 ? kU : kV)) > 2) {
          o.sane = false;
          o.why = "chroma " + std::to_string(c) + " is " + std::to_string(at(c, x, y));
          break;
        }
  gst_video_frame_unmap(&f);
  gst_buffer_unref(b);
  return o;
}

// One w x h picture (320x180) through `launch`, with these caps' fields added to the input's.
Out scaled(const std::string& launch, const std::string& extra_caps = "", int w = 320, int h_ = 180) {
  GstHarness* h = gst_harness_new_parse(launch.c_str());
  gst_harness_set_src_caps_str(h, (raw_caps(w, h_) + extra_caps).c_str());
  Out o;
  if (gst_harness_push(h, picture(w, h_, 0)) == GST_FLOW_OK) o = pull(h);
  else o.why = "push failed";
  gst_harness_teardown(h);
  return o;
}

TEST_F(SwscaleTest, ScalesToTheNegotiatedSizeWithEveryMethod) {
  for (const char* method : {"bicubic", "bilinear", "fast-bilinear"}) {
    SCOPED_TRACE(method);
    Out o = scaled(std::string("kekswscale method=") + method + " ! capsfilter caps=video/x-raw,width=160,height=90");
    EXPECT_TRUE(o.sane) << o.why;
    EXPECT_EQ(o.width, 160);
    EXPECT_EQ(o.height, 90);
    EXPECT_EQ(o.par_n, 1);
    EXPECT_EQ(o.par_d, 1);
  }
}

TEST_F(SwscaleTest, RenegotiatesWhenTheInputOrTheOutputSizeChanges) {
  GstHarness* h = gst_harness_new_parse("kekswscale ! capsfilter name=size caps=video/x-raw,width=160,height=90");
  gst_harness_set_src_caps_str(h, raw_caps(320, 180).c_str());
  ASSERT_EQ(gst_harness_push(h, picture(320, 180, 0)), GST_FLOW_OK);
  Out first = pull(h);
  EXPECT_TRUE(first.sane) << first.why;
  EXPECT_EQ(first.width, 160);

  // A bigger input (a publisher that changed its resolution): same output size, same picture.
  gst_harness_set_src_caps_str(h, raw_caps(640, 360).c_str());
  ASSERT_EQ(gst_harness_push(h, picture(640, 360, GST_SECOND / 30)), GST_FLOW_OK);
  Out bigger = pull(h);
  EXPECT_TRUE(bigger.sane) << bigger.why;
  EXPECT_EQ(bigger.width, 160);
  EXPECT_EQ(bigger.height, 90);

  // Downstream asks for another size: the next buffer comes at it (an upscale here).
  GstElement* filter = gst_bin_get_by_name(GST_BIN(h->element), "size");
  ASSERT_NE(filter, nullptr);
  GstCaps* caps = gst_caps_from_string("video/x-raw,width=480,height=270");
  g_object_set(filter, "caps", caps, nullptr);
  gst_caps_unref(caps);
  gst_object_unref(filter);
  ASSERT_EQ(gst_harness_push(h, picture(640, 360, 2 * GST_SECOND / 30)), GST_FLOW_OK);
  Out other = pull(h);
  EXPECT_TRUE(other.sane) << other.why;
  EXPECT_EQ(other.width, 480);
  EXPECT_EQ(other.height, 270);
  gst_harness_teardown(h);
}

TEST_F(SwscaleTest, TheSameSizePassesTheBufferThrough) {
  GstHarness* h = gst_harness_new_parse("kekswscale ! capsfilter caps=video/x-raw,width=320,height=180");
  gst_harness_set_src_caps_str(h, raw_caps(320, 180).c_str());
  GstBuffer* in = picture(320, 180, 0);
  gst_buffer_ref(in);
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_EQ(out, in);
  gst_buffer_unref(out);
  gst_buffer_unref(in);
  gst_harness_teardown(h);
}

TEST_F(SwscaleTest, KeepsTheDisplayAspectRatioThroughThePixelAspectRatio) {
  // 16:9 into 854x480 (the ladder's 480p): the pixels become 1280:1281, as with videoscale.
  Out o = scaled("kekswscale ! capsfilter caps=video/x-raw,width=854,height=480");
  EXPECT_TRUE(o.sane) << o.why;
  EXPECT_EQ(o.width, 854);
  EXPECT_EQ(o.height, 480);
  EXPECT_EQ(o.par_n, 1280);
  EXPECT_EQ(o.par_d, 1281);

  // Only a height: the width stays the input's, the pixels get the aspect (1:2 here).
  o = scaled("kekswscale ! capsfilter caps=video/x-raw,height=90");
  EXPECT_TRUE(o.sane) << o.why;
  EXPECT_EQ(o.width, 320);
  EXPECT_EQ(o.height, 90);
  EXPECT_EQ(o.par_n, 1);
  EXPECT_EQ(o.par_d, 2);
}

TEST_F(SwscaleTest, TheOutputCarriesTheInputsColorimetry) {
  // The values are not converted, so the caps say what they are: 1080p without a colorimetry
  // (BT.709 by GStreamer's default for its size) into 854x480 (whose default is BT.601) stays BT.709.
  Out o = scaled("kekswscale ! capsfilter caps=video/x-raw,width=854,height=480", "", 1920, 1080);
  EXPECT_TRUE(o.sane) << o.why;
  EXPECT_EQ(o.colorimetry, "bt709");
  o = scaled("kekswscale ! capsfilter caps=video/x-raw,width=854,height=480", ",colorimetry=bt601", 1920, 1080);
  EXPECT_EQ(o.colorimetry, "bt601");
  // A downstream that wants another matrix cannot have it (no conversion here): no buffer.
  GstHarness* h = gst_harness_new_parse("kekswscale ! capsfilter caps=video/x-raw,width=160,height=90,colorimetry=bt601");
  gst_harness_set_src_caps_str(h, (raw_caps(320, 180) + ",colorimetry=bt709").c_str());
  EXPECT_NE(gst_harness_push(h, picture(320, 180, 0)), GST_FLOW_OK);
  gst_harness_teardown(h);
}

}  // namespace
