#include "live_output.h"

#include <kek/media/rendition_settings.h>

namespace kek::dash {

using media::join_list;

LiveOutput live_output() {
  LiveOutput out;
  out.name = "dash";
  out.branch = [](const LiveLayoutContext& c) -> Result<LiveOutputBranch> {
    LiveOutputBranch b;
    std::vector<std::string> names, bitrates;
    for (size_t i = 0; i < c.rungs.size(); ++i) {
      const auto& r = c.rungs[i];
      // Its own parser: the MP4 segments carry avc (length-prefixed NAL units with codec_data).
      b.launch += " " + branch_from(c, r.tee) + "h264parse ! dash.video_" + std::to_string(i);
      names.push_back(r.name);
      bitrates.push_back(std::to_string(r.declared_bps));
    }
    if (!c.audio_tee.empty()) b.launch += " " + branch_from(c, c.audio_tee) + "dash.audio";
    // Our own fragmented-MP4 packager: GStreamer 1.22's dashsink with muxer=mp4 cuts audio into
    // one fragment per buffer and stalls video, and its MPEG-TS segments do not play in dash.js.
    b.launch += " kekdashsink name=dash location=" + c.output_dir + "/dash mpd-name=manifest.mpd target-duration=" +
                std::to_string(c.segment_s) + " window=" + std::to_string(c.window);
    if (!c.rungs.empty()) b.launch += " representations=" + join_list(names) + " bitrates=" + join_list(bitrates);
    b.directories.push_back(c.output_dir);
    b.directories.push_back(c.output_dir + "/dash");
    return b;
  };
  out.url_keys = {"dash"};
  out.inline_safe = true;  // kekdashsink writes on its inputs' threads and never waits
  out.urls = [](const LiveOutputPlace& p) -> std::vector<LiveUrl> {
    if (p.url.empty()) return {};
    return {{"dash", p.url + "dash/manifest.mpd"}};
  };
  return out;
}

}  // namespace kek::dash
