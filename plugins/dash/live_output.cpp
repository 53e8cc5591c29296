#include "live_output.h"

#include <kek/media/rendition_settings.h>

#include <glib.h>

#include <string>
#include <vector>

namespace kek::dash {

using media::join_list;

namespace {

// Every rung through its own parser (MP4 segments carry avc: length-prefixed NAL units with
// codec_data) and the audio into the kekdashsink named `sink`, then the sink itself.
std::string packaging(const LiveLayoutContext& c, const std::string& sink, const std::string& location,
                      const std::string& properties) {
  std::string launch;
  std::vector<std::string> names, bitrates;
  for (size_t i = 0; i < c.rungs.size(); ++i) {
    const auto& r = c.rungs[i];
    launch += " " + branch_from(c, r.tee) + "h264parse ! " + sink + ".video_" + std::to_string(i);
    names.push_back(r.name);
    bitrates.push_back(std::to_string(r.declared_bps));
  }
  if (!c.audio_tee.empty()) launch += " " + branch_from(c, c.audio_tee) + sink + ".audio";
  // Our own fragmented-MP4 packager: GStreamer 1.22's dashsink with muxer=mp4 cuts audio into
  // one fragment per buffer and stalls video, and its MPEG-TS segments do not play in dash.js.
  launch += " kekdashsink name=" + sink + " location=" + location + " mpd-name=manifest.mpd target-duration=" +
            std::to_string(c.segment_s) + " window=" + std::to_string(c.window) + properties;
  if (!c.rungs.empty()) launch += " representations=" + join_list(names) + " bitrates=" + join_list(bitrates);
  return launch;
}

}  // namespace

LiveOutput live_output() {
  LiveOutput out;
  out.name = "dash";
  out.branch = [](const LiveLayoutContext& c) -> Result<LiveOutputBranch> {
    LiveOutputBranch b;
    // With `llhls` in the line its kekdashsink writes the MPD too: one packaging.
    if (lists_output(c.outputs, "llhls")) return b;
    b.launch = packaging(c, "dash", c.output_dir + "/dash", "");
    b.directories.push_back(c.output_dir);
    b.directories.push_back(c.output_dir + "/dash");
    return b;
  };
  out.url_keys = {"dash"};
  out.inline_safe = true;  // kekdashsink writes on its inputs' threads and never waits
  out.takes_avc = true;    // every rung through its own h264parse
  out.takes_raw_aac = true;  // kekdashsink takes raw AAC with codec_data, rate and channels
  out.urls = [](const LiveOutputPlace& p) -> std::vector<LiveUrl> {
    if (p.url.empty()) return {};
    return {{"dash", p.url + (lists_output(p.outputs, "llhls") ? "manifest.mpd" : "dash/manifest.mpd")}};
  };
  return out;
}

LiveOutput llhls_output() {
  LiveOutput out;
  out.name = "llhls";
  out.branch = [](const LiveLayoutContext& c) -> Result<LiveOutputBranch> {
    if (lists_output(c.outputs, "hls"))
      return Error{"outputs llhls and hls both write the stream's index.m3u8: list one of them", 400};
    double part_s = kDefaultPartSeconds;
    if (const std::string text = c.lookup ? c.lookup("part_s") : std::string(); !text.empty()) {
      char* end = nullptr;
      part_s = g_ascii_strtod(text.c_str(), &end);
      if (!end || *end || !(part_s >= 0.2) || part_s > c.segment_s)
        return Error{"part_s '" + text + "': seconds from 0.2 to segment_s (" + std::to_string(c.segment_s) + ")", 400};
    }
    char part[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(part, sizeof part, "%.3f", part_s);
    LiveOutputBranch b;
    b.launch = packaging(c, "llhls", c.output_dir, std::string(" hls-master-name=index.m3u8 part-duration=") + part);
    b.directories.push_back(c.output_dir);
    return b;
  };
  out.url_keys = {"playlist"};
  out.inline_safe = true;  // the same kekdashsink
  out.takes_avc = true;
  out.takes_raw_aac = true;
  out.urls = [](const LiveOutputPlace& p) -> std::vector<LiveUrl> {
    if (p.url.empty()) return {};
    // The master where the `hls` output has it, with its per-publish ?session= (a cache never
    // hands a new session the last one's playlist).
    return {{"playlist", p.url + "index.m3u8" + (p.since_us > 0 ? "?session=" + std::to_string(p.since_us / 1000) : "")}};
  };
  return out;
}

}  // namespace kek::dash
