// The `vod-subtitles` pipeline template: a film's text subtitle tracks (SubRip/plain text in MKV,
// tx3g in MP4, SSA/ASS) extracted to WebVTT files beside the transcode, demuxing only (it runs at
// the disk's speed, so the subtitles are there long before the ladder is done). The job runner
// starts it with the transcode; `kek pipelines show vod-subtitles --set ...` prints the line.
#pragma once

#include <kek/error.h>
#include <kek/pipelines.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kek::library {

inline constexpr const char* kVodSubtitlesTemplate = "vod-subtitles";

// One text track to extract: the demuxer's subtitle pad index, the track's row id (its file is
// subtitles/<id>.vtt.part until the runner checks it), its codec as the probe names it.
struct TextTrack {
  int pad = 0;
  int64_t id = 0;
  std::string codec;  // "text", "ssa", "ass"
};

// Whether the codec is text the line can turn into WebVTT (bitmap subtitles, PGS or DVD, are not).
bool extractable_subtitle_codec(const std::string& codec);

// "pad:id:codec,..." <-> tracks (the `tracks` variable).
std::string format_text_tracks(const std::vector<TextTrack>& tracks);
Result<std::vector<TextTrack>> parse_text_tracks(const std::string& text);

// The file a track is extracted to, relative to the item folder.
std::string extracted_subtitle_path(int64_t id);

//   source, out, container (quicktime | matroska), tracks
PipelineTemplate vod_subtitles_template();
Result<std::string> vod_subtitles_launch(const VarLookup& var);

}  // namespace kek::library
