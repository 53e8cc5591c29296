#include "segment_list.h"

#include <cmath>
#include <cstdlib>

namespace kek::schedule {
namespace {

bool safe_relative(std::string_view uri) {
  if (uri.empty() || uri.front() == '/' || uri.find("..") != std::string_view::npos) return false;
  if (uri.find("://") != std::string_view::npos || uri.find('\\') != std::string_view::npos) return false;
  for (unsigned char c : uri)
    if (c < 0x20 || c == '?' || c == '#') return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

}  // namespace

Result<SegmentList> parse_segment_list(std::string_view text) {
  SegmentList list;
  std::string map_uri;
  double pending = -1;
  double position_s = 0;
  bool header = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line = trim(text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    if (line.empty()) continue;
    if (!header) {
      if (line != "#EXTM3U") return Error{"not an HLS playlist", 422, "not_a_playlist"};
      header = true;
      continue;
    }
    if (line.starts_with("#EXT-X-STREAM-INF")) return Error{"a master playlist, not a rendition's", 422, "not_a_media_playlist"};
    if (line.starts_with("#EXT-X-MAP:")) {
      size_t u = line.find("URI=\"");
      size_t end = u == std::string_view::npos ? u : line.find('"', u + 5);
      if (end == std::string_view::npos) return Error{"EXT-X-MAP without a URI", 422, "bad_playlist"};
      std::string_view uri = line.substr(u + 5, end - u - 5);
      if (!safe_relative(uri)) return Error{"a segment outside the rendition's folder", 422, "bad_playlist"};
      map_uri = std::string(uri);
    } else if (line.starts_with("#EXTINF:")) {
      pending = std::strtod(std::string(line.substr(8)).c_str(), nullptr);
      if (!(pending >= 0) || pending > 3600) return Error{"a bad EXTINF", 422, "bad_playlist"};
    } else if (line == "#EXT-X-ENDLIST") {
      list.ended = true;
    } else if (line.front() != '#') {
      if (pending < 0) return Error{"a segment without EXTINF", 422, "bad_playlist"};
      if (map_uri.empty()) return Error{"not fragmented MP4 (no EXT-X-MAP)", 422, "not_fmp4"};
      if (!safe_relative(line)) return Error{"a segment outside the rendition's folder", 422, "bad_playlist"};
      ListedSegment s;
      s.uri = std::string(line);
      s.map_uri = map_uri;
      s.start_ns = static_cast<int64_t>(std::llround(position_s * 1e9));
      position_s += pending;
      s.duration_ns = static_cast<int64_t>(std::llround(position_s * 1e9)) - s.start_ns;
      list.segments.push_back(std::move(s));
      pending = -1;
    }
  }
  if (!header) return Error{"not an HLS playlist", 422, "not_a_playlist"};
  list.duration_ns = static_cast<int64_t>(std::llround(position_s * 1e9));
  return list;
}

size_t segment_at(const SegmentList& list, int64_t at_ns) {
  if (list.segments.empty() || at_ns >= list.duration_ns) return list.segments.size();
  size_t found = 0;
  for (size_t i = 0; i < list.segments.size(); ++i) {
    if (list.segments[i].start_ns <= at_ns) found = i;
    else break;
  }
  return found;
}

}  // namespace kek::schedule
