// Times as the poster deals with them: stored as UTC unix seconds, read and written as ISO-8601,
// and the spans a viewer's calendar shows (the agenda: today to the same day next month; a month)
// computed in the viewer's IANA time zone, so days start at local midnight across DST changes.
#pragma once

#include <glib.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kek::schedule {

// [from, to) in unix seconds.
struct TimeSpan {
  int64_t from = 0;
  int64_t to = 0;
};

struct TimeZoneUnref {
  void operator()(GTimeZone* tz) const { g_time_zone_unref(tz); }
};
using TimeZone = std::unique_ptr<GTimeZone, TimeZoneUnref>;

// An IANA zone ("Europe/Moscow", "America/New_York") or "UTC"; nullptr when unknown or malformed.
TimeZone time_zone(std::string_view name);

// Unix seconds of an ISO-8601 date-time that says its offset ("2026-03-29T01:30:00+03:00",
// "...Z"); nullopt when malformed or when it has no offset (a local time means nothing here).
std::optional<int64_t> parse_iso8601(std::string_view text);
// "2026-03-29T01:30:00Z".
std::string iso8601_utc(int64_t unix_s);

// The agenda around `now`: from the start of today to the start of the same day next month
// (the 31st of January runs to the 28th/29th of February), local midnights in `tz`.
TimeSpan agenda_span(int64_t now, GTimeZone* tz);
// A calendar month (month 1-12) from its first local midnight to the next month's.
std::optional<TimeSpan> month_span(int year, int month, GTimeZone* tz);
// "2026-03" -> (2026, 3); nullopt unless YYYY-MM with a month 1-12 and a year 1970-9999.
std::optional<std::pair<int, int>> parse_year_month(std::string_view text);
// The local day of `t` in `tz`: "2026-03-29".
std::string local_day(int64_t t, GTimeZone* tz);

}  // namespace kek::schedule
