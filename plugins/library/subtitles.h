// Subtitle renditions of a library item: SRT or WebVTT files (sidecars beside an imported film,
// files uploaded on the item page, text tracks extracted from MKV/MP4) become WebVTT files under
// media/vod/<id>/subtitles/, each with a one-segment HLS playlist, and are added to the item's
// published manifests: the packager's master playlist and MPD (video and audio) with EXT-X-MEDIA
// TYPE=SUBTITLES renditions and text AdaptationSets. Pure text, no I/O: unit-tested on its own.
#pragma once

#include <kek/error.h>

#include <string>
#include <string_view>
#include <vector>

namespace kek::library {

// Larger subtitle files are refused (a film's subtitles are a few hundred KiB).
inline constexpr size_t kMaxSubtitleBytes = 16 * 1024 * 1024;

// A SubRip (SRT) or WebVTT file as WebVTT text in UTF-8. Reads UTF-8 (with or without BOM),
// UTF-16 with a BOM, and falls back to Windows-1252 for other 8-bit text (old SRT files); CRLF
// becomes LF. SRT: "00:01:02,500" times become "00:01:02.500", its <i>/<b>/<u> stay, <font> and
// {\an8}-style overrides go, '&' and '<' are escaped. Error (400) when it is neither, is too large,
// or has no cue.
Result<std::string> to_webvtt(std::string_view bytes);

// The HLS media playlist of one WebVTT file covering the whole item (RFC 8216 allows one
// segment): VOD, TARGETDURATION the duration rounded up.
std::string subtitle_playlist(double duration_s, const std::string& vtt_uri);

struct SubtitleRendition {
  std::string name;      // unique among the item's subtitles: "English", "English (SDH)"
  std::string language;  // "en", "fra"; empty: no LANGUAGE / lang="und"
  std::string playlist;  // URI relative to the master playlist: "../subtitles/3.m3u8"
  std::string vtt;       // URI relative to the MPD: "../subtitles/3.vtt"
  bool forced = false;   // only foreign-language parts: selected with the audio, never listed as "off"
  bool operator==(const SubtitleRendition&) const = default;
};

// The group id every variant names in SUBTITLES="...".
inline constexpr const char* kSubtitleGroup = "subs";

// The packager's master playlist with the subtitle renditions: EXT-X-MEDIA TYPE=SUBTITLES lines
// before the first variant, SUBTITLES="subs" on every EXT-X-STREAM-INF. Unchanged without any.
std::string add_subtitles_to_master(const std::string& master, const std::vector<SubtitleRendition>& subtitles);

// The packager's MPD with one text AdaptationSet (text/vtt, lang, Label, Role subtitle) per
// rendition in its first Period, the WebVTT file as its BaseURL. Unchanged without any.
std::string add_subtitles_to_mpd(const std::string& mpd, const std::vector<SubtitleRendition>& subtitles);

// Rendition names must be unique in their group: "English", "English" -> "English", "English 2".
std::vector<std::string> unique_names(std::vector<std::string> names);

}  // namespace kek::library
