#include "live_output.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <cstdlib>

namespace kek::thumbnails {

namespace {
bool truthy(const std::string& s, bool fallback) {
  if (s.empty()) return fallback;
  return s == "1" || s == "true" || s == "yes";
}

int interval_s(const VarLookup& lookup) {
  const std::string s = lookup("thumbnail_interval");
  char* end = nullptr;
  long v = s.empty() ? 0 : std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end || v <= 0) v = 10;
  return static_cast<int>(std::clamp<long>(v, 1, 3600));
}
}  // namespace

LiveOutput live_output(std::shared_ptr<Demand> demand) {
  LiveOutput out;
  out.name = "thumbnail";
  out.joins_unlisted = [](const LiveLayoutContext& c) {
    return c.has_video && truthy(c.lookup("thumbnails"), true);
  };
  out.branch = [](const LiveLayoutContext& c) -> Result<LiveOutputBranch> {
    LiveOutputBranch b;
    if (c.video_tee.empty()) return b;  // listed for an audio-only stream: nothing to picture
    // No queue: the sink only hands a keyframe per interval to the decode pool and never waits,
    // so it runs on the tee's thread beside the other branches.
    b.launch = " " + c.video_tee + ". ! kekthumbnailsink location=" + c.output_dir +
               "/thumb.jpg interval=" + std::to_string(interval_s(c.lookup)) + " on-demand=true";
    // The picture goes beside the HLS/DASH files: the folder exists for it alone too.
    b.directories.push_back(c.output_dir);
    return b;
  };
  out.url_keys = {"thumbnail"};
  out.inline_safe = true;  // the sink hands keyframes to the decode pool and never waits
  out.takes_avc = true;    // kekthumbnailsink decodes avc with its codec_data
  out.takes_raw_aac = true;  // it takes no audio
  out.urls = [demand](const LiveOutputPlace& p) -> std::vector<LiveUrl> {
    if (p.url.empty()) return {};
    g_autofree char* path = g_build_filename(p.dir.c_str(), "thumb.jpg", nullptr);
    // Listed (/api/live): somebody may look at the picture, so the sink makes a new one at its
    // next keyframe past the interval. This answer has the picture there is now.
    if (demand) demand->ask(path);
    GStatBuf st;
    if (g_stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return {};
    const int64_t mtime = static_cast<int64_t>(st.st_mtime);
    if (mtime < p.since_us / G_USEC_PER_SEC - 1) return {};
    return {{"thumbnail", p.url + "thumb.jpg?v=" + std::to_string(mtime)}};
  };
  return out;
}

}  // namespace kek::thumbnails
