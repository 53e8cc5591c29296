// Test pictures for upload tests (avatars, banners, posters): made with gst-launch-1.0 in the
// test, and probed with ffprobe to see what the server made of them.
#pragma once

#include "support/kek_process.h"
#include "support/wait.h"

#include <gtest/gtest.h>

#include <string>

namespace kek::test {

// A width x height test picture encoded by `encoder` (pngenc, jpegenc, webpenc), as bytes.
inline std::string make_image(const std::string& dir, const std::string& encoder, int width, int height) {
  const std::string path = dir + "/picture-" + encoder + "-" + std::to_string(width) + "x" + std::to_string(height) + ".img";
  auto [rc, out] = run_command({"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=1", "pattern=smpte", "!",
                                "video/x-raw,width=" + std::to_string(width) + ",height=" + std::to_string(height),
                                "!", "videoconvert", "!", encoder, "!", "filesink", "location=" + path});
  EXPECT_EQ(rc, 0) << out;
  return read_file(path);
}

// "codec_name=mjpeg|width=256|height=256" for the image at url (a file or an http URL).
inline std::string probe_image(const std::string& url) {
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                "compact=p=0", url});
  return rc == 0 ? out : "ffprobe failed: " + out;
}

}  // namespace kek::test
