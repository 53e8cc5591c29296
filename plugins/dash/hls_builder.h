// The HLS playlists' content from the presentation's state (the same segments the MPD lists):
// each Representation's media playlist, and the master over all of them. Pure logic (the text is
// hls_playlists'), unit-tested on its own.
#pragma once

#include "hls_playlists.h"
#include "presentation.h"

#include <cstdint>
#include <span>
#include <string>

namespace kek::dash {

// The media playlist file of a Representation, relative to the element's location.
inline std::string hls_media_path(const std::string& representation) { return representation + "/index.m3u8"; }

struct HlsParams {
  uint64_t target_ns = 0;
  std::string media_prefix;  // "<run ms>": segments are <prefix>-<number>.m4s beside the playlist
  bool event = false;        // every segment kept (window 0): EVENT, then VOD
  bool ended = false;
};

HlsMediaPlaylist build_hls_media(const RepresentationState& rep, const HlsParams& params);

// Video Representations become variants (codec, size and frame rate of their latest Period,
// measured bandwidths), audio ones EXT-X-MEDIA renditions named by their label (made unique),
// the first one the default.
HlsMaster build_hls_master(std::span<const RepresentationState* const> reps);

}  // namespace kek::dash
