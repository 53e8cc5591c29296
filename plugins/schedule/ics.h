// iCalendar (RFC 5545) text for the poster's feeds and per-event files: one VCALENDAR of
// VEVENTs, times in UTC, TEXT values escaped, lines folded at 75 octets (never inside a UTF-8
// character), CRLF line ends. Pure: no clock, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kek::schedule {

struct IcsEvent {
  std::string uid;          // stable across edits: "<event id>@kek"
  int sequence = 0;         // bumped on every change the attendee should see
  int64_t stamp = 0;        // DTSTAMP: when this version was made (its last change)
  int64_t created = 0;
  int64_t last_modified = 0;
  int64_t start = 0;        // unix seconds
  int64_t end = 0;
  std::string summary;
  std::string description;
  std::string url;          // absolute, or empty
  std::string location;     // where to watch ("KEK"), or empty
  bool cancelled = false;   // STATUS:CANCELLED (else CONFIRMED)
};

// TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newline.
std::string ics_escape(std::string_view text);
// "NAME:value" as folded content lines, each ending in CRLF.
std::string ics_line(std::string_view name, std::string_view value);
// 20260329T013000Z
std::string ics_utc(int64_t unix_s);
// A whole calendar: PRODID, VERSION, CALSCALE, METHOD:PUBLISH, X-WR-CALNAME, the events.
std::string ics_calendar(std::string_view name, const std::vector<IcsEvent>& events);

}  // namespace kek::schedule
