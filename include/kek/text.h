// Checks for short texts people type (titles, names, bios, chat messages) before they are
// stored or shown: valid UTF-8, at most so many characters, no control characters. Header-only.
#pragma once

#include <kek/error.h>

#include <glib.h>

#include <string>
#include <string_view>

namespace kek {

// 400 with code text_not_utf8, text_too_long or text_control_characters; `what` names the
// field in the message ("the title"). Newlines and tabs pass when allow_newlines.
inline Status check_text(std::string_view text, std::string_view what, size_t max_chars, bool allow_newlines = false) {
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr))
    return Error{std::string(what) + " must be UTF-8 text", 400, "text_not_utf8"};
  if (g_utf8_strlen(text.data(), static_cast<gssize>(text.size())) > static_cast<glong>(max_chars))
    return Error{std::string(what) + " may have at most " + std::to_string(max_chars) + " characters", 400, "text_too_long"};
  for (unsigned char ch : text) {
    if (allow_newlines && (ch == '\n' || ch == '\r' || ch == '\t')) continue;
    if (ch < 0x20 || ch == 0x7f)
      return Error{std::string(what) + " must not contain control characters", 400, "text_control_characters"};
  }
  return {};
}

}  // namespace kek
