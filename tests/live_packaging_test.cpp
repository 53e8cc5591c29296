// Live packaging end to end: a published stream becomes HLS with a ladder and a master
// playlist, DASH, and a recording that survives a crash.
#include "support/http_client.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <sys/stat.h>
#include <vector>

using namespace kek::test;

namespace {



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

}  // namespace

TEST(LivePackaging, DashManifestAndARecordingFinalizedOnUnpublish) {
  TemplateDir t;
  t.add("dashrec", "name: dashrec\nsource: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [dash, record]\n");
  KekProcess kek({.extra_yaml = live_app_config(t, "dashrec")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/cam-key-001", 6);
  const std::string mpd = kek.media_dir() + "/live/cam/dash/manifest.mpd";
  ASSERT_TRUE(wait_for([&] { return read_file(mpd).find("<MPD") != std::string::npos; }, 20000)) << kek.output();
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                "compact=p=0", kek.http_url() + "media/live/cam/dash/manifest.mpd"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("codec_name=h264|width=320|height=180"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac"), std::string::npos) << out;
  // Fragmented MP4 that browsers can play (dash.js takes no MPEG-TS): an init segment per
  // representation and .m4s media segments that start with styp/moof.
  const std::string dash = kek.media_dir() + "/live/cam/dash";
  for (const char* rep : {"/source", "/audio"}) {
    auto inits = files_in(dash + rep, "-init.mp4");  // "<run>-init.mp4": a restart never reuses it
    ASSERT_EQ(inits.size(), 1u) << rep;
    EXPECT_EQ(read_file(inits[0]).substr(4, 4), "ftyp") << inits[0];
  }
  auto video_segments = files_in(dash + "/source", ".m4s");
  ASSERT_FALSE(video_segments.empty());
  EXPECT_EQ(read_file(video_segments[0]).substr(4, 4), "styp");
  EXPECT_TRUE(files_in(dash, ".ts").empty() && files_in(dash + "/source", ".ts").empty());
  EXPECT_NE(read_file(mpd).find("codecs=\"avc1."), std::string::npos) << read_file(mpd);
  EXPECT_EQ(pub->wait(30000), 0) << pub->output();
  ASSERT_TRUE(wait_for([&] { return kek.output().find("recording of stream 'cam' finished") != std::string::npos; }, 15000))
      << kek.output();
  // Unpublished: the pipeline ended with EOS and the MPD says the stream is over.
  const std::string final_mpd = read_file(mpd);
  EXPECT_NE(final_mpd.find("type=\"static\""), std::string::npos) << final_mpd;
  auto [frc, fout] = run_command({"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", mpd});
  EXPECT_EQ(frc, 0) << fout;
  EXPECT_NEAR(std::atof(fout.c_str()), 6.0, 2.5) << final_mpd;
  auto recordings = files_in(kek.media_dir() + "/recordings/cam", ".mp4");
  ASSERT_EQ(recordings.size(), 1u);
  // 6 s were published (a keyframe every 2 s): the recording may start at most one GOP late, and
  // holds nothing that was not sent (a few frames of muxing slack).
  const double duration = ffprobe_duration(recordings[0]);
  std::printf("recording: %.3f s of 6 s published\n", duration);
  EXPECT_GE(duration, 6.0 - 2.0) << recordings[0] << ": more than one GOP short";
  EXPECT_LE(duration, 6.0 + 0.2) << recordings[0] << ": longer than what was published";
}

TEST(LivePackaging, ARecordingSurvivesSigkill) {
  TemplateDir t;
  t.add("rec", "name: rec\nsource: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [record]\n");
  KekProcess kek({.extra_yaml = live_app_config(t, "rec")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  const int64_t published = g_get_monotonic_time();
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/cam-key-001", 30);
  ASSERT_TRUE(wait_for([&] { return http_get(kek.http_url(), "/api/pipelines/live-cam").body.find("\"running\"") != std::string::npos; }, 15000));
  const int64_t started = g_get_monotonic_time();
  g_usleep(6 * G_USEC_PER_SEC);
  const double recorded_s = static_cast<double>(g_get_monotonic_time() - started) / G_USEC_PER_SEC;
  const double sent_s = static_cast<double>(g_get_monotonic_time() - published) / G_USEC_PER_SEC;
  kek.signal(SIGKILL);  // no EOS, no finalizing: only what robust muxing already wrote
  kek.wait_exit(5000);
  auto recordings = files_in(kek.media_dir() + "/recordings/cam", ".mp4");
  ASSERT_EQ(recordings.size(), 1u);
  const double duration = ffprobe_duration(recordings[0]);
  // Readable up to its last 1 s fragment: at most one GOP (2 s) and one fragment short of what the
  // running pipeline got, and never longer than what ffmpeg had sent (it runs in real time).
  std::printf("killed recording: %.3f s (pipeline ran %.3f s, publisher sent %.3f s)\n", duration, recorded_s, sent_s);
  EXPECT_GE(duration, recorded_s - 2.0 - 1.0) << "a killed recording is still readable, up to its last fragment";
  EXPECT_LE(duration, sent_s + 0.2) << "longer than what was published";
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", recordings[0]});
  EXPECT_NE(out.find("h264"), std::string::npos) << out;
}

TEST(LivePackaging, AudioOnlyAndVideoOnlyStreamsWork) {
  TemplateDir t;
  t.add("dashonly", "name: dashonly\nsource: kekrtmpsrc stream=${stream} ! flvdemux name=demux\noutputs: [dash]\n");
  for (const auto& [video, audio, expect, absent] : {std::tuple{false, true, "aac", "h264"}, {true, false, "h264", "aac"}}) {
    KekProcess kek({.extra_yaml = live_app_config(t, "dashonly")});
    ASSERT_TRUE(kek.ready()) << kek.output();
    auto pub = publish_test_stream(kek.endpoint("rtmp") + "/cam-key-001", 6, video, audio);
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

namespace {

struct Variant {
  std::map<std::string, std::string> attrs;
  std::string uri;
};

std::vector<Variant> parse_master(const std::string& text) {
  std::vector<Variant> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("#EXT-X-STREAM-INF:")) continue;
    Variant v;
    std::string attrs = line.substr(18);
    size_t p = 0;
    while (p < attrs.size()) {
      size_t eq = attrs.find('=', p);
      if (eq == std::string::npos) break;
      std::string key = attrs.substr(p, eq - p);
      std::string value;
      size_t q = eq + 1;
      if (attrs[q] == '"') {
        size_t close = attrs.find('"', q + 1);
        value = attrs.substr(q + 1, close - q - 1);
        q = close + 1;
      } else {
        size_t comma = attrs.find(',', q);
        value = attrs.substr(q, comma == std::string::npos ? std::string::npos : comma - q);
        q = comma == std::string::npos ? attrs.size() : comma;
      }
      v.attrs[key] = value;
      p = q + 1;
    }
    std::getline(in, v.uri);
    out.push_back(v);
  }
  return out;
}

// Bits per second of a variant's segments on disk, from their sizes and EXTINF durations.
// What a variant's segments carry: all bytes over all time, and RFC 8216's peak segment bit
// rate (the highest rate of any run of contiguous segments lasting 0.5 to 1.5 target durations).
struct Carried {
  double average_bps = 0;
  double peak_bps = 0;
};
Carried measured_bps(const std::string& dir) {
  std::string list = read_file(dir + "/index.m3u8");
  std::istringstream in(list);
  std::string line;
  double target = 0;
  std::vector<std::pair<double, double>> segments;  // seconds, bytes
  while (std::getline(in, line)) {
    if (line.starts_with("#EXT-X-TARGETDURATION:")) target = std::atof(line.c_str() + 22);
    if (!line.starts_with("#EXTINF:")) continue;
    double d = std::atof(line.c_str() + 8);
    std::string name;
    std::getline(in, name);
    struct stat st {};
    if (stat((dir + "/" + name).c_str(), &st) == 0) segments.emplace_back(d, static_cast<double>(st.st_size));
  }
  Carried c;
  double seconds = 0, bytes = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    seconds += segments[i].first;
    bytes += segments[i].second;
    double run_s = 0, run_bytes = 0;
    for (size_t j = i; j < segments.size() && run_s <= 1.5 * target; ++j) {
      run_s += segments[j].first;
      run_bytes += segments[j].second;
      if (run_s >= 0.5 * target && run_s <= 1.5 * target) c.peak_bps = std::max(c.peak_bps, run_bytes * 8 / run_s);
    }
  }
  c.average_bps = seconds > 0 ? bytes * 8 / seconds : 0;
  return c;
}

}  // namespace

TEST(LivePackaging, LadderHasAMasterPlaylistWithEveryVariantAndTheirResolutions) {
  TemplateDir t;
  t.add("ladder", "name: ladder\nsource: kekrtmpsrc stream=${stream} ! flvdemux name=demux\n"
                  "defaults: {preset: ultrafast}\n"
                  "ladder:\n  - {name: source, passthrough: true}\n  - {name: 120p, height: 120, bitrate: 250k}\n"
                  "  - {name: 90p, height: 90, bitrate: 150k}\n  - {name: 720p, height: 720, bitrate: 3000k}\n"
                  "outputs: [hls]\n");
  KekProcess kek({.extra_yaml = live_app_config(t, "ladder")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  BackgroundProcess pub({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                         "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i", "sine", "-t", "9", "-c:v", "libx264",
                         "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50", "-b:v", "400k", "-c:a", "aac",
                         "-f", "flv", kek.endpoint("rtmp") + "/cam-key-001"});
  EXPECT_EQ(pub.wait(40000), 0) << pub.output();
  const std::string base = kek.media_dir() + "/live/cam";
  // Every variant's playlist is closed once the pipeline has drained (encoded rungs end last).
  ASSERT_TRUE(wait_for([&] {
    for (const char* v : {"source", "120p", "90p"})
      if (read_file(base + "/" + v + "/index.m3u8").find("#EXT-X-ENDLIST") == std::string::npos) return false;
    return true;
  }, 20000)) << kek.output();
  auto variants = parse_master(read_file(base + "/index.m3u8"));
  ASSERT_EQ(variants.size(), 3u) << read_file(base + "/index.m3u8") << "\n(no upscaled 720p for a 180p source)";
  const std::map<std::string, std::string> resolution = {
      {"source/index.m3u8", "320x180"}, {"120p/index.m3u8", "214x120"}, {"90p/index.m3u8", "160x90"}};
  for (const auto& v : variants) {
    ASSERT_TRUE(resolution.count(v.uri)) << v.uri;
    EXPECT_EQ(v.attrs.at("RESOLUTION"), resolution.at(v.uri)) << v.uri;
    EXPECT_NE(v.attrs.at("CODECS").find("avc1."), std::string::npos) << v.uri;
    EXPECT_NE(v.attrs.at("CODECS").find("mp4a.40.2"), std::string::npos) << v.uri;
    EXPECT_EQ(v.attrs.at("FRAME-RATE"), "25.000") << v.uri;
    EXPECT_TRUE(v.attrs.count("AVERAGE-BANDWIDTH")) << v.uri;
    const double declared = std::atof(v.attrs.at("BANDWIDTH").c_str());
    const double declared_average = std::atof(v.attrs.at("AVERAGE-BANDWIDTH").c_str());
    const Carried carried = measured_bps(base + "/" + v.uri.substr(0, v.uri.find('/')));
    std::printf("%s: BANDWIDTH %.0f (segments peak %.0f, ratio %.2f), AVERAGE-BANDWIDTH %.0f (segments %.0f, ratio %.2f)\n",
                v.uri.c_str(), declared, carried.peak_bps, declared / carried.peak_bps, declared_average,
                carried.average_bps, declared_average / carried.average_bps);
    ASSERT_GT(carried.peak_bps, 0) << v.uri;
    EXPECT_GE(declared, carried.peak_bps) << v.uri << ": BANDWIDTH under the segments' peak";
    EXPECT_LE(declared, carried.peak_bps * 1.3) << v.uri << ": BANDWIDTH over 1.3x the segments' peak";
    EXPECT_NEAR(declared_average / carried.average_bps, 1.0, 0.15) << v.uri << ": AVERAGE-BANDWIDTH off by over 15 %";
    EXPECT_NE(read_file(base + "/" + v.uri).find("#EXT-X-ENDLIST"), std::string::npos) << v.uri;
  }
  // Keyframes aligned across the rungs: every variant is cut into segments of the same lengths
  // (one frame off would show as 0.04 s); the last, cut by the end of the stream, aside.
  auto durations = [&](const std::string& v) {
    std::vector<double> d;
    std::istringstream in(read_file(base + "/" + v + "/index.m3u8"));
    for (std::string line; std::getline(in, line);)
      if (line.starts_with("#EXTINF:")) d.push_back(std::atof(line.c_str() + 8));
    return d;
  };
  const std::vector<double> source = durations("source");
  ASSERT_GE(source.size(), 3u) << read_file(base + "/source/index.m3u8");
  for (const char* v : {"120p", "90p"}) {
    const std::vector<double> d = durations(v);
    ASSERT_EQ(d.size(), source.size()) << v << "\n" << read_file(base + "/" + v + "/index.m3u8");
    for (size_t i = 0; i + 1 < d.size(); ++i) EXPECT_NEAR(d[i], source[i], 0.02) << v << ", segment " << i;
  }
  // ffprobe reads the master and every variant with its resolution.
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0",
                                kek.http_url() + "media/live/cam/index.m3u8"});
  EXPECT_EQ(rc, 0) << out;
  for (const char* wh : {"320,180", "214,120", "160,90"}) EXPECT_NE(out.find(wh), std::string::npos) << wh << "\n" << out;
  // Scaled by the swscale plugin's element, as in an install whose kek.yaml lists it (kOutputPlugins).
  EXPECT_NE(kek.output().find("! kekswscale method=bicubic ! video/x-raw,format=I420,width=214,height=120 !"),
            std::string::npos) << kek.output();
  EXPECT_EQ(kek.output().find("videoscale"), std::string::npos) << kek.output();
}

TEST(LivePackaging, AResolutionChangeMidStreamKeepsTheStreamGoing) {
  TemplateDir t;
  std::string clips = make_temp_dir();
  for (const auto& [name, size] : {std::pair{"a.flv", "320x180"}, {"b.flv", "640x360"}}) {
    auto [rc, out] = run_command({"ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                                  std::string("testsrc=size=") + size + ":rate=25", "-f", "lavfi", "-i", "sine", "-t", "4",
                                  "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50", "-c:a",
                                  "aac", "-f", "flv", clips + "/" + name});
    ASSERT_EQ(rc, 0) << out;
  }
  g_file_set_contents((clips + "/list.txt").c_str(), "file 'a.flv'\nfile 'b.flv'\n", -1, nullptr);
  KekProcess kek({.extra_yaml = live_app_config(t, "live")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  BackgroundProcess pub({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "concat", "-i",
                         clips + "/list.txt", "-c", "copy", "-f", "flv", kek.endpoint("rtmp") + "/cam-key-001"});
  EXPECT_EQ(pub.wait(40000), 0) << pub.output();
  const std::string variant = kek.media_dir() + "/live/cam/source";
  ASSERT_TRUE(wait_for([&] { return read_file(variant + "/index.m3u8").find("#EXT-X-ENDLIST") != std::string::npos; }, 20000))
      << kek.output();
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0",
                                variant + "/index.m3u8"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(kek.running());
  // Both sizes made it into segments of the one playlist.
  std::string sizes;
  if (GDir* d = g_dir_open(variant.c_str(), 0, nullptr)) {
    while (const char* name = g_dir_read_name(d)) {
      if (!g_str_has_suffix(name, ".ts")) continue;
      sizes += run_command({"ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "stream=width", "-of",
                            "csv=p=0", variant + "/" + name}).second;
    }
    g_dir_close(d);
  }
  EXPECT_NE(sizes.find("320"), std::string::npos) << sizes;
  EXPECT_NE(sizes.find("640"), std::string::npos) << sizes;
  // Players are told where the size changes, and the master describes the stream as it is now.
  const std::string list = read_file(variant + "/index.m3u8");
  size_t discontinuities = 0;
  for (size_t p = 0; (p = list.find("#EXT-X-DISCONTINUITY\n", p)) != std::string::npos; ++p) ++discontinuities;
  EXPECT_EQ(discontinuities, 1u) << list;
  const std::string master = read_file(kek.media_dir() + "/live/cam/index.m3u8");
  EXPECT_NE(master.find("RESOLUTION=640x360"), std::string::npos) << master;
  remove_tree(clips);
}

