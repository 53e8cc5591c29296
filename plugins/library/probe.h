// What a media file holds, read with GstDiscoverer on a worker thread with a time limit; a file
// that is not usable media gets a reason its owner can act on.
#pragma once

#include <gst/pbutils/pbutils.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kek::library {

struct ProbedTrack {
  int index = 0;          // order among the tracks of its kind
  std::string language;   // ISO 639 code from the tags, "" when untagged
  std::string label;      // title tag, "" when none
  std::string codec;      // "aac", "opus", "subrip", ...
  int channels = 0;       // audio only
};

struct ProbeResult {
  bool ok = false;
  std::string error;      // why not, in words for the owner
  double duration_s = 0;
  std::string container;  // "mp4", "matroska", "mpegts", ... ("" for a bare stream)
  std::string video_codec, audio_codec;
  int width = 0, height = 0;
  double fps = 0;
  bool has_video = false;
  std::vector<ProbedTrack> audio;
  std::vector<ProbedTrack> subtitles;  // text subtitle tracks
};

// Largest picture this server accepts (a side): a 20000x20000 header is refused, not decoded.
inline constexpr int kMaxVideoSide = 8192;

// A quick look (blocking: a worker thread) for the damage GstDiscoverer is slow to report: an
// MP4/MOV whose top-level boxes run past the end of the file or that has no index (moov), as an
// upload or a recording cut short leaves it. The reason, or "" when nothing is seen.
std::string quick_damage_check(const std::string& path);

// Probes one local file at a time with GstDiscoverer's asynchronous mode: the demuxing runs on
// GStreamer's threads, the answer comes on the main loop (the timeout bounds a stuck file).
class Prober {
 public:
  explicit Prober(int timeout_s);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;
  // The caller waits for `done` before asking again.
  void probe(const std::string& path, std::function<void(ProbeResult)> done);

 private:
  static void on_discovered(GstDiscoverer* discoverer, GstDiscovererInfo* info, GError* error, gpointer self);
  int timeout_s_;
  GstDiscoverer* discoverer_ = nullptr;
  std::function<void(ProbeResult)> pending_;
  std::string path_;  // of the pending probe
};

}  // namespace kek::library
