#include "time_ranges.h"

#include <algorithm>
#include <cstdlib>

namespace kek::schedule {
namespace {

struct DateTimeUnref {
  void operator()(GDateTime* t) const { g_date_time_unref(t); }
};
using DateTime = std::unique_ptr<GDateTime, DateTimeUnref>;

// Local midnight of a calendar day in tz (GLib moves a midnight that a DST change skips to the
// first time that exists).
int64_t local_midnight(GTimeZone* tz, int year, int month, int day) {
  DateTime t(g_date_time_new(tz, year, month, day, 0, 0, 0));
  return t ? g_date_time_to_unix(t.get()) : 0;
}

int days_in_month(int year, int month) {
  return g_date_get_days_in_month(static_cast<GDateMonth>(month), static_cast<GDateYear>(year));
}

}  // namespace

TimeZone time_zone(std::string_view name) {
  if (name.empty() || name.size() > 64) return nullptr;
  // Names only: an offset string ("+03:00") or a path would be read as one by GLib.
  for (char c : name)
    if (!(g_ascii_isalnum(c) || c == '/' || c == '_' || c == '-' || c == '+')) return nullptr;
  if (name.front() == '/' || name.find("..") != std::string_view::npos) return nullptr;
  if (name == "UTC" || name == "Etc/UTC") return TimeZone(g_time_zone_new_utc());
  return TimeZone(g_time_zone_new_identifier(std::string(name).c_str()));
}

std::optional<int64_t> parse_iso8601(std::string_view text) {
  if (text.size() < 16 || text.size() > 40) return std::nullopt;
  const std::string s(text);
  // An offset or Z after the time: GLib would otherwise take the server's local zone.
  const size_t t = s.find('T');
  if (t == std::string::npos) return std::nullopt;
  const std::string time_part = s.substr(t + 1);
  if (time_part.find_first_of("Zz+-") == std::string::npos) return std::nullopt;
  DateTime parsed(g_date_time_new_from_iso8601(s.c_str(), nullptr));
  if (!parsed) return std::nullopt;
  return g_date_time_to_unix(parsed.get());
}

std::string iso8601_utc(int64_t unix_s) {
  DateTime t(g_date_time_new_from_unix_utc(unix_s));
  if (!t) return {};
  g_autofree char* s = g_date_time_format(t.get(), "%Y-%m-%dT%H:%M:%SZ");
  return s ? s : "";
}

TimeSpan agenda_span(int64_t now, GTimeZone* tz) {
  DateTime utc(g_date_time_new_from_unix_utc(now));
  DateTime local(g_date_time_to_timezone(utc.get(), tz));
  int y = 0, m = 0, d = 0;
  g_date_time_get_ymd(local.get(), &y, &m, &d);
  int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
  int nd = std::min(d, days_in_month(ny, nm));
  return {local_midnight(tz, y, m, d), local_midnight(tz, ny, nm, nd)};
}

std::optional<TimeSpan> month_span(int year, int month, GTimeZone* tz) {
  if (month < 1 || month > 12 || year < 1970 || year > 9999) return std::nullopt;
  int ny = month == 12 ? year + 1 : year, nm = month == 12 ? 1 : month + 1;
  return TimeSpan{local_midnight(tz, year, month, 1), local_midnight(tz, ny, nm, 1)};
}

std::optional<std::pair<int, int>> parse_year_month(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  for (size_t i = 0; i < 7; ++i)
    if (i != 4 && !g_ascii_isdigit(text[i])) return std::nullopt;
  const int year = std::atoi(std::string(text.substr(0, 4)).c_str());
  const int month = std::atoi(std::string(text.substr(5, 2)).c_str());
  if (month < 1 || month > 12 || year < 1970) return std::nullopt;
  return std::make_pair(year, month);
}

std::string local_day(int64_t t, GTimeZone* tz) {
  DateTime utc(g_date_time_new_from_unix_utc(t));
  DateTime local(g_date_time_to_timezone(utc.get(), tz));
  g_autofree char* s = g_date_time_format(local.get(), "%Y-%m-%d");
  return s ? s : "";
}

}  // namespace kek::schedule
