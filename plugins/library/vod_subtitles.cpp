#include "vod_subtitles.h"

#include <kek/media/rendition_settings.h>

#include <cstdlib>

namespace kek::library {

bool extractable_subtitle_codec(const std::string& codec) {
  return codec == "text" || codec == "ssa" || codec == "ass";
}

std::string format_text_tracks(const std::vector<TextTrack>& tracks) {
  std::string out;
  for (const auto& t : tracks)
    out += (out.empty() ? "" : ",") + std::to_string(t.pad) + ":" + std::to_string(t.id) + ":" + t.codec;
  return out;
}

Result<std::vector<TextTrack>> parse_text_tracks(const std::string& text) {
  std::vector<TextTrack> out;
  for (const auto& item : media::split_list(text)) {
    if (item.empty()) continue;
    size_t a = item.find(':'), b = a == std::string::npos ? a : item.find(':', a + 1);
    if (b == std::string::npos) return Error{"subtitle track '" + item + "' is not pad:id:codec", 400};
    char* end = nullptr;
    TextTrack t;
    t.pad = static_cast<int>(std::strtol(item.substr(0, a).c_str(), &end, 10));
    if (*end || t.pad < 0 || t.pad > 255) return Error{"subtitle track '" + item + "': bad pad index", 400};
    t.id = std::strtoll(item.substr(a + 1, b - a - 1).c_str(), &end, 10);
    if (*end || t.id <= 0) return Error{"subtitle track '" + item + "': bad id", 400};
    t.codec = item.substr(b + 1);
    if (!extractable_subtitle_codec(t.codec))
      return Error{"subtitle track '" + item + "': " + t.codec + " cannot become WebVTT", 400};
    out.push_back(t);
  }
  if (out.empty()) return Error{"vod-subtitles needs tracks (pad:id:codec,...)", 400};
  return out;
}

std::string extracted_subtitle_path(int64_t id) { return "subtitles/" + std::to_string(id) + ".vtt.part"; }

Result<std::string> vod_subtitles_launch(const VarLookup& var) {
  if (var("source").empty()) return Error{"vod-subtitles needs source (the film's path)", 400};
  if (var("out").empty()) return Error{"vod-subtitles needs out (the item's output folder)", 400};
  const std::string container = var("container");
  if (container != "quicktime" && container != "matroska")
    return Error{"vod-subtitles reads subtitle tracks of MP4 (quicktime) and MKV (matroska) files", 400};
  auto tracks = parse_text_tracks(var("tracks"));
  if (!tracks) return tracks.error();
  std::string line = "filesrc location=${source} ! " +
                     std::string(container == "quicktime" ? "qtdemux" : "matroskademux") + " name=demux";
  for (const auto& t : *tracks) {
    // Subtitle tracks are sparse: a queue so the demuxer never waits on them; the other tracks
    // of the file stay unlinked (the demuxer goes on while one pad is linked).
    line += " demux.subtitle_" + std::to_string(t.pad) + " ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0";
    if (t.codec == "ssa" || t.codec == "ass") line += " ! ssaparse";
    line += " ! webvttenc ! filesink location=\"${out}/" + extracted_subtitle_path(t.id) + "\" sync=false async=false";
  }
  return line;
}

PipelineTemplate vod_subtitles_template() {
  PipelineTemplate t;
  t.name = kVodSubtitlesTemplate;
  t.description = "A film's text subtitle tracks as WebVTT files (demuxing only)";
  t.defaults = {{"container", "matroska"}};
  t.directories = {"${out}/subtitles"};
  t.origin = "plugin:library";
  t.generate = vod_subtitles_launch;
  return t;
}

}  // namespace kek::library
