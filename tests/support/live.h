// What the live-streaming integration tests share: a real ffmpeg publisher of a small test
// stream, a folder of extra pipeline templates, and the config that maps app `live` to one.
#pragma once

#include "support/kek_process.h"

#include <glib.h>

#include <memory>
#include <string>
#include <vector>

namespace kek::test {

// ffmpeg encoding a 320x180 test pattern and/or a tone, in real time, to url; a keyframe every
// `gop` frames (25 fps).
inline std::unique_ptr<BackgroundProcess> publish_test_stream(const std::string& url, int seconds, bool video = true,
                                                              bool audio = true, int gop = 50) {
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-re"};
  if (video) argv.insert(argv.end(), {"-f", "lavfi", "-i", "testsrc=size=320x180:rate=25"});
  if (audio) argv.insert(argv.end(), {"-f", "lavfi", "-i", "sine"});
  argv.insert(argv.end(), {"-t", std::to_string(seconds)});
  if (video)
    argv.insert(argv.end(), {"-c:v", "libx264", "-preset", "ultrafast", "-g", std::to_string(gop), "-pix_fmt", "yuv420p"});
  if (audio) argv.insert(argv.end(), {"-c:a", "aac"});
  argv.insert(argv.end(), {"-f", "flv", url});
  return std::make_unique<BackgroundProcess>(argv);
}

// Pipeline templates written for one test, removed with it.
struct TemplateDir {
  std::string dir = make_temp_dir();
  ~TemplateDir() { remove_tree(dir); }
  void add(const std::string& name, const std::string& yaml) {
    g_file_set_contents((dir + "/" + name + ".yaml").c_str(), yaml.c_str(), -1, nullptr);
  }
};

// The rtmp plugin on free ports with key cam-key-001 (stream "cam") and app live -> the template.
inline std::string live_app_config(const TemplateDir& t, const std::string& app_template) {
  return "template_dirs: [" + t.dir + ", " + KEK_SOURCE_DIR + "/pipelines]\n"
         "plugins:\n  - name: rtmp\n    args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0, keys: [\"cam:cam-key-001\"],"
         " apps: {live: " + app_template + "}}\n";
}

}  // namespace kek::test
