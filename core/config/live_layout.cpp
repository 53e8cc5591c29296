#include "config/live_layout.h"

#include <kek/media/ladder.h>

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

std::vector<std::string> listed_outputs(const LiveLayout& layout, const VarLookup& lookup) {
  std::vector<std::string> outputs = layout.outputs;
  if (outputs.empty()) outputs = {"hls"};
  if (truthy(lookup("record"), false) && std::find(outputs.begin(), outputs.end(), "record") == outputs.end())
    outputs.push_back("record");
  return outputs;
}

// x264's own threads for a rung of w x h at fps: one up to 720p30's pixels per second (no slice
// threads to wake and wait for every frame: the ladder's rungs and the decoder already run in
// parallel, and a veryfast 720p30 encode uses about a quarter of a core on one thread), x264's
// automatic count for larger rungs, which one thread might not keep in real time. With the
// queues below, 1.09x -> 1.04x one ffmpeg's CPU, 39 -> 12 threads
// (bench/results/live_ladder-2026-12-02-threads-busy.md).
std::string encoder_threads(int w, int h, int fps) {
  constexpr int64_t k720p30 = int64_t{1280} * 720 * 30;
  return int64_t{w} * h * fps <= k720p30 ? " threads=1" : "";
}

}  // namespace

int rung_width(int height, int source_width, int source_height) {
  return media::rung_width(height, source_width, source_height);
}

Result<LiveLine> live_layout_line(const LiveLayout& layout, const VarLookup& lookup,
                                  const LiveOutputRegistry& registry) {
  if (layout.source.find("name=demux") == std::string::npos)
    return Error{"a live layout's source must end in a demuxer named demux", 400};
  LiveLine out;
  LiveLayoutContext& c = out.context;
  c.lookup = lookup;
  c.has_video = truthy(lookup("has_video"), true);
  c.has_audio = truthy(lookup("has_audio"), true);
  if (!c.has_video && !c.has_audio) return Error{"the stream has neither audio nor video", 400};
  const int src_w = to_int(lookup("source_width"), 0);
  const int src_h = to_int(lookup("source_height"), 0);
  const int fps = std::clamp(to_int(lookup("fps"), 30), 1, 120);
  c.segment_s = std::clamp(to_int(lookup("segment_s"), 2), 1, 30);
  c.window = std::clamp(to_int(lookup("window"), 6), 2, 100);
  c.output_dir = layout.output_dir.empty() ? "${media_dir}/${app}/${stream}" : layout.output_dir;
  c.record_dir = layout.record_dir.empty() ? "${media_dir}/recordings/${stream}" : layout.record_dir;
  c.queue = kQueue;
  const std::string preset = lookup("preset").empty() ? "veryfast" : lookup("preset");

  const std::vector<std::string> listed = listed_outputs(layout, lookup);
  for (const auto& name : listed)
    if (!registry.find(name))
      return Error{"unknown output '" + name + "' (registered: " + registry.names() +
                       "; an output is registered by its plugin, which must be in the config's plugins)",
                   400};

  // Rungs that make sense for this source: no upscaling, the passthrough always kept.
  std::vector<LadderRung> ladder = layout.ladder;
  if (layout.ladder_for) {
    auto computed = layout.ladder_for(lookup);
    if (!computed) return computed.error();
    ladder = std::move(*computed);
  }
  std::vector<LadderRung> rungs;
  for (const auto& r : ladder) {
    if (!r.passthrough && r.pad.empty() && src_h > 0 && r.height >= src_h) continue;
    rungs.push_back(r);
  }
  if (rungs.empty()) rungs.push_back(LadderRung{"source", true, 0, 0, {}});
  // Rungs that come encoded from pads of their own (a film's renditions): each parsed into its
  // tee, the first standing for the published video; nothing is decoded.
  const bool from_pads = std::all_of(rungs.begin(), rungs.end(), [](auto& r) { return !r.pad.empty(); });
  if (!from_pads && std::any_of(rungs.begin(), rungs.end(), [](auto& r) { return !r.pad.empty(); }))
    return Error{"a ladder's rungs either all come from pads of the source or none does", 400};

  // The outputs in registration order: those listed, and those that join every layout they suit.
  // (joins_unlisted sees the tracks and variables; the ladder comes below.)
  std::vector<const LiveOutput*> wanted;
  for (const auto& entry : registry.all()) {
    const LiveOutput& o = entry.output;
    if (std::find(listed.begin(), listed.end(), o.name) != listed.end() || (o.joins_unlisted && o.joins_unlisted(c)))
      wanted.push_back(&o);
  }
  // Outputs that never wait for one another run on the thread of the tee they link from: the
  // published tracks' on the source's thread from the demuxer to the last file written, an encoded
  // rung's on that rung's thread. No queue per output, so a passthrough costs no thread per
  // stream and a ladder only the decoder's and one per encoded rung. An output that may wait,
  // such as a muxer of several tracks, brings a queue for every branch, and so do rungs from a
  // source's own pads (a film's renditions read by one demuxer).
  for (const LiveOutput* o : wanted) c.outputs.push_back(o->name);
  const bool inline_outputs =
      !from_pads && std::all_of(wanted.begin(), wanted.end(), [](auto* o) { return o->inline_safe; });
  if (inline_outputs) c.queue.clear();
  const std::string to_branch = c.queue.empty() ? std::string() : c.queue + " ! ";
  // flvdemux's tracks may skip their parsers (see the video and audio below).
  const bool from_flvdemux = layout.source.find("flvdemux name=demux") != std::string::npos;

  std::string& line = out.launch;
  line = layout.source;
  if (c.has_video && from_pads) {
    for (size_t i = 0; i < rungs.size(); ++i) {
      const auto& r = rungs[i];
      LiveRungTap tap{r.name, "rung" + std::to_string(i), static_cast<uint64_t>(r.bitrate_kbps) * 1000, true};
      line += " demux." + r.pad + " ! " + std::string(kQueue) + " ! h264parse config-interval=-1 ! tee name=" + tap.tee;
      c.rungs.push_back(std::move(tap));
    }
    c.video_tee = c.rungs.front().tee;
  } else if (c.has_video) {
    c.video_tee = "srcv";
    const bool any_encoded = std::any_of(rungs.begin(), rungs.end(), [](auto& r) { return !r.passthrough; });
    // flvdemux gives whole access units (one per tag) in stream-format=avc with the avcC in the
    // caps; when every output takes that (kekhlssink converts to Annex B itself, the MP4 outputs
    // parse for themselves, the thumbnails decode avc), a passthrough stream needs no parser:
    // one NAL parser (~240 KB) and a pass over every frame less per stream. Other demuxers
    // (tsdemux's byte-stream is not cut into access units) get h264parse, and so does a
    // ladder's decoder (avdec_h264 wants the caps to say alignment=au, flvdemux's do not).
    const bool whole_units = !any_encoded && from_flvdemux &&
                             std::all_of(wanted.begin(), wanted.end(), [](auto* o) { return o->takes_avc; });
    line += " demux.video ! " + to_branch + (whole_units ? "" : "h264parse config-interval=-1 ! ") + "tee name=srcv";
    if (any_encoded) line += " srcv. ! " + std::string(kQueue) + " ! avdec_h264 ! videoconvert ! tee name=raw";
    const int gop = fps * c.segment_s;  // every rung's keyframes fall on segment boundaries
    // Scale in cascade: each encoded rung from the next taller one (1080p -> 720p -> 480p), not
    // every rung from the decoded source; the smaller input makes each scale cheaper. Each encoded
    // rung runs on one thread, its queue's: scale, encode, parse and its outputs, with no hand-off
    // between the scale and the encoder (bench/results/live_ladder-2026-12-02-threads-busy.md).
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
      LiveRungTap tap{r.name, "srcv", 0, r.passthrough};
      if (!r.passthrough) {
        tap.tee = "rung" + std::to_string(i);
        tap.declared_bps = static_cast<uint64_t>(r.bitrate_kbps) * 1000;
        const int w = rung_width(r.height, src_w, src_h);
        line += " " + scale_input(i) + ". ! " + std::string(kQueue) + " ! " + registry.scaler() + " ! video/x-raw,format=I420,width=" +
                std::to_string(w) + ",height=" + std::to_string(r.height) + " ! tee name=scaled" + std::to_string(i) +
                " scaled" + std::to_string(i) + ". ! x264enc tune=zerolatency speed-preset=" + preset +
                " bitrate=" + std::to_string(r.bitrate_kbps) + " vbv-buf-capacity=" + std::to_string(c.segment_s * 500) +
                " key-int-max=" + std::to_string(gop) + " bframes=0" + encoder_threads(w, r.height, fps) +
                " option-string=\"scenecut=0:min-keyint=" +
                std::to_string(gop) + "\" ! video/x-h264,profile=main ! h264parse ! tee name=" + tap.tee;
      }
      c.rungs.push_back(std::move(tap));
    }
  }
  if (c.has_audio) {
    c.audio_tee = "srca";
    // flvdemux's AAC is framed already (one raw frame per tag, the AudioSpecificConfig as
    // codec_data, the rate taken from it): outputs that say takes_raw_aac need no aacparse, a
    // GstBaseParse pass over every audio frame less per stream.
    const bool raw_ok = from_flvdemux && std::all_of(wanted.begin(), wanted.end(), [](auto* o) { return o->takes_raw_aac; });
    line += " demux.audio ! " + to_branch + (raw_ok ? "" : "aacparse ! ") + "tee name=srca";
  }

  for (const LiveOutput* o : wanted) {
    auto branch = o->branch(c);
    if (!branch) return wrap(branch.error(), "output " + o->name);
    line += branch->launch;
    for (auto& d : branch->directories)
      if (std::find(out.directories.begin(), out.directories.end(), d) == out.directories.end())
        out.directories.push_back(std::move(d));
    out.outputs.push_back(o);
  }
  return out;
}

}  // namespace kek::core
