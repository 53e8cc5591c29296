// The one writer every log line of the process goes through (g_log_set_writer_func): GLib's,
// GStreamer's g_log calls, libsoup's and every plugin's. One event is one line, whatever the
// message holds: user-controlled text (user names, RTMP app and flashVer, paths) cannot start a
// line of its own, colour a terminal or break a JSON shipper, because control characters, ANSI
// escapes, line separators and invalid UTF-8 are escaped before the line is written.
#pragma once

#include <kek/error.h>

#include <glib.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace kek::core::log {

enum class Format { text, json };

Result<Format> parse_format(std::string_view name);  // "text" | "json"

// Text for one log line: printable characters as they are; "\" doubled; newline, CR and tab as
// \n \r \t; other C0/C1 controls and DEL as \xNN / \u00NN; U+2028/U+2029 and the bidi overrides
// (which reorder what a terminal shows) as \uNNNN; bytes that are not UTF-8 as \xNN.
std::string escape_text(std::string_view text);
// The same text as the inside of a JSON string (quotes and backslashes escaped, controls as
// \u00NN); invalid UTF-8 bytes are written as the four characters \xNN (escaped backslash).
std::string escape_json(std::string_view text);

// One finished line (with its '\n') for a g_log_structured event. Fields named KEK_<NAME> are
// added to the JSON object as "<name>" (lower case); in text they are already in MESSAGE.
std::string format_line(Format format, GLogLevelFlags level, const GLogField* fields, gsize n_fields,
                        int64_t unix_time_us);

// Installs the writer (once per process; later calls only change the format). Lines go to
// stderr in one write each, so lines from several threads never interleave.
void install(Format format);
void set_format(Format format);
Format format();

}  // namespace kek::core::log
