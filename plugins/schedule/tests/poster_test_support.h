// What the poster's integration tests share: a kek serve with auth, rtmp, library and schedule;
// a tiny film uploaded and ready; times as the API takes them; playlists read over HTTP.
#pragma once

#include "library_test_support.h"  // plugins/library/tests: make_film, upload, wait_status

#include "support/http_client.h"

#include <glib.h>

#include <string>

namespace kek::schedule::test {

using namespace kek::library::test;

inline KekOptions poster_options(const std::string& schedule_args = "") {
  KekOptions o;
  o.extra_yaml =
      "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0}}\n"
      "  - {name: library, args: {segment_s: 1, ladder: \"180p:180:300\"}}\n"
      "  - {name: schedule, args: {" + schedule_args + "}}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  return o;
}

inline int64_t now_s() { return g_get_real_time() / G_USEC_PER_SEC; }
inline int64_t now_ms() { return g_get_real_time() / 1000; }

inline std::string iso(int64_t unix_s) {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(unix_s);
  g_autofree char* s = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
  return s;
}

inline int64_t unix_ms_of(const std::string& iso_text) {
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(iso_text.c_str(), nullptr);
  return t ? g_date_time_to_unix(t) * 1000 + g_date_time_get_microsecond(t) / 1000 : 0;
}

// A film of `seconds` at 320x180 with a keyframe a second (the copy rung keeps them), uploaded
// by `b` and ready; its item id.
inline std::string ready_film(Browser& b, const std::string& dir, const std::string& name, int seconds) {
  const std::string bytes = make_film(dir, name, seconds, {"-g", "25", "-keyint_min", "25"});
  const std::string id = upload(b, name, bytes);
  EXPECT_FALSE(id.empty());
  EXPECT_TRUE(wait_status(b, id, "ready", 120000)) << item_json(b, id);
  return id;
}

inline HttpResult create_premiere(Browser& b, const std::string& item_id, int64_t starts_at, const std::string& extra = "") {
  return b.post("/api/poster/events", "{\"kind\":\"premiere\",\"item_id\":\"" + item_id + "\",\"starts_at\":\"" +
                                          iso(starts_at) + "\"" + extra + "}");
}

// The segments of a live media playlist: each one's date (unix ms) and length (ms).
struct LiveSegment {
  int64_t date_ms = 0;
  int64_t duration_ms = 0;
};

inline std::vector<LiveSegment> dated_segments(const std::string& playlist) {
  std::vector<LiveSegment> out;
  int64_t next_date = 0;
  size_t pos = 0;
  while (pos < playlist.size()) {
    size_t eol = playlist.find('\n', pos);
    std::string line = playlist.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? playlist.size() : eol + 1;
    if (line.rfind("#EXT-X-PROGRAM-DATE-TIME:", 0) == 0) next_date = unix_ms_of(line.substr(25));
    if (line.rfind("#EXTINF:", 0) == 0) {
      const int64_t d = static_cast<int64_t>(std::strtod(line.c_str() + 8, nullptr) * 1000 + 0.5);
      out.push_back({next_date, d});
      next_date += d;
    }
  }
  return out;
}

}  // namespace kek::schedule::test
