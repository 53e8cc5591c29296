// RTMP ingest end to end: real publishers (ffmpeg, gst-launch-1.0 rtmp2sink) and hostile raw
// clients against a real `kek serve`.
#include "support/http_client.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <cstring>
#include <memory>

using namespace kek::test;

namespace {



size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = 0; (p = text.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}

int segments_in(const std::string& playlist) {
  int n = 0;
  for (size_t p = 0; (p = playlist.find("#EXTINF", p)) != std::string::npos; ++p) ++n;
  return n;
}

// The media a playlist lists, in seconds (sum of its EXTINF durations).
double playlist_seconds(const std::string& playlist) {
  double total = 0;
  for (size_t p = 0; (p = playlist.find("#EXTINF:", p)) != std::string::npos; p += 8) total += g_ascii_strtod(playlist.c_str() + p + 8, nullptr);
  return total;
}

// A 320x180 H.264 + AAC FLV file, made once for the whole suite.
class RtmpIngest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    media_dir_ = new std::string(make_temp_dir());
    flv_ = new std::string(*media_dir_ + "/clip.flv");
    auto [rc, out] = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                                  "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                                  "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
                                  "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv", *flv_});
    ASSERT_EQ(rc, 0) << out;
  }
  static void TearDownTestSuite() {
    remove_tree(*media_dir_);
    delete flv_;
    delete media_dir_;
  }

  static std::string config(const std::string& keys, std::string extra_args = "") {
    if (extra_args.find("reconnect_grace_s") == std::string::npos) extra_args += ", reconnect_grace_s: 0";
    return "plugins:\n  - name: rtmp\n    args: {address: 127.0.0.1, port: 0, idle_timeout_s: 2, keys: [" + keys + "]" +
           extra_args + "}\n";
  }
  // ffmpeg copying the clip in real time to url.
  static std::unique_ptr<BackgroundProcess> publish(const std::string& url, bool loop = false) {
    std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-re"};
    if (loop) argv.insert(argv.end(), {"-stream_loop", "-1"});
    argv.insert(argv.end(), {"-i", *flv_, "-c", "copy", "-f", "flv", url});
    return std::make_unique<BackgroundProcess>(argv);
  }
  // The source variant's media playlist (index.m3u8 beside "source/" is the master).
  static std::string playlist(const KekProcess& kek, const std::string& stream) {
    return kek.media_dir() + "/live/" + stream + "/source/index.m3u8";
  }

  static std::string* media_dir_;
  static std::string* flv_;
};
std::string* RtmpIngest::media_dir_ = nullptr;
std::string* RtmpIngest::flv_ = nullptr;

}  // namespace

TEST_F(RtmpIngest, FfmpegCopyIsAcceptedAndBecomesHlsThatFfprobeReads) {
  KekProcess kek({.extra_yaml = config("\"cam1:s3cret-key-1\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  ASSERT_NE(kek.endpoint("rtmp"), "");
  auto pub = publish(kek.endpoint("rtmp") + "/s3cret-key-1");
  ASSERT_TRUE(wait_for([&] { return segments_in(read_file(playlist(kek, "cam1"))) >= 1; }, 20000)) << kek.output();

  auto live = http_get(kek.http_url(), "/api/live");
  EXPECT_EQ(live.status, 200);
  EXPECT_NE(live.body.find(R"("stream":"cam1")"), std::string::npos) << live.body;
  EXPECT_NE(live.body.find(R"("width":320,"height":180)"), std::string::npos) << live.body;
  EXPECT_NE(live.body.find("H.264"), std::string::npos) << live.body;
  EXPECT_EQ(live.body.find("s3cret"), std::string::npos) << "the secret key never appears in the API";

  EXPECT_EQ(pub->wait(30000), 0) << pub->output();
  // The publisher is gone: the pipeline ends with EXT-X-ENDLIST and the stream leaves /api/live.
  ASSERT_TRUE(wait_for([&] { return read_file(playlist(kek, "cam1")).find("#EXT-X-ENDLIST") != std::string::npos; }, 15000))
      << read_file(playlist(kek, "cam1"));
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                "compact=p=0", kek.http_url() + "media/live/cam1/index.m3u8"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("codec_name=h264|width=320|height=180"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac"), std::string::npos) << out;
  EXPECT_EQ(http_get(kek.http_url(), "/api/live").body, "[]");
  ASSERT_TRUE(wait_for([&] {
    return http_get(kek.http_url(), "/api/pipelines/live-cam1").body.find("\"finished\"") != std::string::npos;
  }, 15000)) << http_get(kek.http_url(), "/api/pipelines/live-cam1").body;
  EXPECT_NE(kek.output().find("stream 'cam1' is live"), std::string::npos);
}

TEST_F(RtmpIngest, FfmpegEncodingLive) {
  KekProcess kek({.extra_yaml = config("\"enc:key-enc-0001\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  BackgroundProcess pub({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                         "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i", "sine", "-t", "4", "-c:v", "libx264",
                         "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-c:a", "aac", "-f", "flv",
                         kek.endpoint("rtmp") + "/key-enc-0001"});
  ASSERT_TRUE(wait_for([&] { return segments_in(read_file(playlist(kek, "enc"))) >= 1; }, 20000)) << kek.output();
  EXPECT_EQ(pub.wait(30000), 0) << pub.output();
}

TEST_F(RtmpIngest, GstreamerRtmp2sinkWithChunkSizes128And4096) {
  KekProcess kek({.extra_yaml = config("\"g128:key-gst-128\", \"g4096:key-gst-4096\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  for (const auto& [stream, key, chunk] : {std::tuple{"g128", "key-gst-128", "128"}, {"g4096", "key-gst-4096", "4096"}}) {
    BackgroundProcess pub({"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=100", "is-live=true", "!",
                           "video/x-raw,width=320,height=180,framerate=25/1", "!", "x264enc", "tune=zerolatency",
                           "speed-preset=ultrafast", "key-int-max=25", "!", "h264parse", "!", "queue", "!", "mux.",
                           "audiotestsrc", "is-live=true", "num-buffers=200", "!", "audioconvert", "!", "avenc_aac",
                           "!", "aacparse", "!", "queue", "!", "mux.", "flvmux", "name=mux", "streamable=true", "!",
                           "rtmp2sink", std::string("chunk-size=") + chunk,
                           "location=" + kek.endpoint("rtmp") + "/" + key});
    ASSERT_TRUE(wait_for([&] { return segments_in(read_file(playlist(kek, stream))) >= 1; }, 20000))
        << stream << "\n" << pub.output() << kek.output();
    EXPECT_EQ(pub.wait(30000), 0) << pub.output();
  }
}

TEST_F(RtmpIngest, WrongKeyIsRefusedAndStartsNothing) {
  KekProcess kek({.extra_yaml = config("\"cam:right-key-123\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish(kek.endpoint("rtmp") + "/wrong-key-456");
  EXPECT_NE(pub->wait(20000), 0) << "ffmpeg must fail when the key is refused";
  EXPECT_EQ(http_get(kek.http_url(), "/api/pipelines").body, "[]");
  EXPECT_EQ(http_get(kek.http_url(), "/api/live").body, "[]");
  EXPECT_NE(kek.output().find("publish refused"), std::string::npos) << kek.output();
  EXPECT_EQ(kek.output().find("wrong-key-456"), std::string::npos) << "keys are not logged: " << kek.output();
  EXPECT_EQ(kek.output().find("…"), std::string::npos) << "not even a part of a key: " << kek.output();
}

TEST_F(RtmpIngest, DuplicateKeyIsRefusedAndTheKeyIsFreedAfterDisconnect) {
  KekProcess kek({.extra_yaml = config("\"dup:dup-key-0001\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto first = publish(kek.endpoint("rtmp") + "/dup-key-0001", /*loop=*/true);
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/live").body.find("\"dup\"") != std::string::npos; }, 15000));
  auto second = publish(kek.endpoint("rtmp") + "/dup-key-0001");
  EXPECT_NE(second->wait(20000), 0) << "a second publisher with a live key is refused";
  EXPECT_TRUE(first->running()) << "the first publisher is untouched";
  first->kill_now(SIGKILL);  // a network drop, not a clean unpublish
  first->wait(5000);
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/live").body == "[]"; }, 10000));
  auto third = publish(kek.endpoint("rtmp") + "/dup-key-0001");
  EXPECT_EQ(third->wait(30000), 0) << third->output() << kek.output();
}

TEST_F(RtmpIngest, ViewersAreDistinctClientsFetchingSegments) {
  KekProcess kek({.extra_yaml = config("\"v:viewers-key-1\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish(kek.endpoint("rtmp") + "/viewers-key-1", true);
  ASSERT_TRUE(wait_for([&] { return segments_in(read_file(playlist(kek, "v"))) >= 1; }, 20000)) << kek.output();
  EXPECT_NE(http_get(kek.http_url(), "/api/live").body.find("\"viewers\":0"), std::string::npos);
  std::string list = read_file(playlist(kek, "v"));
  size_t ts = list.find(".ts");
  std::string segment = list.substr(list.rfind('\n', ts) + 1, ts + 3 - list.rfind('\n', ts) - 1);
  for (const char* agent : {"VLC/3.0", "Mozilla/5.0", "VLC/3.0"})
    EXPECT_EQ(http_get(kek.http_url(), "/media/live/v/source/" + segment, {{"User-Agent", agent}}).status, 200) << segment;
  EXPECT_NE(http_get(kek.http_url(), "/api/live").body.find("\"viewers\":2"), std::string::npos)
      << "the same client twice is one viewer: " << http_get(kek.http_url(), "/api/live").body;
  // A player starts with the playlist: a client that has only fetched it is watching too.
  http_get(kek.http_url(), "/media/live/v/index.m3u8", {{"User-Agent", "curl"}});
  EXPECT_NE(http_get(kek.http_url(), "/api/live").body.find("\"viewers\":3"), std::string::npos)
      << http_get(kek.http_url(), "/api/live").body;
}

TEST_F(RtmpIngest, APublisherBackWithinTheGracePeriodContinuesTheSamePlaylist) {
  KekProcess kek({.extra_yaml = config("\"g:grace-key-01\"", ", reconnect_grace_s: 4")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto first = publish(kek.endpoint("rtmp") + "/grace-key-01", true);
  ASSERT_TRUE(wait_for([&] { return segments_in(read_file(playlist(kek, "g"))) >= 2; }, 20000)) << kek.output();
  first->kill_now(SIGKILL);  // the network drops
  first->wait(5000);
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/live").body.find("\"reconnecting\"") != std::string::npos; }, 5000))
      << http_get(kek.http_url(), "/api/live").body;
  EXPECT_EQ(read_file(playlist(kek, "g")).find("#EXT-X-ENDLIST"), std::string::npos) << "viewers are not cut off";
  const std::string before = read_file(playlist(kek, "g"));
  const std::string run_prefix = before.substr(before.find(".ts") - 19, 14);  // "<run>-" of this pipeline run
  auto second = publish(kek.endpoint("rtmp") + "/grace-key-01");
  EXPECT_EQ(second->wait(30000), 0) << second->output();
  // One playlist across both publishers: it went on growing, then ended once the grace passed.
  ASSERT_TRUE(wait_for([&] { return read_file(playlist(kek, "g")).find("#EXT-X-ENDLIST") != std::string::npos; }, 20000))
      << kek.output();
  auto info = http_get(kek.http_url(), "/api/pipelines/live-g").body;
  EXPECT_NE(info.find("\"restarts\":0"), std::string::npos) << "the same pipeline instance throughout: " << info;
  std::string final_list = read_file(playlist(kek, "g"));
  EXPECT_NE(final_list, before);
  EXPECT_NE(final_list.find(run_prefix), std::string::npos) << "segments of the same run: " << run_prefix << "\n" << final_list;
  EXPECT_NE(kek.output().find("stream 'g' resumed"), std::string::npos) << kek.output();
  // The second publisher is another encoder session: players are told with one discontinuity,
  // between the old publisher's segments and the new one's.
  EXPECT_EQ(count_of(final_list, "#EXT-X-DISCONTINUITY\n"), 1u) << final_list;
  const size_t seam = final_list.find("#EXT-X-DISCONTINUITY\n");
  if (seam != std::string::npos) {
    EXPECT_NE(final_list.find("#EXTINF", seam), std::string::npos) << "segments after the seam: " << final_list;
  }
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                playlist(kek, "g")});
  EXPECT_EQ(rc, 0) << out;
}

TEST_F(RtmpIngest, TakeOverWhenConfigured) {
  KekProcess kek({.extra_yaml = config("\"to:takeover-key-1\"", ", take_over: true")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto first = publish(kek.endpoint("rtmp") + "/takeover-key-1", true);
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/live").body.find("\"to\"") != std::string::npos; }, 15000));
  auto second = publish(kek.endpoint("rtmp") + "/takeover-key-1");
  EXPECT_NE(first->wait(15000), 0) << "the first publisher is cut off";
  EXPECT_EQ(second->wait(30000), 0) << second->output() << kek.output();
}

TEST_F(RtmpIngest, FiftyConcurrentPublishersAllSucceed) {
  // What 50 people publishing at once see: every ffmpeg is accepted and runs to the end, and
  // every stream's playlist is complete (ENDLIST, the whole 4 s clip: at most one 1 s GOP short).
  constexpr int kPublishers = 50;
  std::string keys;
  for (int i = 0; i < kPublishers; ++i) keys += (i ? ", " : "") + std::string("\"s") + std::to_string(i) + ":k-" + std::to_string(i) + "-xyz\"";
  KekProcess kek({.extra_yaml = config(keys, ", max_connections_per_address: " + std::to_string(kPublishers))});
  ASSERT_TRUE(kek.ready()) << kek.output();
  std::vector<std::unique_ptr<BackgroundProcess>> pubs;
  for (int i = 0; i < kPublishers; ++i) pubs.push_back(publish(kek.endpoint("rtmp") + "/k-" + std::to_string(i) + "-xyz"));
  std::string failures;
  for (int i = 0; i < kPublishers; ++i) {
    const int rc = pubs[i]->wait(90000);
    if (rc != 0) failures += "publisher " + std::to_string(i) + " exited " + std::to_string(rc) + ": " + pubs[i]->output() + "\n";
  }
  for (int i = 0; i < kPublishers; ++i) {
    const std::string stream = "s" + std::to_string(i);
    const bool ended = wait_for([&] { return read_file(playlist(kek, stream)).find("#EXT-X-ENDLIST") != std::string::npos; }, 20000);
    const std::string list = read_file(playlist(kek, stream));
    if (!ended) failures += stream + ": no EXT-X-ENDLIST\n" + list + "\n";
    else if (playlist_seconds(list) < 3.0) failures += stream + ": only " + std::to_string(playlist_seconds(list)) + " s of 4 s\n" + list + "\n";
  }
  EXPECT_TRUE(kek.running());
  if (!failures.empty()) {
    std::string log = kek.output(), lines;
    for (size_t p = 0, e; p < log.size(); p = e + 1) {
      e = std::min(log.find('\n', p), log.size());
      const std::string line = log.substr(p, e - p);
      if (line.find("closed: ") != std::string::npos && line.find("peer closed") == std::string::npos) lines += line + "\n";
      else if (line.find("WARNING") != std::string::npos || line.find("refused") != std::string::npos) lines += line + "\n";
    }
    ADD_FAILURE() << failures << "kek's log (connections it closed, warnings):\n" << lines;
  }
}

// A stream whose pipeline blocks (a slow disk, a stuck element: here an identity that sleeps
// 5 s on every buffer) must not hold up the other streams pushed by the same worker: with a
// single push thread, the other stream's playlist still grows while the stuck one has not
// written a segment.
TEST_F(RtmpIngest, AStuckStreamDoesNotStallAnotherStreamsPlaylist) {
  TemplateDir t;
  t.add("stuck", "name: stuck\nsource: kekrtmpsrc stream=${stream} ! identity sleep-time=5000000 ! flvdemux name=demux\n"
                 "outputs: [hls]\n");
  KekProcess kek({.extra_yaml = "template_dirs: [" + t.dir + ", " + KEK_SOURCE_DIR + "/pipelines]\n" +
                                config("\"stuck:stuck-key-01\", \"fine:fine-key-01\"",
                                       ", push_threads: 1, apps: {live: live, slow: stuck}")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  std::string rtmp = kek.endpoint("rtmp");
  rtmp = rtmp.substr(0, rtmp.rfind('/'));
  auto stuck = publish(rtmp + "/slow/stuck-key-01", true);
  ASSERT_TRUE(wait_for([&] {
    return http_get(kek.http_url(), "/api/pipelines/slow-stuck").body.find("\"running\"") != std::string::npos;
  }, 20000)) << http_get(kek.http_url(), "/api/pipelines/slow-stuck").body << kek.output();
  auto fine = publish(rtmp + "/live/fine-key-01", true);
  EXPECT_TRUE(wait_for([&] { return segments_in(read_file(playlist(kek, "fine"))) >= 3; }, 40000))
      << read_file(playlist(kek, "fine")) << kek.output();
  // The stuck stream really is stuck (else this test would prove nothing).
  EXPECT_EQ(segments_in(read_file(kek.media_dir() + "/slow/stuck/source/index.m3u8")), 0)
      << read_file(kek.media_dir() + "/slow/stuck/source/index.m3u8");
  EXPECT_NE(kek.output().find("starting a spare"), std::string::npos) << kek.output();
  stuck->kill_now(SIGKILL);
  fine->kill_now(SIGKILL);
}

// The server stalls (here: stopped for longer than idle_timeout_s, like a busy machine starting
// many pipelines or a paused VM): a publisher whose bytes are waiting in the socket has not gone
// idle, and must not be cut off when the server runs again.
TEST_F(RtmpIngest, AStalledServerKeepsItsBusyPublishers) {
  KekProcess kek({.extra_yaml = config("\"st:stall-key-01\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish(kek.endpoint("rtmp") + "/stall-key-01", true);
  ASSERT_TRUE(wait_for([&] { return segments_in(read_file(playlist(kek, "st"))) >= 1; }, 20000)) << kek.output();
  kek.signal(SIGSTOP);
  g_usleep(3500 * 1000);  // idle_timeout_s is 2
  kek.signal(SIGCONT);
  const std::string before = read_file(playlist(kek, "st"));
  ASSERT_TRUE(wait_for([&] { return read_file(playlist(kek, "st")) != before; }, 10000)) << kek.output();
  EXPECT_TRUE(pub->running()) << pub->output();
  EXPECT_EQ(kek.output().find("idle for more than"), std::string::npos) << kek.output();
  EXPECT_NE(http_get(kek.http_url(), "/api/live").body.find("\"st\""), std::string::npos);
}

// ---- hostile clients: each closes only its own connection ----

namespace {

class RawClient {
 public:
  explicit RawClient(const std::string& rtmp_url) {
    // rtmp://127.0.0.1:PORT/live
    std::string hostport = rtmp_url.substr(7, rtmp_url.find('/', 7) - 7);
    g_autoptr(GSocketClient) client = g_socket_client_new();
    conn_ = g_socket_client_connect_to_host(client, hostport.c_str(), 1935, nullptr, nullptr);
    if (conn_) g_socket_set_timeout(g_socket_connection_get_socket(conn_), 10);
  }
  ~RawClient() {
    if (conn_) g_object_unref(conn_);
  }
  bool connected() const { return conn_ != nullptr; }
  void send(const std::string& bytes) {
    g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn_)), bytes.data(), bytes.size(), nullptr,
                              nullptr, nullptr);
  }
  // C0+C1, read S0+S1+S2, send C2.
  bool handshake() {
    send(std::string(1, '\x03') + std::string(1536, '\x01'));
    std::string s = read_exactly(1 + 1536 + 1536);
    if (s.size() != 3073) return false;
    send(s.substr(1, 1536));
    return true;
  }
  std::string read_exactly(size_t n) {
    std::string out(n, '\0');
    gsize got = 0;
    g_input_stream_read_all(g_io_stream_get_input_stream(G_IO_STREAM(conn_)), out.data(), n, &got, nullptr, nullptr);
    out.resize(got);
    return out;
  }
  // True when the server closes the connection (EOF or reset) within the socket timeout.
  bool closed_by_server() {
    char buf[4096];
    for (int i = 0; i < 1000; ++i) {
      GError* err = nullptr;
      gssize n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn_)), buf, sizeof buf, nullptr, &err);
      if (n == 0) return true;
      if (n < 0) {
        bool timeout = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
        g_error_free(err);
        return !timeout;
      }
    }
    return false;
  }

 private:
  GSocketConnection* conn_ = nullptr;
};

std::string u24(uint32_t v) { return {static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)}; }
std::string u32le(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}
// A type-0 chunk on chunk stream 3 carrying one whole message (payload up to 128 bytes).
std::string chunk0(uint8_t type, const std::string& payload, uint32_t declared_length = 0) {
  return std::string(1, '\x03') + u24(0) + u24(declared_length ? declared_length : static_cast<uint32_t>(payload.size())) +
         std::string(1, static_cast<char>(type)) + u32le(0) + payload;
}

}  // namespace

TEST_F(RtmpIngest, HostileClientsAreClosedAndOthersGoOn) {
  KekProcess kek({.extra_yaml = config("\"good:good-key-001\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto good = publish(kek.endpoint("rtmp") + "/good-key-001", true);
  ASSERT_TRUE(wait_for([&] { return segments_in(read_file(playlist(kek, "good"))) >= 1; }, 20000)) << kek.output();

  struct Case {
    const char* name;
    std::function<void(RawClient&)> attack;
  };
  std::string deep_amf = "\x02\x00\x07" "connect" "\x00\x3f\xf0\x00\x00\x00\x00\x00\x00";
  for (int i = 0; i < 100; ++i) deep_amf += std::string("\x03\x00\x01" "a", 4);
  const Case cases[] = {
      {"garbage instead of a handshake", [](RawClient& c) { c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); }},
      {"chunk header on an unknown chunk stream", [](RawClient& c) {
         ASSERT_TRUE(c.handshake());
         c.send(std::string("\x43", 1) + u24(0) + u24(10) + "\x14");  // fmt 1 on a stream never opened
       }},
      {"message length over the limit", [](RawClient& c) {
         ASSERT_TRUE(c.handshake());
         c.send(chunk0(20, "", 0xFFFFFF));
       }},
      {"AMF nested too deep", [&](RawClient& c) {
         ASSERT_TRUE(c.handshake());
         c.send(chunk0(1, std::string("\x00\x01\x00\x00", 4)));     // Set Chunk Size 65536
         c.send(chunk0(20, deep_amf));
       }},
      {"truncated AMF", [](RawClient& c) {
         ASSERT_TRUE(c.handshake());
         c.send(chunk0(20, std::string("\x02\x00\x07" "conn", 7)));
       }},
      {"idle client", [](RawClient&) {}},
  };
  for (const auto& c : cases) {
    RawClient client(kek.endpoint("rtmp"));
    ASSERT_TRUE(client.connected()) << c.name;
    c.attack(client);
    EXPECT_TRUE(client.closed_by_server()) << c.name;
  }
  {
    RawClient cut(kek.endpoint("rtmp"));
    cut.send(std::string(1, '\x03') + std::string(700, 'x'));  // handshake cut short, then gone
  }
  EXPECT_TRUE(kek.running());
  EXPECT_TRUE(good->running()) << "the good publisher is untouched: " << good->output();
  int before = segments_in(read_file(playlist(kek, "good")));
  std::string seq_before = read_file(playlist(kek, "good"));
  ASSERT_TRUE(wait_for([&] { return read_file(playlist(kek, "good")) != seq_before; }, 10000))
      << "the good stream keeps producing segments (had " << before << ")";
  EXPECT_NE(kek.output().find("protocol error"), std::string::npos) << kek.output();
  EXPECT_NE(kek.output().find("idle for more than"), std::string::npos) << kek.output();
}

namespace {

// Just enough AMF0 to script a publisher by hand.
std::string amf_string(const std::string& v) { return std::string(1, '\x02') + char(v.size() >> 8) + char(v.size() & 0xff) + v; }
std::string amf_number(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  std::string out(1, '\x00');
  for (int i = 7; i >= 0; --i) out += static_cast<char>(bits >> (i * 8));
  return out;
}
std::string amf_key(const std::string& k) { return std::string(1, char(k.size() >> 8)) + char(k.size() & 0xff) + k; }
std::string amf_object(const std::vector<std::pair<std::string, std::string>>& members, bool ecma = false) {
  std::string out = ecma ? std::string("\x08\x00\x00\x00", 4) + char(members.size()) : std::string(1, '\x03');
  for (const auto& [k, v] : members) out += amf_key(k) + v;
  return out + std::string("\x00\x00\x09", 3);
}
// A type-0 chunk carrying one whole message (after Set Chunk Size 65536).
std::string message(uint32_t csid, uint8_t type, uint32_t stream_id, uint32_t timestamp, const std::string& payload) {
  return std::string(1, static_cast<char>(csid)) + u24(timestamp) + u24(static_cast<uint32_t>(payload.size())) +
         std::string(1, static_cast<char>(type)) + u32le(stream_id) + payload;
}
// handshake, Set Chunk Size, connect, createStream and publish, as ffmpeg sends them.
void start_publish(RawClient& c, const std::string& key) {
  ASSERT_TRUE(c.handshake());
  c.send(chunk0(1, std::string("\x00\x01\x00\x00", 4)));
  c.send(message(3, 20, 0, 0, amf_string("connect") + amf_number(1) +
                                  amf_object({{"app", amf_string("live")}, {"flashVer", amf_string("test/1.0")},
                                              {"tcUrl", amf_string("rtmp://127.0.0.1/live")}})));
  c.send(message(3, 20, 0, 0, amf_string("createStream") + amf_number(2) + std::string(1, '\x05')));
  c.send(message(8, 20, 1, 0, amf_string("publish") + amf_number(3) + std::string(1, '\x05') + amf_string(key) +
                                  amf_string("live")));
}

}  // namespace

// A muxer may announce one track in onMetaData before its slower encoder has produced the other
// (GStreamer's flvmux on a busy machine announces the audio alone, then sends video too): the
// stream is still packaged with its video.
TEST_F(RtmpIngest, VideoThatFollowsAnAudioOnlyMetadataIsKept) {
  KekProcess kek({.extra_yaml = config("\"late:late-video-key\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  RawClient c(kek.endpoint("rtmp"));
  ASSERT_TRUE(c.connected());
  start_publish(c, "late-video-key");
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/live").body.find("\"late\"") != std::string::npos; }, 10000))
      << kek.output();
  c.send(message(4, 18, 1, 0, amf_string("@setDataFrame") + amf_string("onMetaData") +
                                  amf_object({{"audiocodecid", amf_number(10)}, {"audiosamplerate", amf_number(44100)}}, true)));
  c.send(message(4, 8, 1, 0, std::string("\xaf\x00\x12\x10", 4)));  // AAC sequence header (LC, 44.1 kHz, stereo)
  c.send(message(4, 8, 1, 23, std::string("\xaf\x01", 2) + std::string(20, '\x21')));
  g_usleep(300 * 1000);  // the video encoder is slower
  const std::string avcc("\x17\x00\x00\x00\x00\x01\x42\xc0\x1e\xff\xe1\x00\x04\x67\x42\xc0\x1e\x01\x00\x02\x68\xce", 22);
  c.send(message(6, 9, 1, 40, avcc));
  c.send(message(6, 9, 1, 40, std::string("\x17\x01\x00\x00\x00\x00\x00\x00\x02\x65\x88", 11)));
  std::string info;
  ASSERT_TRUE(wait_for([&] {
    info = http_get(kek.http_url(), "/api/pipelines/live-late").body;
    return info.find("\"launch\"") != std::string::npos;
  }, 10000)) << kek.output();
  EXPECT_NE(info.find("demux.video"), std::string::npos) << info;
  EXPECT_NE(info.find("demux.audio"), std::string::npos) << info;
}

// A video encoder slower than the wait for a second track: the pipeline starts with the audio,
// and when the video comes it is built again with both (not packaged audio-only for the whole
// publish).
TEST_F(RtmpIngest, VideoAfterThePipelineStartedWithAudioAloneRestartsItWithVideo) {
  KekProcess kek({.extra_yaml = config("\"slow:slow-video-key\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  RawClient c(kek.endpoint("rtmp"));
  ASSERT_TRUE(c.connected());
  start_publish(c, "slow-video-key");
  c.send(message(4, 8, 1, 0, std::string("\xaf\x00\x12\x10", 4)));  // AAC sequence header (LC, 44.1 kHz, stereo)
  c.send(message(4, 8, 1, 23, std::string("\xaf\x01", 2) + std::string(20, '\x21')));
  auto launch = [&] {
    std::string info = http_get(kek.http_url(), "/api/pipelines/live-slow").body;
    size_t at = info.find("\"launch\"");
    return at == std::string::npos ? std::string() : info.substr(at, info.find("\",\"", at + 10) - at);
  };
  std::string first;
  ASSERT_TRUE(wait_for([&] { return !(first = launch()).empty(); }, 10000)) << kek.output();
  EXPECT_NE(first.find("demux.audio"), std::string::npos) << first;
  EXPECT_EQ(first.find("demux.video"), std::string::npos) << "no video seen yet: " << first;
  const std::string avcc("\x17\x00\x00\x00\x00\x01\x42\xc0\x1e\xff\xe1\x00\x04\x67\x42\xc0\x1e\x01\x00\x02\x68\xce", 22);
  c.send(message(6, 9, 1, 1600, avcc));
  c.send(message(6, 9, 1, 1600, std::string("\x17\x01\x00\x00\x00\x00\x00\x00\x02\x65\x88", 11)));
  std::string second;
  ASSERT_TRUE(wait_for([&] { return (second = launch()).find("demux.video") != std::string::npos; }, 10000))
      << second << kek.output();
  EXPECT_NE(second.find("demux.audio"), std::string::npos) << second;
  EXPECT_NE(kek.output().find("video arrived after its pipeline started without it"), std::string::npos) << kek.output();
}

// What a stranger can hold: a connection that never publishes is closed after publish_timeout_s
// however busy it keeps itself (a handshake sent a byte at a time, harmless control messages).
TEST_F(RtmpIngest, ConnectionsThatNeverPublishAreClosedAtTheDeadline) {
  KekProcess kek({.extra_yaml = config("\"cam:deadline-key-1\"", ", publish_timeout_s: 3")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  const int64_t start = g_get_monotonic_time();
  RawClient slow(kek.endpoint("rtmp")), chatty(kek.endpoint("rtmp"));
  ASSERT_TRUE(slow.connected() && chatty.connected());
  ASSERT_TRUE(chatty.handshake());
  bool slow_closed = false, chatty_closed = false;
  // Both stay active (never idle for 2 s) for up to 8 s.
  for (int i = 0; i < 32 && !(slow_closed && chatty_closed); ++i) {
    if (!slow_closed) slow.send(i == 0 ? std::string(1, '\x03') : std::string(1, '\x01'));
    if (!chatty_closed) chatty.send(chunk0(5, std::string("\x00\x26\x25\xa0", 4)));  // Window Ack Size
    g_usleep(250 * 1000);
    slow_closed = slow_closed || kek.output().find("no publish within 3 s") != std::string::npos;
    chatty_closed = chatty_closed || count_of(kek.output(), "no publish within 3 s") >= 2;
  }
  const double took = static_cast<double>(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
  EXPECT_EQ(count_of(kek.output(), "no publish within 3 s"), 2u) << kek.output();
  EXPECT_GE(took, 3.0);
  EXPECT_LT(took, 7.0) << kek.output();
  EXPECT_TRUE(slow.closed_by_server());
  EXPECT_TRUE(chatty.closed_by_server());
  // A publisher that does publish in time is not touched by the deadline.
  auto pub = publish(kek.endpoint("rtmp") + "/deadline-key-1");
  EXPECT_EQ(pub->wait(30000), 0) << pub->output() << kek.output();
  EXPECT_EQ(count_of(kek.output(), "no publish within"), 2u) << kek.output();
}

// One address cannot take every connection: past max_connections_per_address its connections
// are closed unanswered; others (and its own, once some close) still get in.
TEST_F(RtmpIngest, ConnectionsPerAddressAreCapped) {
  KekProcess kek({.extra_yaml = config("\"cam:cap-key-0001\"", ", max_connections_per_address: 3")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawClient>(kek.endpoint("rtmp")));
    ASSERT_TRUE(held.back()->handshake()) << "connection " << i << " is within the cap";
  }
  {
    RawClient fourth(kek.endpoint("rtmp"));
    ASSERT_TRUE(fourth.connected());
    EXPECT_FALSE(fourth.handshake()) << "the fourth connection from one address gets no answer";
  }
  EXPECT_NE(kek.output().find("max_connections_per_address"), std::string::npos) << kek.output();
  held.clear();  // they go; their slots are free again
  ASSERT_TRUE(wait_for([&] { return count_of(kek.output(), "peer closed the connection") >= 3; }, 5000)) << kek.output();
  auto pub = publish(kek.endpoint("rtmp") + "/cap-key-0001");
  EXPECT_EQ(pub->wait(30000), 0) << pub->output() << kek.output();
}

// A bare key would be the stream's name, so its media URLs would show the secret to every viewer.
TEST_F(RtmpIngest, ABareKeyWithoutAStreamNameIsRefused) {
  KekProcess kek({.extra_yaml = config("\"bare-secret-key\"")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  EXPECT_EQ(kek.endpoint("rtmp"), "") << "no RTMP listener with a refused configuration";
  const auto health = http_get(kek.http_url(), "/api/health").body;
  EXPECT_NE(health.find("stream:key"), std::string::npos) << health;
  EXPECT_NE(kek.output().find("stream:key"), std::string::npos) << kek.output();
  EXPECT_EQ(kek.output().find("bare-secret-key"), std::string::npos) << kek.output();
}

TEST_F(RtmpIngest, KekrtmpsrcIsARealGStreamerElement) {
  auto [rc, out] = run_command({"gst-inspect-1.0", "kekrtmpsrc"}, 60000,
                               {std::string("GST_PLUGIN_PATH=") + KEK_PLUGIN_BUILD_DIR});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("stream"), std::string::npos);
  // Outside kek there is no server: the element says so instead of hanging.
  auto [lrc, lout] = run_command({"gst-launch-1.0", "kekrtmpsrc", "stream=x", "!", "fakesink"}, 30000,
                                 {std::string("GST_PLUGIN_PATH=") + KEK_PLUGIN_BUILD_DIR});
  EXPECT_NE(lrc, 0);
  EXPECT_NE(lout.find("only works inside kek"), std::string::npos) << lout;
}
