// A film rendition's segments as its fragmented-MP4 HLS media playlist lists them (what the
// library's packager writes: EXT-X-MAP, EXTINF, EXT-X-ENDLIST), and where a premiere that is
// already at some position starts reading. Pure text: no I/O.
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kek::schedule {

struct ListedSegment {
  std::string uri;       // relative to the playlist
  std::string map_uri;   // the init segment it follows
  int64_t start_ns = 0;  // film position where it starts (the EXTINF before it, summed)
  int64_t duration_ns = 0;
};

struct SegmentList {
  std::vector<ListedSegment> segments;
  int64_t duration_ns = 0;
  bool ended = false;  // EXT-X-ENDLIST: the rendition is complete
};

// Refuses a master playlist, a segment without EXT-X-MAP (not fMP4), an absolute or escaping
// URI ("..", "/", a scheme): everything read stays inside the rendition's folder.
Result<SegmentList> parse_segment_list(std::string_view playlist);
// The index of the segment that holds film position `at_ns` (the last one starting at or before
// it); segments.size() when `at_ns` is past the end.
size_t segment_at(const SegmentList& list, int64_t at_ns);

}  // namespace kek::schedule
