// kekthumbnailsink in real pipelines: videotestsrc 320x180 ! x264enc ! h264parse, a few seconds,
// as fast as the CPU allows (in real time where the timing is the point). The pictures are
// checked as a browser would get them: ffprobe reads the JPEG (no gdk-pixbuf here).
#include "../kekthumbnailsink.h"
#include "decode_pool.h"
#include "demand.h"

#include <kek/services_context.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include <gtest/gtest.h>

#include "support/wait.h"

#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace {

std::pair<int, std::string> run_command(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  g_autofree char* out = nullptr;
  g_autofree char* err = nullptr;
  int status = -1;
  if (!g_spawn_sync(nullptr, args.data(), nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, &out, &err, &status, nullptr))
    return {-1, "could not run " + argv[0]};
  return {g_spawn_check_wait_status(status, nullptr) ? 0 : 1, std::string(out ? out : "") + (err ? err : "")};
}

using kek::test::read_file;

// "mjpeg,160,90" for a JPEG of 160x90.
std::string probe_picture(const std::string& path) {
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                "csv=p=0", path});
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return rc == 0 ? out : "ffprobe failed: " + out;
}

struct Source {
  int seconds = 2;
  int key_int = 25;  // frames between keyframes (25 fps)
  int bframes = 0;
  bool live = false;
  std::string format = "byte-stream";
  std::string par = "1/1";
};

std::string source_line(const Source& s) {
  const std::string live = s.live ? " is-live=true" : "";
  return "videotestsrc" + live + " num-buffers=" + std::to_string(s.seconds * 25) +
         " ! video/x-raw,format=I420,width=320,height=180,framerate=25/1,pixel-aspect-ratio=" + s.par +
         " ! x264enc speed-preset=ultrafast key-int-max=" + std::to_string(s.key_int) +
         " bframes=" + std::to_string(s.bframes) + (s.live ? " tune=zerolatency" : "") +
         " ! h264parse name=parse ! video/x-h264,stream-format=" + s.format + ",alignment=au ! ";
}

struct Run {
  bool eos = false;
  std::string error;                     // the first ERROR's text
  std::vector<std::string> warnings;     // every WARNING's text
  std::vector<GstClockTime> written;     // running time of each picture written
  std::vector<gint64> written_at_us;     // monotonic time each was announced
  gint64 started_us = 0, eos_at_us = 0;
};

using Prepare = void (*)(GstElement* pipeline);

Run run(const std::string& line, Prepare prepare = nullptr, int timeout_s = 60) {
  Run r;
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(line.c_str(), &error);
  if (!pipeline) {
    r.error = error ? error->message : "parse failed";
    g_clear_error(&error);
    return r;
  }
  g_clear_error(&error);
  if (prepare) prepare(pipeline);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  r.started_us = g_get_monotonic_time();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  const gint64 deadline = r.started_us + timeout_s * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    GstMessage* msg = gst_bus_timed_pop_filtered(
        bus, 100 * GST_MSECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT));
    if (!msg) continue;
    bool done = false;
    switch (GST_MESSAGE_TYPE(msg)) {
      case GST_MESSAGE_EOS:
        r.eos = done = true;
        r.eos_at_us = g_get_monotonic_time();
        break;
      case GST_MESSAGE_ERROR: {
        g_autoptr(GError) err = nullptr;
        g_autofree char* debug = nullptr;
        gst_message_parse_error(msg, &err, &debug);
        r.error = std::string(err->message) + " | " + (debug ? debug : "");
        done = true;
        break;
      }
      case GST_MESSAGE_WARNING: {
        g_autoptr(GError) err = nullptr;
        gst_message_parse_warning(msg, &err, nullptr);
        r.warnings.push_back(err->message);
        break;
      }
      case GST_MESSAGE_ELEMENT:
        if (gst_message_has_name(msg, KEK_THUMBNAIL_WRITTEN_MESSAGE)) {
          guint64 t = GST_CLOCK_TIME_NONE;
          gst_structure_get_uint64(gst_message_get_structure(msg), "running-time", &t);
          r.written.push_back(t);
          r.written_at_us.push_back(g_get_monotonic_time());
        }
        break;
      default: break;
    }
    gst_message_unref(msg);
    if (done) break;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return r;
}

class ThumbnailSink : public ::testing::Test {
 protected:
  void SetUp() override {
    g_autofree char* d = g_dir_make_tmp("kekthumbs-XXXXXX", nullptr);
    dir = d;
    thumb = dir + "/thumb.jpg";
  }
  void TearDown() override { run_command({"rm", "-rf", dir}); }
  std::string sink(const std::string& extra = "") const {
    return "kekthumbnailsink location=\"" + thumb + "\" " + extra;
  }
  std::string dir, thumb;
};

class ThumbnailSinkFormats : public ThumbnailSink, public ::testing::WithParamInterface<const char*> {};

}  // namespace

TEST_P(ThumbnailSinkFormats, TheFirstKeyframeBecomesAJpegOfTheRequestedSize) {
  Source s{.seconds = 1, .format = GetParam()};
  auto r = run(source_line(s) + sink("width=200"));
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  ASSERT_EQ(r.written.size(), 1u);  // 25 frames, one keyframe
  EXPECT_EQ(r.written[0], 0u);
  const std::string bytes = read_file(thumb);
  ASSERT_GT(bytes.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0xD8);
  // 200 x 180/320 = 112.5 -> the even 112.
  EXPECT_EQ(probe_picture(thumb), "mjpeg,200,112");
}

INSTANTIATE_TEST_SUITE_P(StreamFormats, ThumbnailSinkFormats, ::testing::Values("byte-stream", "avc"));

TEST_F(ThumbnailSink, TheDefaultWidthAndTheDisplayAspectWithNonSquarePixels) {
  auto r = run(source_line({.seconds = 1}) + sink());
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_EQ(probe_picture(thumb), "mjpeg,320,180");
  // 320x180 pixels 4:3 wide show as 426.7x180: 320 wide is 135 high, made even.
  g_unlink(thumb.c_str());
  r = run(source_line({.seconds = 1, .par = "4/3"}) + sink("width=160"));
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_EQ(probe_picture(thumb), "mjpeg,160,68");  // 67.5 -> 68
}

TEST_F(ThumbnailSink, OnePicturePerIntervalNotOnePerKeyframe) {
  // 5 s with a keyframe every 5 frames: 25 keyframes, a picture at 0, 1, 2, 3 and 4 s.
  auto r = run(source_line({.seconds = 5, .key_int = 5}) + sink("interval=1"));
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_GE(r.written.size(), 4u);
  EXPECT_LE(r.written.size(), 6u);
  for (size_t i = 1; i < r.written.size(); ++i) EXPECT_GE(r.written[i] - r.written[i - 1], GST_SECOND) << i;
  EXPECT_EQ(probe_picture(thumb), "mjpeg,320,180");
}

TEST_F(ThumbnailSink, TheDefaultIntervalIsTenSeconds) {
  auto r = run(source_line({.seconds = 12, .key_int = 25}) + sink("width=64"));
  ASSERT_TRUE(r.eos) << r.error;
  ASSERT_EQ(r.written.size(), 2u);
  EXPECT_EQ(r.written[1], 10 * GST_SECOND);
}

TEST_F(ThumbnailSink, APictureOfAStreamWithBFramesComesAtOnceNotAtTheNextKeyframes) {
  // A live stream with B-frames and one keyframe: without a drain after each keyframe the
  // decoder's reorder delay would hold the picture back until EOS.
  auto r = run(source_line({.seconds = 3, .key_int = 1000, .bframes = 2, .live = true}) + sink());
  ASSERT_TRUE(r.eos) << r.error;
  ASSERT_EQ(r.written.size(), 1u);
  EXPECT_LT(r.written_at_us[0] - r.started_us, 2 * G_USEC_PER_SEC);
  EXPECT_LT(r.written_at_us[0] + G_USEC_PER_SEC / 2, r.eos_at_us);
  EXPECT_EQ(probe_picture(thumb), "mjpeg,320,180");
}

TEST_F(ThumbnailSink, OnlyDeltaFramesAfterTheFirstNeverError) {
  auto r = run(source_line({.seconds = 5, .key_int = 10000}) + sink("interval=1"));
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(r.written.size(), 1u);
}

TEST_F(ThumbnailSink, AKeyframeThatIsNoIdrIsSkippedWithoutAnError) {
  // Every 10th P-frame claims to be a keyframe (as a bad muxer's flags might): alone, without
  // its references, it does not decode. The stream goes on; the real IDR gave the picture.
  auto r = run(source_line({.seconds = 4, .key_int = 10000}) + sink("interval=1"), [](GstElement* pipeline) {
    g_autoptr(GstElement) parse = gst_bin_get_by_name(GST_BIN(pipeline), "parse");
    g_autoptr(GstPad) src = gst_element_get_static_pad(parse, "src");
    gst_pad_add_probe(
        src, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo* info, gpointer) {
          static int n = 0;
          GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
          if (GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT) && ++n % 10 == 0) {
            buf = gst_buffer_make_writable(buf);
            GST_BUFFER_FLAG_UNSET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
            GST_PAD_PROBE_INFO_DATA(info) = buf;
          }
          return GST_PAD_PROBE_OK;
        },
        nullptr, nullptr);
  });
  ASSERT_TRUE(r.eos) << r.error;
  ASSERT_GE(r.written.size(), 1u);
  EXPECT_EQ(r.written[0], 0u);
  EXPECT_EQ(probe_picture(thumb), "mjpeg,320,180");
}

TEST_F(ThumbnailSink, AnUnwritableLocationWarnsOnceAndTheStreamGoesOn) {
  thumb = dir + "/missing/thumb.jpg";
  auto r = run(source_line({.seconds = 3, .key_int = 5}) + sink("interval=1"));
  ASSERT_TRUE(r.eos) << r.error;
  ASSERT_EQ(r.warnings.size(), 1u);  // once per failing spell, not at every picture
  EXPECT_NE(r.warnings[0].find("Could not write the thumbnail"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("missing"), std::string::npos) << r.warnings[0];
  EXPECT_TRUE(r.written.empty());
}

TEST_F(ThumbnailSink, NoLocationWarnsToo) {
  auto r = run(source_line({.seconds = 1}) + "kekthumbnailsink");
  ASSERT_TRUE(r.eos) << r.error;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("no location"), std::string::npos) << r.warnings[0];
}

TEST_F(ThumbnailSink, BehindATeeItNeverHoldsTheOtherBranch) {
  // The layout's shape: a tee and the sink straight on it (no queue: it never waits for a
  // decode) beside another branch; the run ends (no preroll or EOS is held back) and pictures
  // are written.
  auto r = run(source_line({.seconds = 5, .key_int = 5}) + "tee name=t t. ! queue ! fakesink sync=false t. ! " +
               sink("interval=1"));
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_GE(r.written.size(), 4u);
}

namespace {

// What kek gives every pipeline: the services, here only the decode pool.
class Services : public kek::Services {
 public:
  void provide(const std::string& name, void* service) override { services_[name] = service; }
  void* lookup(const std::string& name) const override {
    auto it = services_.find(name);
    return it == services_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::string, void*> services_;
};

// The pipeline gets `given_services` as kek gives them (the kek.services context).
Services* given_services = nullptr;
void give_services(GstElement* pipeline) { kek::give_services(pipeline, *given_services); }

}  // namespace

TEST_F(ThumbnailSink, ManySinksShareThePoolsFewDecoders) {
  // Six streams in one pipeline, each with its sink, and the process's pool of two decoders
  // given to them as kek does (the kek.services context): six pictures, two decoders at most.
  kek::thumbnails::DecodePool pool(2);
  Services services;
  services.provide(kek::thumbnails::DecodePool::kName, &pool);
  std::string line;
  for (int i = 0; i < 6; ++i)
    line += std::regex_replace(source_line({.seconds = 2, .key_int = 25}), std::regex("name=parse"), "") +
            "kekthumbnailsink interval=1 location=\"" + dir + "/" + std::to_string(i) + ".jpg\" ";
  given_services = &services;
  auto r = run(line, give_services);
  ASSERT_TRUE(r.eos) << r.error << "\n" << line;
  EXPECT_EQ(r.written.size(), 12u);  // 2 s each, a picture a second
  for (int i = 0; i < 6; ++i) EXPECT_EQ(probe_picture(dir + "/" + std::to_string(i) + ".jpg"), "mjpeg,320,180") << i;
  auto stats = pool.stats();
  EXPECT_LE(stats.decoders, 2u);
  EXPECT_EQ(stats.decoded, 12u);
}

namespace {

// What kek gives a live layout's pipeline: one decoder, the plugin's board, both in the services
// the pipelines get (given_services).
struct KekServices {
  kek::thumbnails::DecodePool pool{1};
  kek::thumbnails::Demand demand;
  Services services;
  KekServices() {
    services.provide(kek::thumbnails::DecodePool::kName, &pool);
    services.provide(kek::thumbnails::Demand::kName, &demand);
    given_services = &services;
  }
};

// Asks for the picture at `asked_location` when the frames at `ask_at` (from the first frame's
// time) pass the parser (the sink's thread, just before the sink gets them), as /api/live would
// while someone looks.
kek::thumbnails::Demand* given_demand = nullptr;
std::string asked_location;
std::vector<GstClockTime> ask_at;
size_t asks_made = 0;
GstClockTime first_pts = GST_CLOCK_TIME_NONE;
void ask_at_times(GstElement* pipeline) {
  give_services(pipeline);
  asks_made = 0;
  first_pts = GST_CLOCK_TIME_NONE;
  g_autoptr(GstElement) parse = gst_bin_get_by_name(GST_BIN(pipeline), "parse");
  g_autoptr(GstPad) src = gst_element_get_static_pad(parse, "src");
  gst_pad_add_probe(
      src, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer) {
        const GstClockTime pts = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
        if (!GST_CLOCK_TIME_IS_VALID(pts)) return GST_PAD_PROBE_OK;
        if (!GST_CLOCK_TIME_IS_VALID(first_pts)) first_pts = pts;  // x264enc starts at 1000 h
        if (asks_made < ask_at.size() && pts - first_pts >= ask_at[asks_made]) {
          given_demand->ask(asked_location);
          ++asks_made;
        }
        return GST_PAD_PROBE_OK;
      },
      nullptr, nullptr);
}

}  // namespace

TEST_F(ThumbnailSink, OnDemandTheFirstPictureThenOnePerIntervalOnlyWhenAskedFor) {
  // kek's layout: on-demand=true, the plugin's board in the services. 6 s, a keyframe every
  // 0.2 s, interval 1 s: the first keyframe's picture at once (a live card always has one), then
  // none until somebody asks; an ask at 3.0 s gives that keyframe's picture, another at 3.4 s the
  // next one past the interval (4.0 s), and then nobody asks: nothing more up to 6 s.
  KekServices given;
  given_demand = &given.demand;
  asked_location = dir + "//./thumb.jpg";  // another spelling of the sink's location
  ask_at = {3 * GST_SECOND, 3400 * GST_MSECOND};
  const std::string line = source_line({.seconds = 6, .key_int = 5}) + sink("interval=1 on-demand=true");
  auto r = run(line, ask_at_times);
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_EQ(asks_made, 2u);
  EXPECT_EQ(r.written, (std::vector<GstClockTime>{0, 3 * GST_SECOND, 4 * GST_SECOND}));
  EXPECT_EQ(given.pool.stats().decoded, 3u);
  EXPECT_EQ(probe_picture(thumb), "mjpeg,320,180");

  // Nobody asks at all: the first picture only, one decode for the whole stream.
  ask_at.clear();
  r = run(line, ask_at_times);
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_EQ(r.written, std::vector<GstClockTime>{0});

  // Asks for another stream's picture are not this one's.
  asked_location = dir + "/other.jpg";
  ask_at = {3 * GST_SECOND};
  r = run(line, ask_at_times);
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_EQ(r.written, std::vector<GstClockTime>{0});
}

TEST_F(ThumbnailSink, WithoutOnDemandOrWithoutABoardAPicturePerInterval) {
  // The board but on-demand=false, and on-demand=true outside kek (no board: nobody could ask):
  // a picture per interval as always.
  KekServices given;
  auto r = run(source_line({.seconds = 5, .key_int = 5}) + sink("interval=1"), give_services);
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_GE(r.written.size(), 4u);
  r = run(source_line({.seconds = 5, .key_int = 5}) + sink("interval=1 on-demand=true"));
  ASSERT_TRUE(r.eos) << r.error;
  EXPECT_GE(r.written.size(), 4u);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
