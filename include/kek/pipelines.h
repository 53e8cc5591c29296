// Pipelines: named templates that expand into one gst-launch line, and running instances whose
// lifecycle (bus, errors, EOS, restarts with backoff, graceful stop) the host owns.
#pragma once

#include <kek/error.h>
#include <kek/live_outputs.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kek {

using Vars = std::map<std::string, std::string>;

// One rung of an adaptive ladder: the source as published (passthrough) or an encode of it.
struct LadderRung {
  std::string name;          // variant name: "source", "720p"
  bool passthrough = false;  // the source's own video, not re-encoded
  int height = 0;            // encoded rungs: output height (width follows the source's aspect)
  int bitrate_kbps = 0;      // encoded rungs: target video bitrate
  // SDK 1.3. Non-empty: the rung is this pad of the source's demuxer ("video_1"), H.264 that is
  // already encoded (a film's rendition played live): parsed, never decoded or encoded again.
  // bitrate_kbps is then what it declares. A ladder of such rungs needs no "video" pad.
  std::string pad;
};

// The structured form of a live template (YAML sugar): a source fragment that ends in a
// demuxer named "demux" (with "video" and "audio" pads), a ladder and outputs (hls, dash,
// record). The host expands it into one launch line for each start, knowing whether the
// stream has audio and video (variables has_audio, has_video) and the source's size.
struct LiveLayout {
  std::string source;                // "kekrtmpsrc stream=${stream} ! flvdemux name=demux"
  std::vector<LadderRung> ladder;    // empty: passthrough only
  std::vector<std::string> outputs;  // "hls", "dash", "record"
  std::string output_dir;            // "${media_dir}/${app}/${stream}"
  std::string record_dir;            // "${media_dir}/recordings/${stream}"
  // SDK 1.3. When set, the ladder comes from the variables at every start instead of `ladder`
  // (a film's own renditions); an error refuses the start with its message.
  std::function<Result<std::vector<LadderRung>>(const VarLookup& lookup)> ladder_for;
};

// VarLookup (a template variable's value, else its default, else "") is in kek/live_outputs.h.
// A plugin's own layout: builds the launch text (which may still hold ${variables}) from the
// variables at every expansion, e.g. a VOD ladder whose rungs depend on the probed source.
using LaunchGenerator = std::function<Result<std::string>(const VarLookup& lookup)>;

struct PipelineTemplate {
  std::string name;
  std::string description;
  // A gst-launch description with ${variables}, e.g. "videotestsrc ! ... location=${dir}/x.ts".
  std::string launch;
  Vars defaults;
  // Directories to create before start, with ${variables} too (segment folders and the like).
  std::vector<std::string> directories;
  std::string origin;  // file path or "plugin:<name>", for messages
  // When set, `launch` is generated from it at every start (and `launch` in YAML is refused).
  std::optional<LiveLayout> layout;
  // When set (plugin templates), `launch` is what it returns at every expansion instead; `kek
  // pipelines show NAME --set ...` prints that line. Added in SDK 1.1, after every other field.
  LaunchGenerator generate;
};

enum class PipelineState { starting, running, restarting, stopping, stopped, finished, failed };

inline const char* to_string(PipelineState s) {
  switch (s) {
    case PipelineState::starting: return "starting";
    case PipelineState::running: return "running";
    case PipelineState::restarting: return "restarting";
    case PipelineState::stopping: return "stopping";
    case PipelineState::stopped: return "stopped";
    case PipelineState::finished: return "finished";
    case PipelineState::failed: return "failed";
  }
  return "unknown";
}

// Starting, running, waiting to restart or stopping: the instance still holds its id.
inline bool is_active(PipelineState s) {
  return s == PipelineState::starting || s == PipelineState::running || s == PipelineState::restarting ||
         s == PipelineState::stopping;
}

struct PipelineOptions {
  bool restart_on_error = true;  // with exponential backoff, bounded
  bool restart_on_eos = false;   // live instances end with their publisher; a looping demo restarts
  int max_restarts = 10;         // consecutive failures before the instance is marked failed
  bool replace = false;          // start() tears down an instance still active under this id
};

struct PipelineInfo {
  std::string id;
  std::string template_name;
  PipelineState state = PipelineState::stopped;
  std::string launch;
  std::string last_error;
  int64_t started_at_us = 0;  // g_get_real_time() of the last successful start, 0 if none
  int64_t uptime_s = 0;
  int restarts = 0;
  Vars vars;
  // Where a running pipeline is (GStreamer position query), -1 when unknown; with the
  // duration the pipeline itself knows (-1 if none), a job's progress comes from it. SDK 1.1.
  int64_t position_ns = -1;
  int64_t duration_ns = -1;
};

class Pipelines {
 public:
  virtual ~Pipelines() = default;
  virtual Status add_template(PipelineTemplate tmpl) = 0;
  virtual std::optional<PipelineTemplate> find_template(const std::string& name) const = 0;
  // The exact gst-launch line the template gives with these variables (defaults filled in).
  virtual Result<std::string> expand(const std::string& template_name, const Vars& vars) const = 0;
  // Starts an instance; the id must be unused (or belong to an ended instance).
  virtual Status start(const std::string& id, const std::string& template_name, const Vars& vars,
                       PipelineOptions options = {}) = 0;
  // Sends EOS and waits (asynchronously, bounded) for it before tearing the pipeline down, so
  // playlists get EXT-X-ENDLIST and recordings are finalized.
  virtual Status stop(const std::string& id) = 0;
  // Tears an instance down at once (no EOS) and builds it again with the same variables.
  virtual Status restart(const std::string& id) = 0;
  virtual std::optional<PipelineInfo> info(const std::string& id) const = 0;
  virtual std::vector<PipelineInfo> list() const = 0;

  // SDK 1.2 (kek/live_outputs.h). Registers an output that live layouts can list; the name must
  // be new. Outputs of a plugin whose init fails are forgotten with its templates.
  virtual Status add_live_output(LiveOutput output) = 0;
  // What the template's live layout writes and publishes for a stream with these variables
  // (started at since_us). A template that is no live layout publishes no URLs; its folders are
  // its `directories`.
  virtual LivePublication live_publication(const std::string& template_name, const Vars& vars,
                                           int64_t since_us) const = 0;
  // SDK 1.3. What scales the decoded video of a live layout's encoded rungs instead of
  // GStreamer's videoscale: a gst-launch fragment that takes raw I420 and gives it at the size of
  // the caps after it ("kekswscale method=bicubic"). One per process; a second is refused, and a
  // plugin whose init fails takes its scaler with it.
  virtual Status set_live_scaler(std::string launch) = 0;
};

}  // namespace kek
