#include "ics.h"

#include <glib.h>

namespace kek::schedule {

std::string ics_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n': out += "\\n"; break;
      default:
        // Other control characters are not allowed in TEXT; drop them.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') break;
        out += c;
    }
  }
  return out;
}

std::string ics_line(std::string_view name, std::string_view value) {
  const std::string line = std::string(name) + ":" + std::string(value);
  std::string out;
  size_t pos = 0, limit = 75;  // octets of the first line; continuations start with a space
  while (line.size() - pos > limit) {
    size_t cut = pos + limit;
    // Never between the bytes of one UTF-8 character: back up to a lead byte.
    while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line, pos, cut - pos);
    out += "\r\n ";
    pos = cut;
    limit = 74;
  }
  out.append(line, pos, std::string::npos);
  out += "\r\n";
  return out;
}

std::string ics_utc(int64_t unix_s) {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(unix_s);
  if (!t) return "19700101T000000Z";
  g_autofree char* s = g_date_time_format(t, "%Y%m%dT%H%M%SZ");
  return s ? s : "";
}

std::string ics_calendar(std::string_view name, const std::vector<IcsEvent>& events) {
  std::string out;
  out += ics_line("BEGIN", "VCALENDAR");
  out += ics_line("VERSION", "2.0");
  out += ics_line("PRODID", "-//KEK//Poster//EN");
  out += ics_line("CALSCALE", "GREGORIAN");
  out += ics_line("METHOD", "PUBLISH");
  if (!name.empty()) out += ics_line("X-WR-CALNAME", ics_escape(name));
  for (const auto& e : events) {
    out += ics_line("BEGIN", "VEVENT");
    out += ics_line("UID", ics_escape(e.uid));
    out += ics_line("DTSTAMP", ics_utc(e.stamp));
    if (e.created) out += ics_line("CREATED", ics_utc(e.created));
    if (e.last_modified) out += ics_line("LAST-MODIFIED", ics_utc(e.last_modified));
    out += ics_line("SEQUENCE", std::to_string(e.sequence));
    out += ics_line("DTSTART", ics_utc(e.start));
    out += ics_line("DTEND", ics_utc(e.end > e.start ? e.end : e.start + 60));
    out += ics_line("SUMMARY", ics_escape(e.summary));
    if (!e.description.empty()) out += ics_line("DESCRIPTION", ics_escape(e.description));
    if (!e.location.empty()) out += ics_line("LOCATION", ics_escape(e.location));
    // URI values are not TEXT: no escaping, but nothing that would end the line either.
    if (!e.url.empty() && e.url.find_first_of("\r\n") == std::string::npos) out += ics_line("URL", e.url);
    out += ics_line("STATUS", e.cancelled ? "CANCELLED" : "CONFIRMED");
    out += ics_line("TRANSP", "TRANSPARENT");
    out += ics_line("END", "VEVENT");
  }
  out += ics_line("END", "VCALENDAR");
  return out;
}

}  // namespace kek::schedule
