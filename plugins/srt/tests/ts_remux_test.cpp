// TsRemux fed real MPEG-TS (ffmpeg's muxer, and GStreamer's mpegtsmux without access unit
// delimiters) one 188-byte packet at a time, as SRT delivers it: when each picture leaves.
#include "ts_remux.h"

#include "support/kek_process.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using kek::srt::TsRemux;

namespace {

constexpr size_t kPacket = 188;

struct Made {
  std::string dir;
  std::string path;
  explicit Made(const std::string& name) {
    g_autofree char* d = g_dir_make_tmp("kek-ts-remux-XXXXXX", nullptr);
    dir = d ? d : "";
    path = dir + "/" + name;
  }
  ~Made() {
    g_unlink(path.c_str());
    g_rmdir(dir.c_str());
  }
};

std::vector<uint8_t> read_all(const std::string& path) {
  gchar* data = nullptr;
  gsize size = 0;
  if (!g_file_get_contents(path.c_str(), &data, &size, nullptr)) return {};
  std::vector<uint8_t> out(data, data + size);
  g_free(data);
  return out;
}

// Whether a PES (or section) starts in a packet, and where its payload is.
bool starts_unit(const uint8_t* p) { return (p[1] & 0x40) != 0; }
const uint8_t* payload_of(const uint8_t* p) {
  const int afc = (p[3] >> 4) & 3;
  if (afc == 2) return nullptr;
  const size_t skip = afc == 3 ? 5u + p[4] : 4u;
  return skip < kPacket ? p + skip : nullptr;
}
bool starts_video_pes(const uint8_t* p) {
  const uint8_t* pl = payload_of(p);
  return starts_unit(p) && pl && pl + 4 <= p + kPacket && pl[0] == 0 && pl[1] == 0 && pl[2] == 1 &&
         (pl[3] & 0xf0) == 0xe0;
}

struct Pictures {
  int pictures = 0;            // FLV video tags with a picture (not the sequence header)
  std::vector<int> behind;     // at each new video PES: complete PES so far - pictures out
  std::vector<uint32_t> stamps;
};

// Pushes the TS packet by packet; before each video PES start, notes how many earlier video
// PES have not come out as pictures yet.
Pictures feed(const std::vector<uint8_t>& ts) {
  Pictures run;
  TsRemux remux("test", TsRemux::Callbacks{
                            [](const kek::LiveTracks&) {},
                            [&](kek::LiveMediaKind kind, uint32_t ts_ms, std::vector<uint8_t> body) {
                              if (kind == kek::LiveMediaKind::video && body.size() > 1 && body[1] == 1) {
                                ++run.pictures;
                                run.stamps.push_back(ts_ms);
                              }
                            }});
  EXPECT_TRUE(remux.ok()) << remux.error();
  int pes = 0;
  for (size_t off = 0; off + kPacket <= ts.size(); off += kPacket) {
    const uint8_t* p = ts.data() + off;
    if (p[0] != 0x47) continue;
    if (starts_video_pes(p)) {
      if (pes > 0) run.behind.push_back(pes - run.pictures);
      ++pes;
    }
    GstBuffer* b = gst_buffer_new_memdup(p, kPacket);
    EXPECT_TRUE(remux.push(b)) << remux.error();
  }
  return run;
}

}  // namespace

// ffmpeg (as OBS and most encoders mux) opens every video PES with an access unit delimiter.
// With the PES length given (-omit_video_pes_length 0), tsdemux passes a PES on once its last
// packet is in, and the remuxer must pass its picture on then too, not when the next PES starts
// (h264parse, told nothing of alignment, would hold each one: one frame late, on every part).
TEST(TsRemux, APictureLeavesAsSoonAsItsPesIsIn) {
  Made ts("aud.ts");
  auto [rc, out] = kek::test::run_command(
      {"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25", "-t", "2",
       "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p", "-an",
       "-omit_video_pes_length", "0", "-f", "mpegts", "-y", ts.path},
      60000);
  ASSERT_EQ(rc, 0) << out;
  Pictures run = feed(read_all(ts.path));
  ASSERT_GE(run.behind.size(), 40u);
  for (size_t i = 0; i < run.behind.size(); ++i) EXPECT_EQ(run.behind[i], 0) << "before video PES " << i + 1;
  EXPECT_EQ(run.pictures, 50);
}

// A stream without delimiters (GStreamer's x264enc aud=false into mpegtsmux): no PES claims to be
// a whole access unit, h264parse finds the boundaries itself, and every picture still comes out,
// whole and in order.
TEST(TsRemux, WithoutDelimitersEveryPictureStillComesOut) {
  Made ts("noaud.ts");
  auto [rc, out] = kek::test::run_command(
      {"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=50", "!", "video/x-raw,width=320,height=180,framerate=25/1",
       "!", "x264enc", "aud=false", "key-int-max=25", "speed-preset=ultrafast", "tune=zerolatency", "!", "mpegtsmux",
       "!", "filesink", "location=" + ts.path},
      60000);
  ASSERT_EQ(rc, 0) << out;
  std::vector<uint8_t> data = read_all(ts.path);
  Pictures run = feed(data);
  // The last picture waits for a next PES that never comes: all but that one, in order.
  EXPECT_EQ(run.pictures, 49);
  for (size_t i = 1; i < run.stamps.size(); ++i) EXPECT_GT(run.stamps[i], run.stamps[i - 1]) << i;
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
