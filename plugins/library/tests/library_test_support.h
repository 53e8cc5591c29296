// What the library's integration tests share: a kek serve with auth + library, a small film made
// by ffmpeg, an upload through tus, waiting for an item's state.
#pragma once

#include "support/browser.h"
#include "support/kek_process.h"
#include "support/tus_client.h"
#include "support/wait.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace kek::library::test {

using kek::auth::test::Browser;
using kek::auth::test::json_field;
using namespace kek::test;

inline KekOptions library_options(const std::string& library_args = "") {
  KekOptions o;
  o.extra_yaml = "plugins:\n  - {name: auth}\n  - {name: library, args: {" + library_args + "}}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  return o;
}

// A short 320x180 H.264/AAC MP4 made by ffmpeg, as bytes (also left at dir/name).
inline std::string make_film(const std::string& dir, const std::string& name, int seconds = 2,
                             const std::vector<std::string>& extra = {}) {
  const std::string path = dir + "/" + name;
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                   "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                                   "-t", std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(path);
  auto [status, output] = run_command(argv);
  EXPECT_EQ(status, 0) << output;
  return read_file(path);
}

inline std::string item_json(Browser& b, const std::string& id) { return b.get("/api/library/items/" + id).body; }

// The whole file in one tus upload; returns the item id ("" on failure).
inline std::string upload(Browser& b, const std::string& name, const std::string& bytes) {
  auto created = tus_create(b, static_cast<int64_t>(bytes.size()), {{"filename", name}});
  EXPECT_EQ(created.status, 201) << created.body;
  if (created.status != 201) return "";
  auto done = tus_patch(b, created.header("location"), 0, bytes);
  EXPECT_EQ(done.status, 204) << done.body;
  return done.header("kek-library-item");
}

// Until the item's probe is done (it has a picture size, or failed).
inline bool wait_probed(Browser& b, const std::string& id) {
  return wait_for(
      [&] {
        std::string body = item_json(b, id);
        return json_field(body, "status") == std::optional<std::string>("failed") ||
               json_field(body, "source.width").value_or("0") != "0";
      },
      30000);
}

inline bool wait_status(Browser& b, const std::string& id, const std::string& status, int timeout_ms = 90000) {
  return wait_for([&] { return json_field(item_json(b, id), "status") == std::optional<std::string>(status); },
                  timeout_ms);
}

// A film by ffmpeg: testsrc at this size, a keyframe every `gop` frames (25 fps), AAC tones.
inline std::string film(const std::string& dir, const std::string& name, const std::string& size, int seconds, int gop,
                 const std::vector<std::string>& more = {}) {
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                   "testsrc=size=" + size + ":rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                                   "-t", std::to_string(seconds)};
  argv.insert(argv.end(), more.begin(), more.end());
  for (const char* a : {"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"})
    argv.push_back(a);
  argv.insert(argv.end(), {"-g", std::to_string(gop), "-keyint_min", std::to_string(gop), "-sc_threshold", "0", "-c:a",
                           "aac", dir + "/" + name});
  auto [status, output] = run_command(argv);
  EXPECT_EQ(status, 0) << output;
  return dir + "/" + name;
}

inline std::string item_field(Browser& b, const std::string& id, const std::string& field) {
  return json_field(item_json(b, id), field).value_or("");
}

}  // namespace kek::library::test
