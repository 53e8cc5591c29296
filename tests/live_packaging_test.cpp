// Live packaging end to end: a published stream becomes HLS with a ladder and a master
// playlist, DASH, and a recording that survives a crash.
#include "support/http_client.h"
#include "support/kek_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <memory>

using namespace kek::test;

namespace {

bool wait_for(const std::function<bool()>& done, int timeout_ms) {
  const int64_t deadline = g_get_monotonic_time() + int64_t{timeout_ms} * 1000;
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    g_usleep(100000);
  }
  return true;
}

std::string read_file(const std::string& path) {
  g_autofree char* text = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &text, &len, nullptr)) return "";
  return std::string(text, len);
}

std::vector<std::string> files_in(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    while (const char* name = g_dir_read_name(d))
      if (g_str_has_suffix(name, suffix.c_str())) out.push_back(dir + "/" + name);
    g_dir_close(d);
  }
  return out;
}

double ffprobe_duration(const std::string& file) {
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file});
  return rc == 0 ? std::atof(out.c_str()) : -1;
}

// ffmpeg encoding a test pattern and/or a tone, in real time, to url.
std::unique_ptr<BackgroundProcess> publish(const std::string& url, int seconds, bool video = true, bool audio = true) {
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-re"};
  if (video) argv.insert(argv.end(), {"-f", "lavfi", "-i", "testsrc=size=320x180:rate=25"});
  if (audio) argv.insert(argv.end(), {"-f", "lavfi", "-i", "sine"});
  argv.insert(argv.end(), {"-t", std::to_string(seconds)});
  if (video) argv.insert(argv.end(), {"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p"});
  if (audio) argv.insert(argv.end(), {"-c:a", "aac"});
  argv.insert(argv.end(), {"-f", "flv", url});
  return std::make_unique<BackgroundProcess>(argv);
}

struct Templates {
  std::string dir = make_temp_dir();
  ~Templates() { remove_tree(dir); }
  void add(const std::string& name, const std::string& yaml) {
    g_file_set_contents((dir + "/" + name + ".yaml").c_str(), yaml.c_str(), -1, nullptr);
  }
};

std::string config(const Templates& t, const std::string& app_template) {
  return "template_dirs: [" + t.dir + ", " + KEK_SOURCE_DIR + "/pipelines]\n"
         "plugins:\n  - name: rtmp\n    args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0, keys: [\"cam:cam-key-001\"],"
         " apps: {live: " + app_template + "}}\n";
}

}  // namespace

TEST(LivePackaging, DashManifestAndARecordingFinalizedOnUnpublish) {
  Templates t;
  t.add("dashrec", "name: dashrec\nsource: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [dash, record]\n");
  KekProcess kek({.extra_yaml = config(t, "dashrec")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish(kek.endpoint("rtmp") + "/cam-key-001", 6);
  const std::string mpd = kek.media_dir() + "/live/cam/dash/manifest.mpd";
  ASSERT_TRUE(wait_for([&] { return read_file(mpd).find("<MPD") != std::string::npos; }, 20000)) << kek.output();
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                "compact=p=0", kek.http_url() + "media/live/cam/dash/manifest.mpd"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("codec_name=h264|width=320|height=180"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac"), std::string::npos) << out;
  EXPECT_EQ(pub->wait(30000), 0) << pub->output();
  ASSERT_TRUE(wait_for([&] { return kek.output().find("recording of stream 'cam' finished") != std::string::npos; }, 15000))
      << kek.output();
  auto recordings = files_in(kek.media_dir() + "/recordings/cam", ".mp4");
  ASSERT_EQ(recordings.size(), 1u);
  const double duration = ffprobe_duration(recordings[0]);
  EXPECT_NEAR(duration, 6.0, 2.0) << recordings[0];
}

TEST(LivePackaging, ARecordingSurvivesSigkill) {
  Templates t;
  t.add("rec", "name: rec\nsource: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [record]\n");
  KekProcess kek({.extra_yaml = config(t, "rec")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish(kek.endpoint("rtmp") + "/cam-key-001", 30);
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/pipelines/live-cam").body.find("\"running\"") != std::string::npos; }, 15000));
  const int64_t started = g_get_monotonic_time();
  g_usleep(6 * G_USEC_PER_SEC);
  const double recorded_s = static_cast<double>(g_get_monotonic_time() - started) / G_USEC_PER_SEC;
  kek.signal(SIGKILL);  // no EOS, no finalizing: only what robust muxing already wrote
  kek.wait_exit(5000);
  auto recordings = files_in(kek.media_dir() + "/recordings/cam", ".mp4");
  ASSERT_EQ(recordings.size(), 1u);
  const double duration = ffprobe_duration(recordings[0]);
  EXPECT_NEAR(duration, recorded_s, 2.0) << "a killed recording is still readable, up to the last moov update";
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", recordings[0]});
  EXPECT_NE(out.find("h264"), std::string::npos) << out;
}

TEST(LivePackaging, AudioOnlyAndVideoOnlyStreamsWork) {
  Templates t;
  t.add("dashonly", "name: dashonly\nsource: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [dash]\n");
  for (const auto& [video, audio, expect, absent] : {std::tuple{false, true, "aac", "h264"}, {true, false, "h264", "aac"}}) {
    KekProcess kek({.extra_yaml = config(t, "dashonly")});
    ASSERT_TRUE(kek.ready()) << kek.output();
    auto pub = publish(kek.endpoint("rtmp") + "/cam-key-001", 6, video, audio);
    const std::string mpd = kek.media_dir() + "/live/cam/dash/manifest.mpd";
    ASSERT_TRUE(wait_for([&] { return read_file(mpd).find("<MPD") != std::string::npos; }, 20000))
        << expect << "\n" << kek.output();
    auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                  kek.http_url() + "media/live/cam/dash/manifest.mpd"});
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find(expect), std::string::npos) << out;
    EXPECT_EQ(out.find(absent), std::string::npos) << out;
    EXPECT_EQ(pub->wait(30000), 0) << pub->output();
  }
}
