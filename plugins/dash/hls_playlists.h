// HLS playlists over kekdashsink's CMAF segments (RFC 8216, fMP4 as in section 3.3): one
// packaging, two manifests. A media playlist per Representation lists the same init segment
// (EXT-X-MAP) and .m4s files the MPD does; the master playlist lists the video Representations
// as variants and every audio track as an EXT-X-MEDIA TYPE=AUDIO rendition with its language.
// Pure text: data in, playlist out, unit-tested on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kek::dash {

// A partial segment (LL-HLS, RFC 8216bis 4.4.4.9).
struct HlsPart {
  std::string uri;
  uint64_t duration_ns = 0;
  bool independent = false;
};

struct HlsSegment {
  std::string uri;           // relative to the media playlist: "1712345678901-4.m4s"
  uint64_t duration_ns = 0;
  std::string map_uri;       // its init segment: "1712345678901-init.mp4"
  bool discontinuity = false;  // starts a new Period (another init, maybe another timeline)
  std::vector<HlsPart> parts;  // listed before it (the last few segments of a low-latency playlist)
  // EXT-X-PROGRAM-DATE-TIME: the wall clock (Unix µs) of its first sample; unset: no tag.
  std::optional<int64_t> program_date_time_us;
};

// Where another rendition of the same presentation is (EXT-X-RENDITION-REPORT).
struct HlsRenditionReport {
  std::string uri;  // relative to this playlist: "../720p/index.m3u8"
  uint64_t last_msn = 0;
  int64_t last_part = -1;  // -1: no LAST-PART
};

// What makes a media playlist low-latency (RFC 8216bis): parts, blocking reload, preload hints.
struct HlsLowLatency {
  uint64_t part_target_ns = 0;  // 0: a plain playlist
  std::vector<HlsPart> open_parts;  // the parts of the segment being written, after the last segment
  std::string open_map_uri;         // that segment's init
  bool open_discontinuity = false;  // it starts a new Period
  std::string preload_hint_uri;     // the next part; empty: none
  std::vector<HlsRenditionReport> reports;
};

struct HlsMediaPlaylist {
  unsigned target_s = 2;             // the configured segment length (a floor for TARGETDURATION)
  uint64_t media_sequence = 0;       // sequence number of the first listed segment
  uint64_t discontinuity_sequence = 0;  // discontinuities that slid out of the window
  bool event = false;                // every segment kept: EVENT while it grows, VOD once ended
  bool ended = false;                // EXT-X-ENDLIST
  std::vector<HlsSegment> segments;  // in order
  HlsLowLatency low_latency;
};

// #EXTM3U, version 7, TARGETDURATION (the longest EXTINF rounded, at least target_s), the
// sequence numbers, PLAYLIST-TYPE for event playlists, an EXT-X-MAP before the first segment and
// wherever the init changes, EXT-X-DISCONTINUITY at new Periods, EXT-X-PROGRAM-DATE-TIME before
// each segment (and its parts) that has one, ENDLIST at the end.
// Low-latency (part_target_ns set): EXT-X-SERVER-CONTROL (CAN-BLOCK-RELOAD=YES, PART-HOLD-BACK
// three part targets), EXT-X-PART-INF, each segment's EXT-X-PART lines before it, the open
// segment's parts at the end, EXT-X-PRELOAD-HINT for the next part and one
// EXT-X-RENDITION-REPORT per other rendition.
std::string render_hls_media(const HlsMediaPlaylist& playlist);

// Its EXT-X-TARGETDURATION: the longest EXTINF rounded to the nearest second, at least target_s.
unsigned hls_target_duration(const HlsMediaPlaylist& playlist);

// The playlist's last Media Sequence Number and the index of its last part there (-1: that
// segment is listed whole, without parts): what a rendition report says of it.
struct HlsPosition {
  uint64_t msn = 0;
  int64_t part = -1;
};
HlsPosition hls_last_position(const HlsMediaPlaylist& playlist);

struct HlsAudioRendition {
  std::string uri;       // "audio_1/index.m3u8"
  std::string name;      // unique in the group: "English", "Français (commentary)"
  std::string language;  // BCP 47 / ISO 639 ("en", "fra"); empty: no LANGUAGE attribute
  int channels = 0;      // 0: no CHANNELS attribute
  bool is_default = false;
  std::string codec;     // "mp4a.40.2"
  uint64_t bandwidth = 0;
};

struct HlsVideoVariant {
  std::string uri;  // "720p/index.m3u8"
  uint64_t bandwidth = 0;          // peak bits/s of the video alone (the audio is added)
  uint64_t average_bandwidth = 0;  // 0: no AVERAGE-BANDWIDTH
  int width = 0, height = 0;
  int fps_num = 0, fps_den = 1;
  std::string codec;  // "avc1.64001f"
};

struct HlsMaster {
  std::vector<HlsVideoVariant> variants;  // in the given order
  std::vector<HlsAudioRendition> audio;   // one group, "audio"; the first default one is DEFAULT=YES
};

// The group id every variant names in AUDIO="...".
inline constexpr const char* kHlsAudioGroup = "audio";

// #EXTM3U, version 7, INDEPENDENT-SEGMENTS, the audio renditions, then one EXT-X-STREAM-INF per
// variant with BANDWIDTH = video + the largest audio track, CODECS with the audio codec,
// RESOLUTION, FRAME-RATE and AUDIO. Without video, one audio-only variant (the default track)
// so that players that only read variants still play it.
std::string render_hls_master(const HlsMaster& master);

// A quoted-string attribute value: no double quote, CR or LF may appear in it (RFC 8216 4.2).
std::string hls_quoted(const std::string& value);

// FRAME-RATE's decimal-floating-point, three decimals ("29.970"); empty for 0 or a bad fraction.
std::string hls_frame_rate(int num, int den);

}  // namespace kek::dash
