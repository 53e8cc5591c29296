// What the live-streaming integration tests share: a real ffmpeg publisher of a small test
// stream, a folder of extra pipeline templates, the config that maps app `live` to one, an
// account with a stream key, and an account publishing a public and a private stream.
#pragma once

#include "support/browser.h"
#include "support/kek_process.h"
#include "support/wait.h"

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

// A stream key of a signed-in account (POST /api/me/stream-keys, as Studio makes one): the
// secret the publisher sends and the stream's public name; or, both empty, what went wrong.
struct StreamKey {
  std::string key, stream;
  std::string failure;
};

inline StreamKey make_stream_key(kek::auth::test::Browser& user, const std::string& name, const std::string& visibility) {
  auto created = user.post("/api/me/stream-keys", R"({"name":")" + name + R"(","visibility":")" + visibility + R"("})");
  if (created.status != 201)
    return {"", "", "making the stream key " + name + ": " + std::to_string(created.status) + " " + created.body};
  StreamKey made{kek::auth::test::json_field(created.body, "key").value_or(""),
                 kek::auth::test::json_field(created.body, "stream").value_or("")};
  if (made.key.empty() || made.stream.empty()) return {"", "", "no key and stream in " + created.body};
  return made;
}

// `publisher` signs up as `username` and makes one stream key (public unless said otherwise),
// as a streamer does before going live: where a test of a publishing account starts.
//   auto key = account_with_stream_key(carol, "carol", kPassword);
//   ASSERT_TRUE(key.failure.empty()) << key.failure;
inline StreamKey account_with_stream_key(kek::auth::test::Browser& publisher, const std::string& username,
                                         const std::string& password, const std::string& key_name = "OBS",
                                         const std::string& visibility = "public") {
  if (auto signed_up = publisher.register_user(username, password); signed_up.status != 201)
    return {"", "", "registering " + username + ": " + std::to_string(signed_up.status) + " " + signed_up.body};
  return make_stream_key(publisher, key_name, visibility);
}

// One account's public and private streams, both publishing and playing.
struct PublicAndPrivateLive {
  std::string failure;  // empty: both playlists are served; else what went wrong
  StreamKey open, family;
  std::unique_ptr<BackgroundProcess> open_publisher, family_publisher;
};

// Registers `user` as anna, makes her a public and a private stream key, publishes a test stream
// (keyframe every second) for `seconds` on each over the kek's RTMP and waits until both HLS
// playlists are served to her: where the tests of a live output's access rules start.
inline PublicAndPrivateLive publish_public_and_private(const KekProcess& kek, kek::auth::test::Browser& user,
                                                       int seconds, int timeout_ms) {
  PublicAndPrivateLive live;
  live.open = account_with_stream_key(user, "anna", "a-long-secret-phrase", "public", "public");
  if (!live.open.failure.empty()) {
    live.failure = live.open.failure;
    return live;
  }
  live.family = make_stream_key(user, "private", "private");
  if (!live.family.failure.empty()) {
    live.failure = live.family.failure;
    return live;
  }
  live.open_publisher = publish_test_stream(kek.endpoint("rtmp") + "/" + live.open.key, seconds, true, true, 25);
  live.family_publisher = publish_test_stream(kek.endpoint("rtmp") + "/" + live.family.key, seconds, true, true, 25);
  if (!wait_for([&] {
        return user.get("/media/live/" + live.open.stream + "/index.m3u8").status == 200 &&
               user.get("/media/live/" + live.family.stream + "/index.m3u8").status == 200;
      }, timeout_ms))
    live.failure = "the playlists of " + live.open.stream + " and " + live.family.stream + " not both served after " +
                   std::to_string(timeout_ms) + " ms";
  return live;
}

}  // namespace kek::test
