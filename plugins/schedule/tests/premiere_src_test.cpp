// kekpremieresrc in real pipelines: a film packaged the way the library does it (kekdashsink,
// CMAF with HLS playlists, 320x180) played live into kekhlssink, checked with the playlist's
// dates and ffprobe. On time: the first segment is dated at the origin; resumed mid-film (a
// restart during a premiere): it starts at "now", dated right, and only the rest is played.
#include "support/kek_process.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <glib/gstdio.h>

#include <string>

using kek::test::make_temp_dir;
using kek::test::remove_tree;
using kek::test::run_command;

namespace {

std::string read(const std::string& path) {
  g_autofree char* text = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &text, &len, nullptr)) return {};
  return std::string(text, len);
}

// The first EXT-X-PROGRAM-DATE-TIME as unix milliseconds.
int64_t first_date_ms(const std::string& playlist) {
  size_t p = playlist.find("#EXT-X-PROGRAM-DATE-TIME:");
  if (p == std::string::npos) return 0;
  std::string value = playlist.substr(p + 25, playlist.find('\n', p) - p - 25);
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(value.c_str(), nullptr);
  return t ? g_date_time_to_unix(t) * 1000 + g_date_time_get_microsecond(t) / 1000 : 0;
}

double probed_duration(const std::string& path) {
  auto [status, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path});
  return status == 0 ? std::strtod(out.c_str(), nullptr) : -1;
}

// Runs a gst-launch line in-process to its EOS (bounded); returns the error text, "" on success.
std::string run_line(const std::string& line, int timeout_s) {
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(line.c_str(), &error);
  if (!pipeline) {
    std::string m = error ? error->message : "parse failed";
    g_clear_error(&error);
    return m;
  }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg = gst_bus_timed_pop_filtered(bus, static_cast<GstClockTime>(timeout_s) * GST_SECOND,
                                               static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  std::string result = msg ? "" : "timed out";
  if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    result = err ? err->message : "error";
    g_clear_error(&err);
  }
  if (msg) gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return result;
}

class PremiereSrc : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    film_ = make_temp_dir();
    // 5 s at 25 fps, a keyframe a second, B-frames as the library's encodes have: 1-s segments.
    const std::string err = run_line(
        "kekdashsink name=cmaf location=" + film_ + "/stream window=0 target-duration=1 hls-master-name=master.m3u8 "
        "representations=180p videotestsrc num-buffers=125 ! video/x-raw,format=I420,width=320,height=180,framerate=25/1 ! "
        "x264enc speed-preset=ultrafast key-int-max=25 bframes=2 option-string=scenecut=0 ! h264parse ! cmaf.video_0 "
        "audiotestsrc num-buffers=235 ! audio/x-raw,rate=48000 ! avenc_aac ! aacparse ! cmaf.audio_0",
        60);
    ASSERT_EQ(err, "") << "could not package the test film";
  }
  static void TearDownTestSuite() { remove_tree(film_); }
  void SetUp() override { out_ = make_temp_dir(); }
  void TearDown() override { remove_tree(out_); }

  std::string play(int64_t origin_us) {
    return run_line("kekpremieresrc name=demux location=" + film_ + "/stream renditions=180p audio=audio_0 origin=" +
                        std::to_string(origin_us) +
                        " demux.video_0 ! queue ! h264parse config-interval=-1 ! hls.video_0"
                        " demux.audio ! queue ! aacparse ! hls.audio"
                        " kekhlssink name=hls location=" + out_ + " target-duration=1 playlist-length=0 variants=180p",
                    30);
  }

  static std::string film_;
  std::string out_;
};

std::string PremiereSrc::film_;

}  // namespace

TEST_F(PremiereSrc, PlaysTheFilmInRealTimeFromItsOrigin) {
  const int64_t origin_us = g_get_real_time() + 1000000;
  ASSERT_EQ(play(origin_us), "");
  const int64_t took_us = g_get_real_time() - (origin_us - 1000000);
  EXPECT_GE(took_us, 5800000) << "1 s of waiting and 5 s of film, in real time";
  const std::string playlist = read(out_ + "/180p/index.m3u8");
  ASSERT_NE(playlist.find("#EXT-X-ENDLIST"), std::string::npos) << playlist;
  // Dated at the origin (plus the first frame's own time, a few frames at most).
  const int64_t date = first_date_ms(playlist);
  EXPECT_GE(date, origin_us / 1000 - 20) << playlist;
  EXPECT_LE(date, origin_us / 1000 + 150) << playlist;
  EXPECT_NEAR(probed_duration(out_ + "/index.m3u8"), 5.0, 0.3) << "the whole film, repackaged";
}

TEST_F(PremiereSrc, ResumedMidFilmItStartsAtNowAndPlaysOnlyTheRest) {
  // The premiere began 2.5 s ago (kek restarted meanwhile).
  const int64_t origin_us = g_get_real_time() - 2500000;
  ASSERT_EQ(play(origin_us), "");
  const std::string playlist = read(out_ + "/180p/index.m3u8");
  ASSERT_NE(playlist.find("#EXT-X-ENDLIST"), std::string::npos) << playlist;
  // Nothing before "now" is shown: the first date is at least 2.5 s into the film...
  const int64_t date = first_date_ms(playlist);
  EXPECT_GE(date, origin_us / 1000 + 2450) << playlist;
  // ...and dates stay on the film's clock: the end is where the film ends.
  const double rest = probed_duration(out_ + "/index.m3u8");
  EXPECT_GT(rest, 1.5);
  EXPECT_LT(rest, 2.8);
  EXPECT_NEAR(static_cast<double>(date - origin_us / 1000) / 1000 + rest, 5.0, 0.35) << playlist;
}

TEST_F(PremiereSrc, AMissingRenditionIsAClearError) {
  const std::string err =
      run_line("kekpremieresrc name=demux location=" + film_ + "/stream renditions=1080p origin=0 demux.video_0 ! fakesink", 10);
  EXPECT_NE(err.find("Could not read playlist"), std::string::npos) << err;
}
