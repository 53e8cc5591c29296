// The HLS playlists' content from the presentation's state (the same segments the MPD lists):
// each Representation's media playlist, and the master over all of them. Pure logic (the text is
// hls_playlists'), unit-tested on its own.
#pragma once

#include "hls_playlists.h"
#include "presentation.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kek::dash {

// The media playlist file of a Representation, relative to the element's location.
inline std::string hls_media_path(const std::string& representation) { return representation + "/index.m3u8"; }

struct HlsParams {
  uint64_t target_ns = 0;
  std::string media_prefix;  // "<run ms>": segments are <prefix>-<number>.m4s beside the playlist
  bool event = false;        // every segment kept (window 0): EVENT, then VOD
  bool ended = false;
  // The wall clock (Unix µs) of media time 0: each segment gets EXT-X-PROGRAM-DATE-TIME at its
  // earliest presentation time from there, the same mapping in every rendition (RFC 8216bis
  // 6.2.4). hls.js aligns an alternate audio playlist with the video one by it on every reload;
  // without it, it aligns by media sequence number, and in 1.7 adds the video playlist's start
  // on top of the audio's own each time the window slides (the audio timeline runs away from
  // the video, the player fetches the wrong audio parts and stalls). Unset: no tag (a film).
  std::optional<int64_t> availability_start_us;
  // LL-HLS (RFC 8216bis), when part_target_ns is set: the parts of the last `part_segments`
  // segments and those of the open one (rep.open_parts, segment rep.next_number, in rep.period
  // whose init is open_map_uri), a preload hint for the next part, and the other renditions.
  uint64_t part_target_ns = 0;
  size_t part_segments = 3;
  std::string open_map_uri;
  std::vector<HlsRenditionReport> reports;
};

// "<prefix>-<number>.<part>.m4s": LL-HLS part `part` (0-based) of segment `number`.
std::string hls_part_uri(const std::string& media_prefix, uint64_t number, size_t part);

HlsMediaPlaylist build_hls_media(const RepresentationState& rep, const HlsParams& params);

// Where a Representation's playlist stands, as a rendition report says (hls_last_position of its
// playlist): its newest segment or open part.
HlsPosition hls_position(const RepresentationState& rep);

// Video Representations become variants (codec, size and frame rate of their latest Period,
// measured bandwidths), audio ones EXT-X-MEDIA renditions named by their label (made unique),
// the first one the default.
HlsMaster build_hls_master(std::span<const RepresentationState* const> reps);

}  // namespace kek::dash
