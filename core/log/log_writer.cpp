#include "log/log_writer.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace kek::core::log {

namespace {

// The writer is process-wide by GLib's design (one writer function per process), so its one
// setting is too.
std::atomic<Format> g_format{Format::text};
std::atomic<bool> g_installed{false};

bool needs_unicode_escape(gunichar c) {
  return (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

void append_hex(std::string& out, const char* prefix, unsigned value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%0*x", prefix, digits, value);
  out += buf;
}

// Shared walk over the text: valid UTF-8 sequences one by one, invalid bytes one by one.
template <class Ascii, class Wide, class Bad>
void walk(std::string_view text, Ascii ascii, Wide wide, Bad bad) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ascii(static_cast<char>(byte));
      ++i;
      continue;
    }
    const gunichar c = g_utf8_get_char_validated(text.data() + i, static_cast<gssize>(text.size() - i));
    if (c == static_cast<gunichar>(-1) || c == static_cast<gunichar>(-2)) {
      bad(byte);
      ++i;
      continue;
    }
    const size_t len = static_cast<size_t>(g_utf8_next_char(text.data() + i) - (text.data() + i));
    wide(c, text.substr(i, len));
    i += len;
  }
}

const char* level_name(GLogLevelFlags level) {
  switch (level & G_LOG_LEVEL_MASK) {
    case G_LOG_LEVEL_ERROR: return "error";
    case G_LOG_LEVEL_CRITICAL: return "critical";
    case G_LOG_LEVEL_WARNING: return "warning";
    case G_LOG_LEVEL_MESSAGE: return "message";
    case G_LOG_LEVEL_INFO: return "info";
    default: return "debug";
  }
}

// "2025-12-01T14:00:00.123Z" without gmtime_r (which takes the time zone lock) and snprintf: a
// request line is written per request. Days to a civil date: H. Hinnant's days_from_civil,
// inverted (public domain, http://howardhinnant.github.io/date_algorithms.html).
std::string timestamp(int64_t unix_time_us) {
  const int64_t ms = unix_time_us / 1000;
  const int64_t seconds = ms / 1000;
  int64_t days = seconds / 86400;
  int64_t in_day = seconds % 86400;
  if (in_day < 0) {
    in_day += 86400;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return "0000-00-00T00:00:00.000Z";
  char text[24];
  auto put = [&text](int at, int64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10) text[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  text[4] = '-';
  put(5, month, 2);
  text[7] = '-';
  put(8, day, 2);
  text[10] = 'T';
  put(11, in_day / 3600, 2);
  text[13] = ':';
  put(14, in_day / 60 % 60, 2);
  text[16] = ':';
  put(17, in_day % 60, 2);
  text[19] = '.';
  put(20, ((ms % 1000) + 1000) % 1000, 3);
  text[23] = 'Z';
  return std::string(text, 24);
}

// Printable ASCII only: nothing to escape in the text form (the usual request line).
bool plain_text(std::string_view text) {
  for (char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte >= 0x7f || ch == '\\') return false;
  }
  return true;
}

std::string_view field_text(const GLogField& f) {
  if (!f.value) return {};
  const char* v = static_cast<const char*>(f.value);
  return f.length < 0 ? std::string_view(v) : std::string_view(v, static_cast<size_t>(f.length));
}

// Fields whose values are numbers in the JSON form.
bool numeric_field(std::string_view name) {
  return name == "status" || name == "bytes" || name == "duration_ms";
}

bool plain_number(std::string_view v) {
  if (v.empty() || v.size() > 24) return false;
  bool dot = false;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '.' && !dot && i > 0 && i + 1 < v.size()) dot = true;
    else if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}

void write_all(const std::string& line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: the event is lost, the process goes on
    p += n;
    left -= static_cast<size_t>(n);
  }
}

GLogWriterOutput writer(GLogLevelFlags level, const GLogField* fields, gsize n_fields, gpointer) {
  const char* domain = nullptr;
  for (gsize i = 0; i < n_fields; ++i)
    if (std::strcmp(fields[i].key, "GLIB_DOMAIN") == 0) domain = static_cast<const char*>(fields[i].value);
  // Debug lines only for the domains G_MESSAGES_DEBUG names; info is shown (kek uses it for
  // request lines, which the http settings turn on and off).
  if ((level & G_LOG_LEVEL_DEBUG) && g_log_writer_default_would_drop(level, domain)) return G_LOG_WRITER_HANDLED;
  write_all(format_line(g_format.load(std::memory_order_relaxed), level, fields, n_fields, g_get_real_time()));
  return G_LOG_WRITER_HANDLED;
}

}  // namespace

Result<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  return Error{"log format must be text or json, not '" + escape_text(name) + "'", 400};
}

std::string escape_text(std::string_view text) {
  if (plain_text(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  walk(
      text,
      [&](char ch) {
        switch (ch) {
          case '\\': out += "\\\\"; break;
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          case '\t': out += "\\t"; break;
          default:
            if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) append_hex(out, "\\x", static_cast<unsigned char>(ch), 2);
            else out += ch;
        }
      },
      [&](gunichar c, std::string_view bytes) {
        if (needs_unicode_escape(c)) append_hex(out, "\\u", c, 4);
        else out += bytes;
      },
      [&](unsigned char byte) { append_hex(out, "\\x", byte, 2); });
  return out;
}

std::string escape_json(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  walk(
      text,
      [&](char ch) {
        switch (ch) {
          case '"': out += "\\\""; break;
          case '\\': out += "\\\\"; break;
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          case '\t': out += "\\t"; break;
          default:
            if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) append_hex(out, "\\u", static_cast<unsigned char>(ch), 4);
            else out += ch;
        }
      },
      [&](gunichar c, std::string_view bytes) {
        if (needs_unicode_escape(c)) append_hex(out, "\\u", c, 4);
        else out += bytes;
      },
      [&](unsigned char byte) { append_hex(out, "\\\\x", byte, 2); });
  return out;
}

std::string format_line(Format format, GLogLevelFlags level, const GLogField* fields, gsize n_fields,
                        int64_t unix_time_us) {
  std::string_view domain;
  std::string_view message;
  for (gsize i = 0; i < n_fields; ++i) {
    if (std::strcmp(fields[i].key, "GLIB_DOMAIN") == 0) domain = field_text(fields[i]);
    else if (std::strcmp(fields[i].key, "MESSAGE") == 0) message = field_text(fields[i]);
  }
  if (domain.empty()) domain = "default";
  std::string line;
  line.reserve(message.size() + 96);
  if (format == Format::text) {
    line += timestamp(unix_time_us);
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += escape_text(domain);
    line += ": ";
    line += escape_text(message);
    line += '\n';
    return line;
  }
  line += "{\"ts\":\"" + timestamp(unix_time_us) + "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"domain\":\"" + escape_json(domain) + "\",\"msg\":\"" + escape_json(message) + "\"";
  for (gsize i = 0; i < n_fields; ++i) {
    std::string_view key = fields[i].key;
    if (!key.starts_with("KEK_") || key.size() == 4) continue;
    g_autofree char* name = g_ascii_strdown(fields[i].key + 4, -1);
    std::string_view value = field_text(fields[i]);
    line += ",\"" + escape_json(name) + "\":";
    if (numeric_field(name) && plain_number(value)) line += value;
    else line += "\"" + escape_json(value) + "\"";
  }
  line += "}\n";
  return line;
}

void install(Format f) {
  g_format.store(f);
  if (g_installed.exchange(true)) return;
  g_log_set_writer_func(writer, nullptr, nullptr);
}

void set_format(Format f) { g_format.store(f); }
Format format() { return g_format.load(); }

}  // namespace kek::core::log
