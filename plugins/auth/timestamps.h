// Times are stored as Unix seconds and shown in the API as ISO-8601 UTC strings.
#pragma once

#include <glib.h>

#include <cstdint>
#include <string>

namespace kek::auth {

inline int64_t now_seconds() { return g_get_real_time() / G_USEC_PER_SEC; }

inline std::string iso8601(int64_t unix_seconds) {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(unix_seconds);
  if (!t) return "";
  g_autofree char* text = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
  return text ? text : "";
}

}  // namespace kek::auth
