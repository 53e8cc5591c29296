#include "live_output.h"

#include <kek/media/rendition_settings.h>

namespace kek::hls {

using media::join_list;

LiveOutput live_output() {
  LiveOutput out;
  out.name = "hls";
  out.branch = [](const LiveLayoutContext& c) -> Result<LiveOutputBranch> {
    LiveOutputBranch b;
    std::vector<std::string> names, bitrates;
    // The rung's byte-stream H.264 as it comes from its tee: mpegtsmux takes nothing else.
    for (size_t i = 0; i < c.rungs.size(); ++i) {
      const auto& r = c.rungs[i];
      b.launch += " " + r.tee + ". ! " + c.queue + " ! hls.video_" + std::to_string(i);
      names.push_back(r.name);
      bitrates.push_back(std::to_string(r.declared_bps));
    }
    if (!c.audio_tee.empty()) b.launch += " " + c.audio_tee + ". ! " + c.queue + " ! hls.audio";
    b.launch += " kekhlssink name=hls location=" + c.output_dir + " target-duration=" + std::to_string(c.segment_s) +
                " playlist-length=" + std::to_string(c.window);
    if (!c.rungs.empty()) b.launch += " variants=" + join_list(names) + " bitrates=" + join_list(bitrates);
    b.directories.push_back(c.output_dir);
    return b;
  };
  out.url_keys = {"playlist"};
  out.urls = [](const LiveOutputPlace& p) -> std::vector<LiveUrl> {
    if (p.url.empty()) return {};
    return {{"playlist", p.url + "index.m3u8"}};
  };
  return out;
}

}  // namespace kek::hls
