// A disk that fills under one live stream: that stream's pipeline fails with the system's own
// words (ENOSPC) while another stream and the process go on. Its own test binary, because where
// no small filesystem can be made it exits 77 (meson: SKIP) rather than passing untested.
#include "support/http_client.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/small_disk.h"
#include "support/wait.h"

#include <gtest/gtest.h>

using namespace kek::test;

TEST(FullDisk, AFullDiskStopsOnlyThatStreamWithAClearError) {
  // A 200 KiB filesystem for one app's output, mounted in kek's own mount namespace.
  const std::string small = make_temp_dir();
  TemplateDir t;
  t.add("tiny", "name: tiny\nsource: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [hls]\n"
                "output_dir: " + small + "/${stream}\n");
  KekOptions options;
  options.wrapper = small_disk_wrapper(small, "200k");
  options.extra_yaml = "template_dirs: [" + t.dir + ", " + KEK_SOURCE_DIR + "/pipelines]\n"
                       "plugins:\n  - name: rtmp\n    args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0,"
                       " keys: [\"full:full-key-001\", \"fine:fine-key-001\"], apps: {live: live, small: tiny}}\n";
  KekProcess kek(options);
  ASSERT_TRUE(kek.ready()) << kek.output();
  std::string rtmp = kek.endpoint("rtmp");
  rtmp = rtmp.substr(0, rtmp.rfind('/'));
  auto fine = publish_test_stream(rtmp + "/live/fine-key-001", 14);
  auto full = publish_test_stream(rtmp + "/small/full-key-001", 14);
  const std::string fine_list = kek.media_dir() + "/live/fine/source/index.m3u8";
  ASSERT_TRUE(wait_for([&] {
    auto info = http_get(kek.http_url(), "/api/pipelines/small-full").body;
    return info.find("No space left on device") != std::string::npos;
  }, 30000)) << http_get(kek.http_url(), "/api/pipelines/small-full").body << kek.output();
  // The other stream goes on: its playlist still grows, on the real disk.
  const std::string before = read_file(fine_list);
  ASSERT_TRUE(wait_for([&] { return read_file(fine_list) != before && !read_file(fine_list).empty(); }, 15000));
  EXPECT_TRUE(kek.running());
  fine->wait(30000);
  full->wait(30000);
  kek.stop();
  remove_tree(small);
}
