#include "live_output.h"

#include <kek/media/rendition_settings.h>

#include <algorithm>
#include <cstdlib>

namespace kek::hls {

using media::join_list;

namespace {

int64_t number_or(const std::string& text, int64_t fallback) {
  if (text.empty()) return fallback;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  return end && *end == '\0' && v >= 0 ? v : fallback;
}

}  // namespace

RewindWindow rewind_window(const LiveLayoutContext& c) {
  RewindWindow w;
  const int64_t seconds = number_or(c.lookup ? c.lookup("dvr_window_s") : std::string(), kDefaultRewindSeconds);
  const int64_t megabytes = number_or(c.lookup ? c.lookup("dvr_max_mb") : std::string(), kDefaultRewindMegabytes);
  const int64_t segment = std::max(1, c.segment_s);
  w.segments = std::max<int64_t>(c.window, (seconds + segment - 1) / segment);
  w.max_bytes = seconds > 0 ? static_cast<uint64_t>(megabytes) * 1024 * 1024 : 0;
  return w;
}

LiveOutput live_output() {
  LiveOutput out;
  out.name = "hls";
  out.branch = [](const LiveLayoutContext& c) -> Result<LiveOutputBranch> {
    LiveOutputBranch b;
    std::vector<std::string> names, bitrates;
    // The rung's byte-stream H.264 as it comes from its tee: TS carries Annex B.
    for (size_t i = 0; i < c.rungs.size(); ++i) {
      const auto& r = c.rungs[i];
      b.launch += " " + branch_from(c, r.tee) + "hls.video_" + std::to_string(i);
      names.push_back(r.name);
      bitrates.push_back(std::to_string(r.declared_bps));
    }
    if (!c.audio_tee.empty()) b.launch += " " + branch_from(c, c.audio_tee) + "hls.audio";
    // The playlist keeps the rewind window (viewers seek back, then return to live), bounded on
    // disk per variant; players still start at the live edge.
    const RewindWindow rewind = rewind_window(c);
    b.launch += " kekhlssink name=hls location=" + c.output_dir + " target-duration=" + std::to_string(c.segment_s) +
                " playlist-length=" + std::to_string(rewind.segments);
    if (rewind.max_bytes > 0) b.launch += " max-bytes=" + std::to_string(rewind.max_bytes);
    if (!c.rungs.empty()) b.launch += " variants=" + join_list(names) + " bitrates=" + join_list(bitrates);
    b.directories.push_back(c.output_dir);
    return b;
  };
  out.url_keys = {"playlist"};
  out.inline_safe = true;  // kekhlssink writes on its inputs' threads and never waits
  out.takes_avc = true;    // kekhlssink converts flvdemux's avc to Annex B itself
  out.takes_raw_aac = true;  // it writes each raw frame behind an ADTS header from codec_data
  out.urls = [](const LiveOutputPlace& p) -> std::vector<LiveUrl> {
    if (p.url.empty()) return {};
    // Each publish has its own URL (?session=): a cache between us and a player never hands the
    // new session the last one's playlist.
    return {{"playlist", p.url + "index.m3u8" + (p.since_us > 0 ? "?session=" + std::to_string(p.since_us / 1000) : "")}};
  };
  return out;
}

}  // namespace kek::hls
