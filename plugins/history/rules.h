// The rules of watch history, as pure functions (no I/O, unit-tested on their own): what a
// player's report may say, which of two reports wins, when a film counts as watched and where
// it resumes.
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kek::history {

// Where a player was in a film, by the client's clock.
struct PositionReport {
  double position_s = 0;
  double duration_s = 0;
  int64_t sent_at_ms = 0;  // ms since the epoch, the client's clock when it sent the report
};

// Seconds a live player played since its previous report, by the client's clock.
struct LiveReport {
  double played_s = 0;
  int64_t sent_at_ms = 0;
};

inline constexpr double kMaxDurationS = 30.0 * 24 * 3600;  // a month: anything longer is a bug
inline constexpr double kMaxLivePlayedS = 120;             // a report every 10 s; some slack
// A clock this far ahead of the server's is wrong: its reports would win over every later one.
inline constexpr int64_t kMaxClockAheadMs = 3600 * 1000;
inline constexpr int64_t kMinSentAtMs = 1000000000000;  // 2001-09-09: before it, not a ms clock

// {position_s, duration_s, sent_at} from a request body; each mistake named in the error
// (400, reasons invalid_json, invalid_field, position_past_end, sent_at_in_future).
Result<PositionReport> parse_position_report(std::string_view body, int64_t now_ms);
// {played_s, sent_at} from a live player.
Result<LiveReport> parse_live_report(std::string_view body, int64_t now_ms);

// POST /api/views: a film or stream played long enough to count as a view.
struct ViewReport {
  std::string kind;  // "film" or "live"
  std::string id;    // the film or the stream
  std::optional<std::string> client_id;  // the device, for viewers without an account
  double played_s = 0;
};
Result<ViewReport> parse_view_report(std::string_view body);
// PUT /api/me/history/{item_id}/watched: {watched, sent_at?}; sent_at defaults to now_ms and is
// never more than kMaxClockAheadMs ahead of it.
struct WatchedMark {
  bool watched = false;
  int64_t sent_at_ms = 0;
};
Result<WatchedMark> parse_watched_mark(std::string_view body, int64_t now_ms);
// PATCH /api/me/history/settings: {paused}.
Result<bool> parse_paused_setting(std::string_view body);

// A report against what the catalogue knows of the film: a position past its end (with the
// slack players need: a few seconds, or 1 %) is refused. Returns the duration to store: the
// catalogue's when it knows one, else the player's.
Result<double> check_against_catalogue(const PositionReport& report, double catalogue_duration_s);

// THE ordering rule: the stored report is the one the client sent last. A report sent earlier
// than (or at the same time as) the stored one, from a lagging second device or delivered out of
// order, never replaces it.
inline bool supersedes(int64_t incoming_sent_at_ms, int64_t stored_sent_at_ms) {
  return incoming_sent_at_ms > stored_sent_at_ms;
}

// THE watched rule: a position in the last 5 % of the film, or in its last 2 minutes, counts as
// watched. For short items the 2 minutes are at most the last quarter (a 3-minute clip is not
// watched after its first minute).
double end_zone_s(double duration_s);
bool counts_as_watched(double position_s, double duration_s);

// Below this a position is not worth resuming from (the opening seconds).
inline constexpr double kMinResumeS = 10;
// Where the player starts next time: the stored position, or 0 (from the beginning) when that is
// in the first seconds or counts as watched.
double resume_position(double position_s, double duration_s);

// The in-progress rule of Continue watching: started and not finished.
inline bool in_progress(double position_s, double duration_s) { return resume_position(position_s, duration_s) > 0; }

}  // namespace kek::history
