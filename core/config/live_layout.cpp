#include "config/live_layout.h"

#include <kek/media/ladder.h>

#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace kek::core {

namespace {

int to_int(const std::string& s, int fallback) {
  if (s.empty()) return fallback;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  return (end && *end == '\0' && v > 0) ? static_cast<int>(v) : fallback;
}

bool truthy(const std::string& s, bool fallback) {
  if (s.empty()) return fallback;
  return s == "1" || s == "true" || s == "yes";
}

// Queues between branches: time-bounded, so one slow branch cannot hold unbounded memory.
constexpr const char* kQueue = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000";

std::vector<std::string> effective_outputs(const LiveLayout& layout,
                                           const std::function<std::string(const std::string&)>& lookup) {
  std::vector<std::string> outputs = layout.outputs;
  if (outputs.empty()) outputs = {"hls"};
  if (truthy(lookup("record"), false) && std::find(outputs.begin(), outputs.end(), "record") == outputs.end())
    outputs.push_back("record");
  return outputs;
}

std::string output_dir(const LiveLayout& layout) {
  return layout.output_dir.empty() ? "${media_dir}/${app}/${stream}" : layout.output_dir;
}
std::string record_dir(const LiveLayout& layout) {
  return layout.record_dir.empty() ? "${media_dir}/recordings/${stream}" : layout.record_dir;
}

// The preview picture (plugins/thumbnails) of every stream with video, unless the template sets
// thumbnails: "false". Cheap: one keyframe decoded per interval, the passthrough stays undecoded.
// A build without the thumbnails plugin leaves the branch out rather than fail every stream.
bool wants_thumbnail(const std::function<std::string(const std::string&)>& lookup) {
  if (!truthy(lookup("has_video"), true) || !truthy(lookup("thumbnails"), true)) return false;
  g_autoptr(GstElementFactory) factory = gst_element_factory_find("kekthumbnailsink");
  return factory != nullptr;
}

}  // namespace

std::vector<std::string> live_layout_directories(const LiveLayout& layout,
                                                 const std::function<std::string(const std::string&)>& lookup) {
  std::vector<std::string> dirs;
  auto outputs = effective_outputs(layout, lookup);
  auto wants = [&](const char* o) { return std::find(outputs.begin(), outputs.end(), o) != outputs.end(); };
  // The thumbnail goes beside the HLS/DASH files, so the folder exists for it alone too.
  if (wants("hls") || wants("dash") || wants_thumbnail(lookup)) dirs.push_back(output_dir(layout));
  if (wants("dash")) dirs.push_back(output_dir(layout) + "/dash");
  if (wants("record")) dirs.push_back(record_dir(layout));
  return dirs;
}

int rung_width(int height, int source_width, int source_height) {
  return media::rung_width(height, source_width, source_height);
}

Result<std::string> live_layout_launch(const LiveLayout& layout,
                                       const std::function<std::string(const std::string&)>& lookup) {
  if (layout.source.find("name=demux") == std::string::npos)
    return Error{"a live layout's source must end in a demuxer named demux", 400};
  const bool has_video = truthy(lookup("has_video"), true);
  const bool has_audio = truthy(lookup("has_audio"), true);
  if (!has_video && !has_audio) return Error{"the stream has neither audio nor video", 400};
  const int src_w = to_int(lookup("source_width"), 0);
  const int src_h = to_int(lookup("source_height"), 0);
  const int fps = std::clamp(to_int(lookup("fps"), 30), 1, 120);
  const int segment_s = std::clamp(to_int(lookup("segment_s"), 2), 1, 30);
  const int window = std::clamp(to_int(lookup("window"), 6), 2, 100);
  const std::string preset = lookup("preset").empty() ? "veryfast" : lookup("preset");

  const std::vector<std::string> outputs = effective_outputs(layout, lookup);
  auto wants = [&](const char* o) { return std::find(outputs.begin(), outputs.end(), o) != outputs.end(); };
  for (const auto& o : outputs)
    if (o != "hls" && o != "dash" && o != "record") return Error{"unknown output '" + o + "' (hls, dash, record)", 400};

  // Rungs that make sense for this source: no upscaling, the passthrough always kept.
  std::vector<LadderRung> rungs;
  for (const auto& r : layout.ladder) {
    if (!r.passthrough && src_h > 0 && r.height >= src_h) continue;
    rungs.push_back(r);
  }
  if (rungs.empty()) rungs.push_back(LadderRung{"source", true, 0, 0});

  std::string line = layout.source;
  std::vector<std::string> names, bitrates;
  if (has_video) {
    line += " demux.video ! " + std::string(kQueue) + " ! h264parse config-interval=-1 ! tee name=srcv";
    const bool any_encoded = std::any_of(rungs.begin(), rungs.end(), [](auto& r) { return !r.passthrough; });
    if (any_encoded) line += " srcv. ! " + std::string(kQueue) + " ! avdec_h264 ! videoconvert ! tee name=raw";
    const int gop = fps * segment_s;  // every rung's keyframes fall on segment boundaries
    // Scale in cascade: each encoded rung from the next taller one (1080p -> 720p -> 480p), not
    // every rung from the decoded source; the smaller input makes each scale cheaper.
    auto scale_input = [&](size_t rung) {
      const LadderRung* best = nullptr;
      size_t best_index = 0;
      for (size_t j = 0; j < rungs.size(); ++j) {
        const auto& o = rungs[j];
        if (j == rung || o.passthrough || o.height <= rungs[rung].height) continue;
        if (!best || o.height < best->height) {
          best = &o;
          best_index = j;
        }
      }
      return best ? "scaled" + std::to_string(best_index) : std::string("raw");
    };
    for (size_t i = 0; i < rungs.size(); ++i) {
      const auto& r = rungs[i];
      names.push_back(r.name);
      std::string rung_tee = "srcv";
      if (!r.passthrough) {
        rung_tee = "rung" + std::to_string(i);
        const int w = rung_width(r.height, src_w, src_h);
        line += " " + scale_input(i) + ". ! " + std::string(kQueue) + " ! videoscale ! video/x-raw,format=I420,width=" +
                std::to_string(w) + ",height=" + std::to_string(r.height) + " ! tee name=scaled" + std::to_string(i) +
                " scaled" + std::to_string(i) + ". ! " + kQueue + " ! x264enc tune=zerolatency speed-preset=" + preset +
                " bitrate=" + std::to_string(r.bitrate_kbps) + " vbv-buf-capacity=" + std::to_string(segment_s * 500) +
                " key-int-max=" + std::to_string(gop) + " bframes=0 option-string=\"scenecut=0:min-keyint=" +
                std::to_string(gop) + "\" ! video/x-h264,profile=main ! h264parse ! tee name=" + rung_tee;
        bitrates.push_back(std::to_string(r.bitrate_kbps * 1000));
      } else {
        bitrates.push_back("0");
      }
      if (wants("hls")) line += " " + rung_tee + ". ! " + kQueue + " ! hls.video_" + std::to_string(i);
      // Its own parser, as for the recording: kekdashsink writes MP4 (avc, length-prefixed NAL
      // units with codec_data) while the rung's parser feeds the TS muxers byte-stream.
      if (wants("dash")) line += " " + rung_tee + ". ! " + kQueue + " ! h264parse ! dash.video_" + std::to_string(i);
    }
    // Its own parser: MP4 wants avc stream-format, the TS muxers byte-stream, and one parser
    // before the tee cannot give both.
    if (wants("record")) line += " srcv. ! " + std::string(kQueue) + " ! h264parse ! recmux.video_0";
    // Leaky and short: a picture may be late, the stream never waits for it.
    if (wants_thumbnail(lookup))
      line += " srcv. ! queue leaky=downstream max-size-buffers=30 max-size-bytes=0 max-size-time=0 ! "
              "kekthumbnailsink location=" + output_dir(layout) + "/thumb.jpg interval=" +
              std::to_string(std::clamp(to_int(lookup("thumbnail_interval"), 10), 1, 3600));
  }
  if (has_audio) {
    line += " demux.audio ! " + std::string(kQueue) + " ! aacparse ! tee name=srca";
    if (wants("hls")) line += " srca. ! " + std::string(kQueue) + " ! hls.audio";
    if (wants("dash")) line += " srca. ! " + std::string(kQueue) + " ! dash.audio";
    if (wants("record")) line += " srca. ! " + std::string(kQueue) + " ! aacparse ! recmux.audio_0";
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
  };
  const std::string out = output_dir(layout);
  if (wants("hls")) {
    line += " kekhlssink name=hls location=" + out + " target-duration=" + std::to_string(segment_s) +
            " playlist-length=" + std::to_string(window);
    if (has_video) line += " variants=" + join(names) + " bitrates=" + join(bitrates);
  }
  // Our own fragmented-MP4 packager: GStreamer 1.22's dashsink with muxer=mp4 cuts audio into one
  // fragment per buffer and stalls video, and its MPEG-TS segments do not play in dash.js.
  if (wants("dash")) {
    line += " kekdashsink name=dash location=" + out + "/dash mpd-name=manifest.mpd target-duration=" +
            std::to_string(segment_s) + " window=" + std::to_string(window);
    if (has_video) line += " representations=" + join(names) + " bitrates=" + join(bitrates);
  }
  if (wants("record")) {
    const std::string rec = record_dir(layout);
    // Fragmented MP4 written as it goes (a fragment a second): a file cut off by a crash is
    // still playable up to its last fragment. The filesink named "record" announces the file
    // (pipeline.file-closed) when the pipeline ends.
    line += " mp4mux name=recmux fragment-duration=1000 streamable=true ! filesink name=record location=" + rec +
            "/${run}.mp4";
  }
  return line;
}

}  // namespace kek::core
