// Real OBS Studio (Debian's obs-studio) streams to KEK as a streamer would set it up: a profile
// with KEK's server URL and a stream key from a KEK account, a scene with a colour source, x264
// with OBS's defaults (simple output mode, keyframe interval "auto": x264's 250 frames, 8.3 s at
// 30 fps), started with --startstreaming under Xvfb (Mesa's llvmpipe gives it OpenGL).
// What a user would see: the stream is live in /api/live, its keyframe interval is measured at
// about 8.3 s, its HLS plays (ffprobe), and the condition for Studio's warning (the keyframe
// interval exceeds the segment length, so every segment is 8.3 s and viewers sit ~25 s behind)
// is true in the fields the web UI reads. Skipped, saying why, when obs or Xvfb is not installed
// (scripts/dev.sh test installs both).
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <glib/gstdio.h>

#include <fstream>
#include <memory>
#include <string>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;
using kek::auth::test::json_number;

namespace {

void write_text(const std::string& path, const std::string& text) {
  g_autofree char* dir = g_path_get_dirname(path.c_str());
  g_mkdir_with_parents(dir, 0700);
  std::ofstream(path, std::ios::binary) << text;
}

// OBS's own files, as OBS 29 writes them once a streamer has set it up: global.ini names the
// profile and the scene collection (FirstRun set: no auto-configuration wizard), the profile's
// basic.ini (320x180 at 30 fps, simple output mode with x264 and nothing else changed) and
// service.json (a custom RTMP server), the scene collection with one colour source.
void write_obs_config(const std::string& config_dir, const std::string& server, const std::string& key) {
  const std::string obs = config_dir + "/obs-studio";
  write_text(obs + "/global.ini",
             "[General]\nFirstRun=true\nLastVersion=486539266\nConfirmOnExit=false\n\n"
             "[Basic]\nProfile=KEK\nProfileDir=KEK\nSceneCollection=KEK\nSceneCollectionFile=KEK\n");
  write_text(obs + "/basic/profiles/KEK/basic.ini",
             "[General]\nName=KEK\n\n"
             "[Video]\nBaseCX=320\nBaseCY=180\nOutputCX=320\nOutputCY=180\nFPSType=0\nFPSCommon=30\n\n"
             "[Output]\nMode=Simple\n\n"
             "[SimpleOutput]\nStreamEncoder=x264\nVBitrate=500\nABitrate=96\n");
  write_text(obs + "/basic/profiles/KEK/service.json",
             "{\"type\":\"rtmp_custom\",\"settings\":{\"server\":\"" + server + "\",\"key\":\"" + key +
                 "\",\"use_auth\":false,\"bwtest\":false}}\n");
  write_text(obs + "/basic/scenes/KEK.json", R"({"name":"KEK","current_scene":"Scene","current_program_scene":"Scene",
 "scene_order":[{"name":"Scene"}],
 "sources":[
  {"id":"scene","versioned_id":"scene","name":"Scene","settings":{"id_counter":1,"custom_size":false,
   "items":[{"name":"Colour","visible":true,"locked":false,"id":1,"pos":{"x":0,"y":0},"scale":{"x":1,"y":1},"rot":0,
             "align":5,"bounds_type":0,"bounds_align":0,"bounds":{"x":0,"y":0},
             "crop_left":0,"crop_top":0,"crop_right":0,"crop_bottom":0}]}},
  {"id":"color_source","versioned_id":"color_source_v3","name":"Colour",
   "settings":{"color":4278255360,"width":320,"height":180}}],
 "transitions":[],"current_transition":"Fade","transition_duration":300,"groups":[],"quick_transitions":[],
 "saved_projectors":[],"modules":{}}
)");
}

// The OBS log (what it says about OpenGL, x264 and the connection), for failure messages.
std::string obs_logs(const std::string& config_dir) {
  std::string out;
  const std::string dir = config_dir + "/obs-studio/logs";
  g_autoptr(GDir) d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return out;
  while (const char* name = g_dir_read_name(d)) {
    g_autofree char* text = nullptr;
    if (g_file_get_contents((dir + "/" + name).c_str(), &text, nullptr, nullptr)) out += text;
  }
  return out.size() > 6000 ? out.substr(out.size() - 6000) : out;
}

}  // namespace

TEST(ObsStudio, DefaultX264StreamIsLiveWithItsKeyframeIntervalMeasuredAndWarnedAbout) {
  g_autofree char* obs_path = g_find_program_in_path("obs");
  g_autofree char* xvfb_path = g_find_program_in_path("Xvfb");
  if (!obs_path || !xvfb_path) GTEST_SKIP() << "obs-studio or xvfb is not installed (scripts/dev.sh test installs them)";
  KekOptions o;
  o.extra_yaml = "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();

  // A streamer's account and key, as Studio gives them.
  Browser streamer(kek.http_url());
  const StreamKey made = account_with_stream_key(streamer, "obsuser", "a-long-secret-phrase");
  ASSERT_TRUE(made.failure.empty()) << made.failure;
  const std::string& key = made.key;
  const std::string& stream = made.stream;

  const std::string home = make_temp_dir();
  struct Cleanup {
    std::string dir;
    ~Cleanup() { remove_tree(dir); }
  } cleanup{home};
  const std::string config = home + "/.config";
  write_obs_config(config, kek.endpoint("rtmp"), key);

  // A display of its own: Xvfb picks a free number and writes it to its stdout.
  auto xvfb = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{"Xvfb", "-displayfd", "1", "-screen", "0", "1280x720x24", "-nolisten", "tcp"});
  std::string display;
  ASSERT_TRUE(wait_for([&] {
    const std::string out = xvfb->output();
    const auto digits = out.find_first_of("0123456789");
    if (digits == std::string::npos || out.find('\n', digits) == std::string::npos) return false;
    display = ":" + std::to_string(std::atoi(out.c_str() + digits));
    return true;
  }, 15000)) << "Xvfb did not start: " << xvfb->output();

  auto obs = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{"obs", "--startstreaming", "--minimize-to-tray", "--multi", "--disable-shutdown-check",
                               "--disable-missing-files-check", "--profile", "KEK", "--collection", "KEK"},
      std::vector<std::string>{"DISPLAY=" + display, "HOME=" + home, "XDG_CONFIG_HOME=" + config, "LIBGL_ALWAYS_SOFTWARE=1",
                               "QT_QPA_PLATFORM=xcb"});

  // Live in /api/live, with OBS's keyframe interval measured from the stream (two keyframes).
  HttpResult live;
  ASSERT_TRUE(wait_for([&] {
    live = http_get(kek.http_url(), "/api/live");
    return json_field(live.body, "0.stream") == stream && json_number(live.body, "0.keyframe_interval_s").has_value();
  }, 40000)) << live.body << "\nOBS: " << obs->output() << obs_logs(config) << "\nkek: " << kek.output();
  const double keyframe = *json_number(live.body, "0.keyframe_interval_s");
  EXPECT_NEAR(keyframe, 250.0 / 30.0, 0.2) << "x264's default keyint 250 at 30 fps: " << live.body;
  EXPECT_EQ(json_field(live.body, "0.state"), "live") << live.body;
  EXPECT_EQ(json_field(live.body, "0.width"), "320") << live.body;
  EXPECT_EQ(json_field(live.body, "0.video_format").value_or("").rfind("H.264", 0), 0u) << live.body;
  // Studio's warning (webui widgets/stream-health healthWarnings): keyframe > segment_s + 0.05.
  const auto segment = json_number(live.body, "0.segment_s");
  ASSERT_TRUE(segment.has_value()) << live.body;
  EXPECT_GT(keyframe, *segment + 0.05) << "Studio warns: the segments cannot be shorter than the keyframe interval";

  // Its HLS plays: ffprobe reads the live playlist and finds OBS's H.264 picture.
  const std::string playlist = json_field(live.body, "0.playlist").value_or("");
  ASSERT_FALSE(playlist.empty()) << live.body;
  std::string base = kek.http_url();
  if (!base.empty() && base.back() == '/') base.pop_back();
  std::pair<int, std::string> probe;
  ASSERT_TRUE(wait_for([&] {
    probe = run_command({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height",
                         "-of", "csv=p=0", base + playlist},
                        20000);
    return probe.first == 0 && probe.second.find("h264,320,180") != std::string::npos;
  }, 30000)) << probe.second << "\nkek: " << kek.output();

  obs->kill_now(SIGKILL);
  obs->wait(5000);
  xvfb->kill_now(SIGTERM);
  xvfb->wait(5000);
}
