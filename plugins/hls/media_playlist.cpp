#include "media_playlist.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace kek::hls {

namespace {

// EXTINF is written with three decimals; the target duration is derived from the same rounded
// figure.
uint64_t rounded_ms(uint64_t ns) { return (ns + 500'000) / 1'000'000; }

// The target duration a segment of `ms` needs: RFC 8216 section 4.3.3.1 (and 8216bis 4.4.3.1)
// asks that each EXTINF "when rounded to the nearest integer" be at most EXT-X-TARGETDURATION;
// halves round up, as players round (hls-parser's check is Math.round). Rounding up instead would
// turn a 2.021 s segment into a 3 s target, and players that start 3 target durations from the
// live edge (hls.js) would sit 3 s further behind for nothing.
unsigned target_for_ms(uint64_t ms) { return static_cast<unsigned>((ms + 500) / 1000); }

}  // namespace

MediaPlaylist::MediaPlaylist(unsigned target_duration_s, unsigned window)
    : window_(window), target_duration_s_(std::max(target_duration_s, 1u)) {}

void MediaPlaylist::add(MediaSegment segment) {
  if (ended_) return;
  uint64_t ms = rounded_ms(segment.duration_ns);
  target_duration_s_ = std::max(target_duration_s_, target_for_ms(ms));
  segments_.push_back(std::move(segment));
  while (window_ > 0 && segments_.size() > window_) drop_oldest();
}

void MediaPlaylist::drop_oldest() {
  if (segments_.empty()) return;
  if (segments_.front().discontinuity) ++discontinuity_sequence_;
  segments_.pop_front();
  ++media_sequence_;
}

std::string MediaPlaylist::render() const {
  bool independent = std::all_of(segments_.begin(), segments_.end(), [](const auto& s) { return s.independent; });
  std::string out = "#EXTM3U\n#EXT-X-VERSION:3\n";
  if (independent) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  out += "#EXT-X-TARGETDURATION:" + std::to_string(target_duration_s_) + "\n";
  if (event_ && window_ == 0) out += ended_ ? "#EXT-X-PLAYLIST-TYPE:VOD\n" : "#EXT-X-PLAYLIST-TYPE:EVENT\n";
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(media_sequence_) + "\n";
  out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(discontinuity_sequence_) + "\n";
  bool first = true;
  for (const auto& s : segments_) {
    if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    // The first segment anchors the window in wall-clock time; after a discontinuity the media
    // timeline restarts, so it is anchored again.
    if ((first || s.discontinuity) && s.start_unix_ms >= 0)
      out += "#EXT-X-PROGRAM-DATE-TIME:" + format_program_date_time(s.start_unix_ms) + "\n";
    first = false;
    uint64_t ms = rounded_ms(s.duration_ns);
    char extinf[48];
    std::snprintf(extinf, sizeof extinf, "#EXTINF:%llu.%03llu,\n", static_cast<unsigned long long>(ms / 1000),
                  static_cast<unsigned long long>(ms % 1000));
    out += extinf;
    out += s.uri;
    out += '\n';
  }
  if (ended_) out += "#EXT-X-ENDLIST\n";
  return out;
}

std::string format_program_date_time(int64_t unix_ms) {
  time_t seconds = static_cast<time_t>(unix_ms / 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char buf[96];  // room for any int the compiler imagines; the real text is 24 characters
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

}  // namespace kek::hls
