// kekdashsink in real pipelines (x264enc, avenc_aac, 320x180, a few seconds, as fast as the CPU
// allows), checked as players see the result: ffprobe reading the MPD, every frame decodable from
// init + segments, the static MPD at EOS, the window on disk, and a seam's new Period.
#include "dash_pipelines.h"
#include "ll_notices.h"

#include <kek/services_context.h>
#include <kek/services.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include <gtest/gtest.h>

#include "support/wait.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace kek::dash::test;

namespace {

using kek::test::read_file;

std::vector<std::string> files_in(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    while (const char* name = g_dir_read_name(d))
      if (g_str_has_suffix(name, suffix.c_str())) out.push_back(dir + "/" + name);
    g_dir_close(d);
  }
  // Numeric order of <prefix>-<number>.m4s: the order they play in.
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    auto num = [](const std::string& s) { return std::atoll(s.c_str() + s.rfind('-') + 1); };
    return num(a) < num(b);
  });
  return out;
}

// The init segment of a Period in a representation's folder: "<run>-init.mp4", "<run>-init-1.mp4".
std::string init_of(const std::string& rep_dir, int period = 0) {
  const std::string suffix = period == 0 ? "-init.mp4" : "-init-" + std::to_string(period) + ".mp4";
  auto found = files_in(rep_dir, suffix);
  return found.size() == 1 ? found.front() : rep_dir + "/(" + std::to_string(found.size()) + " files)" + suffix;
}

// The MPD names this representation's init of that Period.
bool mpd_names_init(const std::string& mpd, const std::string& rep, int period) {
  const std::string suffix = period == 0 ? "-init.mp4\"" : "-init-" + std::to_string(period) + ".mp4\"";
  return std::regex_search(mpd, std::regex("initialization=\"" + rep + "/[0-9]+" + suffix));
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

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

// init + the given segments in one file, as a player's SourceBuffer sees them.
std::string concatenate(const std::string& out_path, const std::string& init, const std::vector<std::string>& segments) {
  std::string bytes = read_file(init);
  for (const auto& s : segments) bytes += read_file(s);
  g_file_set_contents(out_path.c_str(), bytes.data(), static_cast<gssize>(bytes.size()), nullptr);
  return out_path;
}

int frames_in(const std::string& file) {
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames",
                                "-of", "csv=p=0", file});
  return rc == 0 ? std::atoi(out.c_str()) : -1;
}

class DashSink : public ::testing::Test {
 protected:
  void SetUp() override {
    g_autofree char* d = g_dir_make_tmp("kekdash-XXXXXX", nullptr);
    dir = d;
  }
  void TearDown() override { run_command({"rm", "-rf", dir}); }
  std::string dir;
};

class DashSinkBframes : public DashSink, public ::testing::WithParamInterface<int> {};

}  // namespace

TEST_P(DashSinkBframes, FinishedStreamReadsInFfprobeFrameForFrame) {
  Media m{.dir = dir, .seconds = 6, .bframes = GetParam(), .extra = "window=20"};
  auto r = run(m);
  ASSERT_TRUE(r.ok) << r.error;
  const std::string mpd = read_file(dir + "/manifest.mpd");
  // The final MPD tells players the stream is over.
  EXPECT_NE(mpd.find("type=\"static\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("mediaPresentationDuration=\"PT6"), std::string::npos) << mpd;
  EXPECT_EQ(mpd.find("minimumUpdatePeriod"), std::string::npos) << mpd;
  EXPECT_TRUE(std::regex_search(mpd, std::regex("codecs=\"avc1\\.[0-9a-f]{6}\""))) << mpd;
  EXPECT_NE(mpd.find("codecs=\"mp4a.40.2\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("width=\"320\" height=\"180\""), std::string::npos) << mpd;

  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height:format=duration",
                                "-of", "compact=p=0", dir + "/manifest.mpd"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("codec_name=h264|width=320|height=180"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac"), std::string::npos) << out;
  auto d = out.find("duration=");
  ASSERT_NE(d, std::string::npos) << out;
  EXPECT_NEAR(std::atof(out.c_str() + d + 9), 6.0, 2.0) << out;

  // Every frame is in the segments, in order, and decodes.
  auto video = files_in(dir + "/main", ".m4s");
  EXPECT_EQ(video.size(), 3u);
  EXPECT_EQ(frames_in(concatenate(dir + "/v.mp4", init_of(dir + "/main"), video)), 150);
  auto audio = files_in(dir + "/audio", ".m4s");
  EXPECT_EQ(audio.size(), 3u);
  const int audio_frames = frames_in(concatenate(dir + "/a.mp4", init_of(dir + "/audio"), audio));
  EXPECT_GE(audio_frames, 281);  // 281 buffers of 1024 samples, plus what the encoder flushes
  EXPECT_LE(audio_frames, 283);
  auto [drc, dout] = run_command({"ffmpeg", "-v", "error", "-i", dir + "/v.mp4", "-f", "null", "-"});
  EXPECT_EQ(drc, 0) << dout;
  EXPECT_EQ(dout, "") << "decoding errors";
}

INSTANTIATE_TEST_SUITE_P(Bframes, DashSinkBframes, ::testing::Values(0, 2));

TEST_F(DashSink, WindowListsAndKeepsTheLatestSegments) {
  Media m{.dir = dir, .seconds = 15, .extra = "window=2"};
  auto r = run(m);
  ASSERT_TRUE(r.ok) << r.error;
  // 8 segments (7 of 2 s, the last of 1 s); the MPD lists 2, the disk keeps 2 + 2.
  for (const char* rep : {"main", "audio"}) {
    auto segs = files_in(dir + "/" + rep, ".m4s");
    ASSERT_EQ(segs.size(), 4u) << rep;
    EXPECT_TRUE(g_str_has_suffix(segs.front().c_str(), "-5.m4s")) << segs.front();
    EXPECT_TRUE(g_file_test(init_of(dir + "/" + rep).c_str(), G_FILE_TEST_EXISTS)) << init_of(dir + "/" + rep);
  }
  const std::string mpd = read_file(dir + "/manifest.mpd");
  EXPECT_EQ(count(mpd, "startNumber=\"7\""), 2) << mpd;
  EXPECT_EQ(count(mpd, "<S "), 2 + 2) << "two segments per representation, the last one shorter\n" << mpd;
  // A static MPD of a window starts where the window does.
  EXPECT_NE(mpd.find("<Period id=\"p0\" start=\"PT0S\">"), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("mediaPresentationDuration=\"PT3"), std::string::npos) << mpd;
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                dir + "/manifest.mpd"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("h264"), std::string::npos) << out;
}

TEST_F(DashSink, LiveManifestWhileRunning) {
  // The MPD a player sees mid-stream: dynamic, with the live attributes.
  Media m{.dir = dir, .seconds = 5, .live = true};
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch_line(m).c_str(), &error);
  ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
  g_clear_error(&error);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::string mpd;
  for (int i = 0; i < 100 && mpd.find("<S ") == std::string::npos; ++i) {
    g_usleep(100000);
    mpd = read_file(dir + "/manifest.mpd");
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  for (const char* attr : {"type=\"dynamic\"", "availabilityStartTime=\"", "publishTime=\"", "minimumUpdatePeriod=\"PT2S\"",
                           "timeShiftBufferDepth=\"PT12S\"", "suggestedPresentationDelay=\"", "maxSegmentDuration=\"",
                           "minBufferTime=\"", "UTCTiming"})
    EXPECT_NE(mpd.find(attr), std::string::npos) << attr << "\n" << mpd;
}

TEST_F(DashSink, SeamStartsANewPeriodWithItsOwnInitAndNumbersContinue) {
  Media m{.dir = dir, .seconds = 8, .seam_at_s = 4, .extra = "window=20"};
  auto r = run(m);
  ASSERT_TRUE(r.ok) << r.error;
  const std::string mpd = read_file(dir + "/manifest.mpd");
  EXPECT_EQ(count(mpd, "<Period "), 2) << mpd;
  EXPECT_NE(mpd.find("<Period id=\"p1\" start=\"PT4"), std::string::npos) << mpd;
  EXPECT_TRUE(mpd_names_init(mpd, "main", 1)) << mpd;
  EXPECT_TRUE(mpd_names_init(mpd, "audio", 1)) << mpd;
  EXPECT_EQ(count(mpd, "startNumber=\"3\""), 2) << "numbers continue across the seam\n" << mpd;
  // Each Period's segments play with its own init; together they hold every frame.
  auto video = files_in(dir + "/main", ".m4s");
  ASSERT_EQ(video.size(), 4u);
  int frames = frames_in(concatenate(dir + "/p0.mp4", init_of(dir + "/main"), {video[0], video[1]})) +
               frames_in(concatenate(dir + "/p1.mp4", init_of(dir + "/main", 1), {video[2], video[3]}));
  EXPECT_EQ(frames, 200);
}

TEST_F(DashSink, ASizeChangeStartsANewPeriodToo) {
  // No seam event, only new caps (another SPS, another size): the audio follows into the new
  // Period at its first frame after the change. The audio comes in real time so that it reaches
  // the change after the video (run as fast as possible, it sometimes got to its end first).
  Media m{.dir = dir, .seconds = 8, .audio_live = true, .resize_at_s = 4, .extra = "window=20"};
  auto r = run(m);
  ASSERT_TRUE(r.ok) << r.error;
  const std::string mpd = read_file(dir + "/manifest.mpd");
  EXPECT_EQ(count(mpd, "<Period "), 2) << mpd;
  EXPECT_NE(mpd.find("width=\"320\" height=\"180\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("width=\"160\" height=\"90\""), std::string::npos) << mpd;
  EXPECT_TRUE(mpd_names_init(mpd, "main", 1)) << mpd;
  EXPECT_TRUE(mpd_names_init(mpd, "audio", 1)) << mpd;
  auto video = files_in(dir + "/main", ".m4s");
  ASSERT_GE(video.size(), 4u) << mpd;
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0",
                                concatenate(dir + "/p1.mp4", init_of(dir + "/main", 1), {video.back()})});
  EXPECT_EQ(out, "160,90\n");
}

TEST_F(DashSink, HlsPlaylistsOverTheSameSegmentsWithEveryAudioTrack) {
  Media m{.dir = dir,
          .seconds = 6,
          .bframes = 2,
          .extra = "window=0 hls-master-name=master.m3u8",
          .audio_tracks = {"language-code=en", "language-code=fra,title=\\\"Commentaire\\\""}};
  auto r = run(m);
  ASSERT_TRUE(r.ok) << r.error;
  const std::string master = read_file(dir + "/master.m3u8");
  EXPECT_NE(master.find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES,"
                        "AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio_0/index.m3u8\"\n"),
            std::string::npos)
      << master;
  EXPECT_NE(master.find("NAME=\"Commentaire\",LANGUAGE=\"fr\",DEFAULT=NO"), std::string::npos) << master;
  EXPECT_TRUE(std::regex_search(master, std::regex("#EXT-X-STREAM-INF:BANDWIDTH=[0-9]+,AVERAGE-BANDWIDTH=[0-9]+,CODECS="
                                                   "\"avc1\\.[0-9a-f]{6},mp4a\\.40\\.2\",RESOLUTION=320x180,"
                                                   "FRAME-RATE=25\\.000,AUDIO=\"audio\"\nmain/index.m3u8\n")))
      << master;
  // Every media playlist lists exactly the segments on disk, after the init it names, as VOD.
  for (const char* rep : {"main", "audio_0", "audio_1"}) {
    const std::string playlist = read_file(dir + "/" + rep + "/index.m3u8");
    EXPECT_NE(playlist.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos) << playlist;
    EXPECT_NE(playlist.find("#EXT-X-ENDLIST\n"), std::string::npos) << playlist;
    const std::string init = init_of(dir + "/" + rep);
    EXPECT_NE(playlist.find("#EXT-X-MAP:URI=\"" + init.substr(init.rfind('/') + 1) + "\""), std::string::npos) << playlist;
    EXPECT_EQ(count(playlist, "#EXTINF:"), static_cast<int>(files_in(dir + "/" + rep, ".m4s").size())) << playlist;
  }
  // The MPD has the same tracks, each audio one an AdaptationSet with its language.
  const std::string mpd = read_file(dir + "/manifest.mpd");
  EXPECT_NE(mpd.find("lang=\"en\">\n      <Label>English</Label>"), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("lang=\"fr\">\n      <Label>Commentaire</Label>"), std::string::npos) << mpd;
  // A player reads it: ffprobe finds the video and both audio tracks with their languages, and
  // every video frame decodes.
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name:stream_tags=language",
                                "-of", "compact=p=0", dir + "/master.m3u8"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("codec_name=aac|tag:language=en"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac|tag:language=fr"), std::string::npos) << out;
  auto [frc, frames] = run_command({"ffprobe", "-v", "error", "-select_streams", "v", "-count_frames", "-show_entries",
                                    "stream=nb_read_frames", "-of", "csv=p=0", dir + "/main/index.m3u8"});
  EXPECT_EQ(std::atoi(frames.c_str()), 150) << frames;
}

TEST_F(DashSink, HlsPlaylistsAreEventPlaylistsWhileWritten) {
  Media m{.dir = dir, .seconds = 5, .live = true, .extra = "window=0 hls-master-name=master.m3u8"};
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch_line(m).c_str(), &error);
  ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
  g_clear_error(&error);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::string master, playlist;
  for (int i = 0; i < 100 && master.empty(); ++i) {
    g_usleep(100000);
    master = read_file(dir + "/master.m3u8");
  }
  playlist = read_file(dir + "/main/index.m3u8");
  const std::string mpd = read_file(dir + "/manifest.mpd");
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  // The master appears once every track has its first segment, so each playlist it names plays.
  ASSERT_NE(master.find("main/index.m3u8"), std::string::npos) << master;
  EXPECT_NE(master.find("URI=\"audio/index.m3u8\""), std::string::npos) << master;
  EXPECT_NE(playlist.find("#EXT-X-PLAYLIST-TYPE:EVENT\n"), std::string::npos) << playlist;
  EXPECT_NE(playlist.find("#EXTINF:"), std::string::npos) << playlist;
  EXPECT_EQ(playlist.find("#EXT-X-ENDLIST"), std::string::npos) << playlist;
  EXPECT_NE(read_file(dir + "/audio/index.m3u8").find("#EXTINF:"), std::string::npos);
  // Window 0: the dynamic MPD keeps the whole presentation seekable.
  EXPECT_EQ(mpd.find("timeShiftBufferDepth"), std::string::npos) << mpd;
}

TEST_F(DashSink, StartupDurationsCutTheFirstSegmentsShorter) {
  // A keyframe every second; 4 s segments, but 1, 1 and 2 s first: a film plays sooner.
  Media m{.dir = dir, .seconds = 12, .extra = "window=0 target-duration=4 startup-durations=1,1,2 hls-master-name=m.m3u8"};
  auto r = run(m);
  ASSERT_TRUE(r.ok) << r.error;
  for (const char* rep : {"main", "audio"}) {
    const std::string playlist = read_file(dir + "/" + rep + "/index.m3u8");
    std::vector<long> ms;
    for (size_t p = playlist.find("#EXTINF:"); p != std::string::npos; p = playlist.find("#EXTINF:", p + 1))
      ms.push_back(std::lround(std::atof(playlist.c_str() + p + 8) * 10) * 100);
    ASSERT_EQ(ms.size(), 5u) << playlist;
    EXPECT_EQ(ms, (std::vector<long>{1000, 1000, 2000, 4000, 4000})) << rep << "\n" << playlist;
  }
  EXPECT_NE(read_file(dir + "/main/index.m3u8").find("#EXT-X-TARGETDURATION:4\n"), std::string::npos);
}

TEST_F(DashSink, BadPropertiesFailAtStartWithAClearError) {
  for (auto [extra, expected] : {std::pair{"bitrates=fast", "Bad bitrate 'fast'"},
                                 std::pair{"representations=a/b", "Bad or repeated representation name 'a/b'"},
                                 std::pair{"representations=audio", "Bad or repeated representation name 'audio'"},
                                 std::pair{"representations=a,b", "representations names 2 renditions"},
                                 std::pair{"mpd-name=../x.mpd", "Bad mpd-name"},
                                 std::pair{"hls-master-name=a/b.m3u8", "Bad hls-master-name"},
                                 std::pair{"startup-durations=1,x", "Bad startup-durations"},
                                 std::pair{"startup-durations=1,9", "Bad startup-durations"},
                                 std::pair{"part-duration=0.1 hls-master-name=m.m3u8", "Bad part-duration 0.1"},
                                 std::pair{"part-duration=2.5 hls-master-name=m.m3u8", "Bad part-duration 2.5"},
                                 std::pair{"part-duration=0.5", "part-duration needs hls-master-name"}}) {
    Media m{.dir = dir, .seconds = 1, .extra = extra};
    auto r = run(m, 20);
    EXPECT_FALSE(r.ok) << extra;
    EXPECT_NE(r.error.find(expected), std::string::npos) << extra << ": " << r.error;
  }
  Media m{.dir = "", .seconds = 1};
  auto r = run(m, 20);
  EXPECT_NE(r.error.find("No location set"), std::string::npos) << r.error;
}

TEST_F(DashSink, AWriteFailureNamesTheFileAndTheReason) {
  // The representation directory vanishes under the running element: the next segment cannot
  // be created, and the error says which file and why.
  Media m{.dir = dir, .seconds = 6, .live = true};
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch_line(m).c_str(), &error);
  ASSERT_NE(pipeline, nullptr);
  g_clear_error(&error);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  for (int i = 0; i < 50 && !g_file_test((dir + "/main").c_str(), G_FILE_TEST_IS_DIR); ++i) g_usleep(100000);
  run_command({"rm", "-rf", dir + "/main"});
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg = gst_bus_timed_pop_filtered(bus, 20 * GST_SECOND,
                                               static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
  ASSERT_NE(msg, nullptr);
  ASSERT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR);
  GError* err = nullptr;
  gst_message_parse_error(msg, &err, nullptr);
  EXPECT_NE(std::string(err->message).find(dir + "/main/"), std::string::npos) << err->message;
  EXPECT_NE(std::string(err->message).find("No such file or directory"), std::string::npos) << err->message;
  g_clear_error(&err);
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

namespace {

// What the LL-HLS hold would be told, as kek provides it (the kek.services context): every file
// and playlist notice in order, each playlist's text as it was at that moment.
struct NoticeLog final : kek::dash::LlNotices, kek::Services {
  struct Notice {
    bool playlist = false;
    std::string path;
    bool existed = false;  // file_written: the file was in place when told
    std::string text;      // playlist_written: its text then
    kek::dash::LlPlaylistState state;
  };
  void playlist_written(const kek::dash::LlPlaylistState& state) override {
    std::lock_guard lock(mu);
    notices.push_back({true, state.path, true, read_file(state.path), state});
  }
  void file_written(const std::string& path) override {
    std::lock_guard lock(mu);
    notices.push_back({false, path, g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR) != 0, "", {}});
  }
  void provide(const std::string&, void*) override {}
  void* lookup(const std::string& name) const override {
    return name == kek::dash::LlNotices::kName ? static_cast<kek::dash::LlNotices*>(const_cast<NoticeLog*>(this))
                                               : nullptr;
  }
  void set_on(GstElement* pipeline) { kek::give_services(pipeline, *this); }
  std::mutex mu;
  std::vector<Notice> notices;
};

uint32_t be32(const std::string& b, size_t at) {
  auto u = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(b[at + i])); };
  return u(0) << 24 | u(1) << 16 | u(2) << 8 | u(3);
}

// Top-level boxes of a file: (type, offset).
std::vector<std::pair<std::string, size_t>> boxes_of(const std::string& b) {
  std::vector<std::pair<std::string, size_t>> out;
  for (size_t at = 0; at + 8 <= b.size();) {
    const uint32_t size = be32(b, at);
    if (size < 8) break;
    out.push_back({b.substr(at + 4, 4), at});
    at += size;
  }
  return out;
}

struct Chunk {
  uint32_t sequence = 0;
  bool starts_with_sync = false;
};

// A part file: moof (mfhd, traf (tfhd, tfdt, trun)) + mdat, as fmp4.cpp writes them.
std::optional<Chunk> chunk_of(const std::string& part) {
  auto top = boxes_of(part);
  if (top.size() != 2 || top[0].first != "moof" || top[1].first != "mdat") return std::nullopt;
  const size_t moof = top[0].second;
  Chunk c;
  c.sequence = be32(part, moof + 8 + 12);  // mfhd: header, version/flags, sequence_number
  const size_t traf = moof + 8 + be32(part, moof + 8);
  const size_t tfhd = traf + 8, tfdt = tfhd + be32(part, tfhd), trun = tfdt + be32(part, tfdt);
  if (part.substr(trun + 4, 4) != "trun") return std::nullopt;
  const uint32_t flags = be32(part, trun + 8) & 0xffffff;
  // Video: per-sample flags (0x400); audio has none, every sample a sync one.
  c.starts_with_sync = !(flags & 0x400) || (be32(part, trun + 20 + 8) & 0x00010000) == 0;
  return c;
}

struct ListedPart {
  double duration = 0;
  std::string uri;
  bool independent = false;
};
struct ListedSegmentText {
  double duration = 0;
  std::string uri;
  std::vector<ListedPart> parts;
};
struct MediaPlaylistText {
  std::vector<ListedSegmentText> segments;
  std::vector<ListedPart> open_parts;
  std::string hint;
};

MediaPlaylistText parse_media(const std::string& text) {
  MediaPlaylistText p;
  std::vector<ListedPart> parts;
  double extinf = -1;
  std::istringstream in(text);
  const std::regex part_re("#EXT-X-PART:DURATION=([0-9.]+),URI=\"([^\"]+)\"(,INDEPENDENT=YES)?");
  const std::regex hint_re("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"([^\"]+)\"");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, part_re)) {
      parts.push_back({std::atof(m[1].str().c_str()), m[2], m[3].matched});
    } else if (std::regex_match(line, m, hint_re)) {
      p.hint = m[1];
    } else if (line.starts_with("#EXTINF:")) {
      extinf = std::atof(line.c_str() + 8);
    } else if (!line.empty() && line[0] != '#') {
      p.segments.push_back({extinf, line, std::move(parts)});
      parts.clear();
    }
  }
  p.open_parts = std::move(parts);
  return p;
}

}  // namespace

// LL-HLS over the same CMAF segments: each segment is also written as parts (a keyframe every
// second, 2 s segments, 0.5 s parts), and the segment is its styp and then exactly its parts'
// bytes; the playlists, rewritten after every part, name parts that exist, whose durations add
// up to the segment's, and hint at the part written next; ordinary readers play them.
TEST_F(DashSink, LlHlsPartsAreTheSegmentsBytesAndThePlaylistsNameThem) {
  NoticeLog log;
  // The audio in real time, as a publisher interleaves it: otherwise one track may be done
  // before the other's first buffer fixes the origin, and its parts all go out at its end.
  Media m{.dir = dir,
          .seconds = 6,
          .audio_live = true,
          .extra = "window=20 hls-master-name=index.m3u8 part-duration=0.5",
          .before_play = [&](GstElement* pipeline) { log.set_on(pipeline); }};
  auto r = run(m);
  ASSERT_TRUE(r.ok) << r.error;

  for (const std::string rep : {"main", "audio"}) {
    SCOPED_TRACE(rep);
    const std::string folder = dir + "/" + rep;
    const double frame = rep == "main" ? 0.040 : 1024.0 / 48000;
    const std::string text = read_file(folder + "/index.m3u8");
    EXPECT_NE(text.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500\n"), std::string::npos) << text;
    EXPECT_NE(text.find("#EXT-X-PART-INF:PART-TARGET=0.500\n"), std::string::npos) << text;
    EXPECT_NE(text.find("#EXT-X-ENDLIST\n"), std::string::npos) << text;
    MediaPlaylistText p = parse_media(text);
    ASSERT_EQ(p.segments.size(), 3u) << text;
    uint32_t last_sequence = 0;
    for (size_t s = 0; s < p.segments.size(); ++s) {
      const auto& seg = p.segments[s];
      SCOPED_TRACE(seg.uri);
      ASSERT_GE(seg.parts.size(), 4u) << text;
      double sum = 0;
      std::string joined;
      for (size_t k = 0; k < seg.parts.size(); ++k) {
        const auto& part = seg.parts[k];
        sum += part.duration;
        // <run>-<n>.<k>.m4s beside <run>-<n>.m4s
        EXPECT_EQ(part.uri, seg.uri.substr(0, seg.uri.size() - 4) + "." + std::to_string(k) + ".m4s");
        const std::string bytes = read_file(folder + "/" + part.uri);
        ASSERT_FALSE(bytes.empty()) << part.uri << " is not on disk";
        auto chunk = chunk_of(bytes);
        ASSERT_TRUE(chunk.has_value()) << part.uri;
        // mfhd counts chunks, on across parts and segments.
        EXPECT_EQ(chunk->sequence, last_sequence + 1) << part.uri;
        last_sequence = chunk->sequence;
        EXPECT_EQ(part.independent, chunk->starts_with_sync) << part.uri;
        // Never past the part target; at least 85% of it but for a segment's last part.
        EXPECT_LE(part.duration, 0.5) << part.uri;
        if (k + 1 < seg.parts.size()) {
          EXPECT_GE(part.duration, 0.425) << part.uri;
        }
        joined += bytes;
      }
      EXPECT_TRUE(seg.parts[0].independent) << "a segment starts with a keyframe";
      EXPECT_NEAR(sum, seg.duration, frame + 0.002) << text;
      const std::string segment = read_file(folder + "/" + seg.uri);
      auto top = boxes_of(segment);
      ASSERT_FALSE(top.empty());
      ASSERT_EQ(top[0].first, "styp");
      EXPECT_TRUE(segment.substr(be32(segment, 0)) == joined) << "the segment is its styp and its parts' bytes";
    }
    // A player reads the first segment's parts alone (init + parts) frame for frame like the
    // segment itself.
    const std::string init = init_of(folder);
    std::vector<std::string> parts;
    for (const auto& part : p.segments[0].parts) parts.push_back(folder + "/" + part.uri);
    const int from_parts = frames_in(concatenate(dir + "/" + rep + "-parts.mp4", init, parts));
    EXPECT_GT(from_parts, 0);
    EXPECT_EQ(from_parts, frames_in(concatenate(dir + "/" + rep + "-seg.mp4", init, {folder + "/" + p.segments[0].uri})));
  }
  // ffprobe (no LL-HLS) reads the same master and every frame of the media playlist.
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                dir + "/index.m3u8"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("h264"), std::string::npos) << out;
  EXPECT_NE(out.find("aac"), std::string::npos) << out;
  auto [frc, frames] = run_command({"ffprobe", "-v", "error", "-select_streams", "v", "-count_frames", "-show_entries",
                                    "stream=nb_read_frames", "-of", "csv=p=0", dir + "/main/index.m3u8"});
  EXPECT_EQ(std::atoi(frames.c_str()), 150) << frames;

  // The notices, in order per folder: each part in place before a playlist lists it, each hint
  // naming the next file written there (a part, or a whole segment that ended without it).
  std::lock_guard lock(log.mu);
  std::map<std::string, std::vector<const NoticeLog::Notice*>> by_folder;
  for (const auto& n : log.notices) by_folder[n.path.substr(0, n.path.rfind('/'))].push_back(&n);
  for (const std::string rep : {"main", "audio"}) {
    SCOPED_TRACE(rep);
    const std::string folder = dir + "/" + rep;
    const auto& notices = by_folder[folder];
    std::set<std::string> written;
    int playlists = 0, hints = 0, with_open_parts = 0;
    for (size_t i = 0; i < notices.size(); ++i) {
      const auto& n = *notices[i];
      if (!n.playlist) {
        EXPECT_TRUE(n.existed) << n.path;
        written.insert(n.path.substr(folder.size() + 1));
        continue;
      }
      ++playlists;
      EXPECT_EQ(n.path, folder + "/index.m3u8");
      MediaPlaylistText p = parse_media(n.text);
      for (const auto& seg : p.segments)
        for (const auto& part : seg.parts) EXPECT_TRUE(written.count(part.uri)) << part.uri << " listed before written";
      for (const auto& part : p.open_parts) EXPECT_TRUE(written.count(part.uri)) << part.uri << " listed before written";
      EXPECT_EQ(n.state.part_target_ns, 500000000u);
      EXPECT_EQ(n.state.target_ns, 2000000000u);
      if (!p.open_parts.empty()) {
        ++with_open_parts;
        // The newest part: segment msn + 1 (MSN 0 is segment 1), part `part`.
        const std::string last = p.open_parts.back().uri;
        EXPECT_TRUE(last.ends_with("-" + std::to_string(n.state.msn + 1) + "." + std::to_string(n.state.part) + ".m4s"))
            << last << " msn " << n.state.msn << " part " << n.state.part;
      } else {
        EXPECT_EQ(n.state.part, -1);
      }
      if (p.hint.empty()) {
        EXPECT_TRUE(n.state.ended) << n.text;
        continue;
      }
      ++hints;
      EXPECT_FALSE(n.state.ended);
      // The next file written here, unless the stream ends first (EOS: no more parts).
      auto next = std::find_if(notices.begin() + static_cast<long>(i) + 1, notices.end(),
                               [](auto* x) { return !x->playlist || x->state.ended; });
      ASSERT_NE(next, notices.end()) << "nothing after the hint " << p.hint;
      if (!(*next)->playlist) {
        EXPECT_EQ((*next)->path, folder + "/" + p.hint) << n.text;
      }
    }
    EXPECT_GE(playlists, 12);
    EXPECT_GE(with_open_parts, 6);
    EXPECT_GE(hints, playlists - 1);
    ASSERT_FALSE(notices.empty());
    EXPECT_TRUE(notices.back()->playlist && notices.back()->state.ended);
  }
}

// Every live segment is dated (EXT-X-PROGRAM-DATE-TIME) and the audio and video playlists map
// dates to media time the same way (RFC 8216bis 6.2.4): hls.js aligns the audio playlist with
// the video one by the dates on every reload. Undated, it aligns them by media sequence number
// and in 1.7 adds the video playlist's start on top of the audio's each time the window slides:
// the audio timeline ran 2 s further from the video's at every reload, the player fetched the
// wrong audio parts and stalled (bench/latency.sh, kek-srt-llhls and kek-llhls, 2026-12-03).
TEST_F(DashSink, LiveHlsSegmentsAreDatedAlikeInEveryRendition) {
  constexpr int64_t kAacFrameUs = 1024 * 1000000 / 48000 + 1000;  // one AAC frame at 48 kHz, +1 ms
  const int64_t before_us = g_get_real_time();
  Media m{.dir = dir, .seconds = 8, .audio_live = true, .extra = "window=3 hls-master-name=index.m3u8 part-duration=0.5"};
  auto r = run(m);
  ASSERT_TRUE(r.ok) << r.error;
  const int64_t after_us = g_get_real_time();
  // uri -> (date, EXTINF) per rendition
  std::map<std::string, std::map<uint64_t, std::pair<int64_t, double>>> dated;
  for (const std::string rep : {"main", "audio"}) {
    SCOPED_TRACE(rep);
    const std::string text = read_file(dir + "/" + rep + "/index.m3u8");
    std::istringstream in(text);
    int64_t date = -1;  // the date of the segment being read; -1: none yet
    double extinf = -1;
    int undated = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("#EXT-X-PROGRAM-DATE-TIME:")) {
        g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(line.c_str() + 25, nullptr);
        ASSERT_NE(t, nullptr) << line;
        date = g_date_time_to_unix(t) * 1000000 + g_date_time_get_microsecond(t);
      } else if (line.starts_with("#EXTINF:")) {
        extinf = std::atof(line.c_str() + 8);
      } else if (!line.empty() && line[0] != '#') {
        if (date < 0) ++undated;
        else dated[rep][std::atoll(line.c_str() + line.rfind('-') + 1)] = {date, extinf};
        date = -1;
      }
    }
    EXPECT_EQ(undated, 0) << text;
    ASSERT_EQ(dated[rep].size(), 3u) << text;
    // One timeline: each date is the one before plus that segment's EXTINF.
    for (auto it = dated[rep].begin(); std::next(it) != dated[rep].end(); ++it)
      EXPECT_NEAR(std::next(it)->second.first - it->second.first, it->second.second * 1e6, 1500) << text;
    // On the wall clock of this run (media time ran about as fast as it: the audio is live). A
    // segment's date is its first sample's media time on that clock, and audio media time comes
    // in AAC frames: the last audio segment (its frames drained at EOS) may start up to one frame
    // past what the clock had reached when the run returned (seen: 4 ms past, in CI).
    for (const auto& [n, d] : dated[rep]) {
      EXPECT_GE(d.first, before_us - 1000000) << n;
      EXPECT_LE(d.first, after_us + kAacFrameUs) << n;
    }
  }
  // Each audio segment starts with the first AAC frame at/after its video segment's start (at
  // EOS the audio's window may be one segment on: its last frames make one more).
  int both = 0;
  for (const auto& [n, d] : dated["main"]) {
    if (!dated["audio"].count(n)) continue;
    ++both;
    const int64_t late = dated["audio"][n].first - d.first;
    EXPECT_GE(late, -1000) << "segment " << n;
    EXPECT_LE(late, kAacFrameUs) << "segment " << n;
  }
  EXPECT_GE(both, 2);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
