// Outputs of live layouts (SDK 1.2). A live template lists its outputs by name
// (`outputs: [hls, dash]`); each is registered by the plugin that owns it, through
// Pipelines::add_live_output: the branch it adds to the stream's gst-launch line, the folders it
// writes, and the URLs it publishes for /api/live. The host builds the shared part of the line
// (the demuxer, the decoded and scaled ladder, the tees every output links from) and knows no
// output's element, its properties or its pads; a new output is one registration.
//
//   kek::LiveOutput out;
//   out.name = "hls";
//   out.branch = [](const kek::LiveLayoutContext& c) -> kek::Result<kek::LiveOutputBranch> { ... };
//   out.url_keys = {"playlist"};
//   out.urls = [](const kek::LiveOutputPlace& p) { return std::vector<kek::LiveUrl>{{"playlist", p.url + "index.m3u8"}}; };
//   host.pipelines().add_live_output(std::move(out));
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kek {

// Reads a template variable: the instance's value, else the template's default, else "".
using VarLookup = std::function<std::string(const std::string& name)>;

// One rung of the ladder, as an output links to it.
struct LiveRungTap {
  std::string name;           // the variant's name: "source", "720p"
  std::string tee;            // a tee with the rung's parsed H.264 (byte-stream, access units,
                              // SPS/PPS at keyframes): link from it with "<tee>. ! <queue> ! ..."
                              // (the passthrough rung of an flvdemux source whose outputs all
                              // say takes_avc: flvdemux's avc as it is, see LiveOutput)
  uint64_t declared_bps = 0;  // encoded rungs: their target video bitrate; 0 for the passthrough
  bool passthrough = false;   // the published video itself, not re-encoded
};

// What a live layout offers its outputs for one start of a stream.
struct LiveLayoutContext {
  VarLookup lookup;         // the template's variables (thumbnail_interval, record, ...)
  bool has_video = true;
  bool has_audio = true;
  int segment_s = 2;        // segment length in seconds (encoded rungs have keyframes on it)
  int window = 6;           // segments a live playlist lists
  std::string output_dir;   // the stream's folder, still with ${variables}: "${media_dir}/${app}/${stream}"
  std::string record_dir;   // where recordings go: "${media_dir}/recordings/${stream}"
  std::vector<LiveRungTap> rungs;  // in ladder order; empty without video
  std::string video_tee;    // the published video, parsed as above; empty without video
  std::string audio_tee;    // the published AAC, parsed (aacparse): framed, with codec_data and
                            // buffer durations (from an flvdemux source whose outputs all say
                            // takes_raw_aac: flvdemux's AAC as it is, see LiveOutput); empty
                            // without audio
  // What goes between a tee and a branch: a time-bounded queue, or nothing ("") when the layout
  // runs every branch on its tee's thread (a passthrough whose outputs are all inline_safe).
  // Start a branch with branch_from(c, tee).
  std::string queue;
  // The names of every output in this line, in registration order (itself too): outputs that
  // share work or files can tell (one packager behind two manifests, two writers of one file).
  std::vector<std::string> outputs;
};

// Whether `name` is among a line's outputs (LiveLayoutContext::outputs, LiveOutputPlace::outputs).
inline bool lists_output(const std::vector<std::string>& outputs, const std::string& name) {
  for (const auto& o : outputs)
    if (o == name) return true;
  return false;
}

// "<tee>. ! <queue> ! ", or "<tee>. ! " when the layout runs its branches on the tees' threads.
inline std::string branch_from(const LiveLayoutContext& c, const std::string& tee) {
  return tee + ". ! " + (c.queue.empty() ? std::string() : c.queue + " ! ");
}

// What an output adds to the line for one start.
struct LiveOutputBranch {
  std::string launch;                    // links from the tees and the output's own elements
  std::vector<std::string> directories;  // folders to create before the start (${variables} allowed)
};

// Where a stream's outputs are, for the URLs they publish.
struct LiveOutputPlace {
  VarLookup lookup;      // the stream's variables (app, stream, has_video, ...)
  std::string dir;       // the stream's folder on disk (output_dir expanded)
  std::string url;       // its URL, ending in '/': "/media/live/cam/"; empty when not under the media root
  int64_t since_us = 0;  // when this publish began (g_get_real_time): older files are not its own
  std::vector<std::string> outputs;  // the names of every output in the stream's line, as above
};

// One URL an output publishes; `url` empty while there is nothing there (yet).
struct LiveUrl {
  std::string key;  // the field of /api/live: "playlist", "dash", "thumbnail"
  std::string url;
};

struct LiveOutput {
  std::string name;  // as templates list it: [a-z0-9_-]
  // Its branch for one start; an error refuses the start with that message.
  std::function<Result<LiveOutputBranch>(const LiveLayoutContext&)> branch;
  // When set, the output also joins layouts that do not list it whenever this says so (the
  // preview picture of every stream with video); unset: only when listed.
  std::function<bool(const LiveLayoutContext&)> joins_unlisted;
  // The fields of /api/live it fills (null where it is not published), and their values.
  std::vector<std::string> url_keys;
  std::function<std::vector<LiveUrl>(const LiveOutputPlace&)> urls;
  // Its branch never waits for another branch's data (no GstAggregator muxer behind several
  // pads, no blocking sink): a passthrough layout whose outputs all say so runs every branch on
  // its tee's thread, with no queue, so a stream costs no thread of its own after its source.
  bool inline_safe = false;
  // Its branch takes the passthrough video as flvdemux gives it too (stream-format=avc, one
  // access unit per buffer, caps without an alignment field, SPS/PPS only in codec_data), or
  // parses it itself: when every output of a passthrough layout from flvdemux says so, the
  // published video goes into its tee unparsed (no h264parse per stream).
  bool takes_avc = false;
  // Its branch takes the published audio as flvdemux gives it too (raw AAC, one frame per
  // buffer, codec_data in the caps, but no buffer durations and caps without profile/level), or
  // parses it itself, or takes no audio: when every output of a layout from flvdemux says so,
  // the audio goes into its tee unparsed (no aacparse per stream).
  bool takes_raw_aac = false;
};

// What a template's live layout writes and publishes for one stream.
struct LivePublication {
  std::vector<std::string> folders;  // where its outputs (and the template's directories) write, expanded
  std::vector<LiveUrl> urls;         // every registered output's keys in registration order; url
                                     // empty where this layout does not publish it (or not yet)
};

}  // namespace kek
