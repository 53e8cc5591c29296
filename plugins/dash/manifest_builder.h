// The MPD's content from the presentation's state: which Periods are listed (settled ones, with
// their start fixed once), each Representation's codecs, size, bandwidth, init segment, media
// template and SegmentTimeline; a static manifest at the end starts at the first segment still
// listed. Pure logic (the text is mpd.cpp's), unit-tested on its own.
#pragma once

#include "mpd.h"
#include "presentation.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kek::dash {

struct ManifestParams {
  bool live = true;                   // dynamic while running, static at the end
  int64_t availability_start_us = 0;  // wall clock of media time 0
  int64_t publish_us = 0;             // wall clock of this version
  uint64_t target_ns = 0;
  uint64_t max_segment_ns = 0;
  unsigned window = 6;
  std::string media_prefix;           // "<run ms>": segments are <name>/<prefix>-$Number$.m4s
};

// Fixes the start of every Period it lists (in `periods`): a dynamic MPD must not move a Period
// that players already know.
Manifest build_manifest(std::span<const RepresentationState* const> reps, std::vector<PeriodState>& periods,
                        const ManifestParams& params);

}  // namespace kek::dash
