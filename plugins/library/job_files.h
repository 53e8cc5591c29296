// The transcode job's work on disk, done on worker threads (never on the main loop): preparing an
// item folder for a run, telling when the packaged ladder plays, writing the item's published
// manifests with its subtitle renditions, turning subtitle files into WebVTT renditions, and
// what the end of a run leaves (bandwidths, poster, sprite index). Plain functions of paths and
// values: no database, no GStreamer, unit-tested on a temporary folder.
#pragma once

#include "subtitles.h"
#include "vod_abr.h"

#include <kek/error.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kek::library {

// A subtitle track of an item, as the tables say.
struct SubtitleTrack {
  int64_t id = 0;
  std::string language;
  std::string label;
  std::string codec;        // "subrip", "webvtt", "text", "ssa", ...
  std::string source;       // "embedded" | "sidecar" | "upload"
  std::string source_path;  // a sidecar's or an upload's file
  std::string output;       // its WebVTT relative to the item folder ("subtitles/3.vtt"); "" not yet
  int stream_index = -1;    // embedded: the demuxer's subtitle pad
};

// The WebVTT rendition of a track: subtitles/<id>.vtt and its one-segment playlist beside it.
std::string subtitle_vtt_path(int64_t id);
std::string subtitle_playlist_path(int64_t id);

// A sidecar's or an upload's file as a rendition: read (bounded), converted to WebVTT, written
// with its playlist. Returns the output path relative to the item folder.
Result<std::string> convert_subtitle_file(const std::string& item_dir, const SubtitleTrack& track, double duration_s);

// A track the vod-subtitles line extracted (subtitles/<id>.vtt.part): kept if it has a cue,
// cleaned (stray & and < escaped), renamed to .vtt, its playlist written. Error if it has no cue.
Result<std::string> finish_extracted_subtitle(const std::string& item_dir, int64_t id, double duration_s);

// Renditions for the manifests, named by label, else the language's name, made unique.
std::vector<SubtitleRendition> subtitle_renditions(const std::vector<SubtitleTrack>& tracks);

struct PrepareResult {
  std::string error;  // the job cannot run (its source is gone)
  // Sidecar and uploaded subtitles converted for this run: id -> output ("" + error if not).
  std::map<int64_t, std::string> outputs;
  std::map<int64_t, std::string> errors;
};

// Before a run: the source is a file; what an earlier run wrote (stream/, sprites/, poster.jpg)
// is moved aside and removed, so the new run writes into fresh folders; sidecar and uploaded
// subtitles without a WebVTT yet are converted.
PrepareResult prepare_item_folder(const std::string& source, const std::string& item_dir,
                                  const std::vector<SubtitleTrack>& to_convert, double duration_s);

// Whether the packaged ladder plays: the packager's master exists and every named rendition's
// playlist lists a segment.
bool packaged_ladder_plays(const std::string& item_dir, const std::vector<std::string>& renditions);

// The item's own master (and with `final` its MPD) from the packager's, with the subtitles.
Status publish_manifests(const std::string& item_dir, const std::vector<SubtitleRendition>& subtitles, bool final);

struct FinishResult {
  std::string error;                 // nothing playable was written
  std::map<std::string, int> kbps;   // BANDWIDTH of each variant in the packager's master
  bool poster = false;               // poster.jpg was written
  std::string sprite_vtt;            // "sprites/thumbnails.vtt" or ""
};

// After a run: the manifests published for good, the sprite index written from the sheets on
// disk (tiles as the template made them), what the master says each rung needs.
FinishResult finish_item_folder(const std::string& item_dir, const std::vector<SubtitleRendition>& subtitles,
                                double duration_s, int width, int height, bool has_video);

// BANDWIDTH (kb/s) of each variant in a master playlist's text, by the folder its URI names.
std::map<std::string, int> master_bandwidths(const std::string& master_text);

// Small files (playlists, manifests): the whole content, "" if unreadable.
std::string read_small_file(const std::string& path);

// Removes a folder tree (it can hold thousands of segments). Worker thread only.
void remove_tree(const std::string& dir);

}  // namespace kek::library
