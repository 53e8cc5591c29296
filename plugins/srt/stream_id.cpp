#include "stream_id.h"

namespace kek::srt {

namespace {

constexpr size_t kMaxStreamId = 512;

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == ',' || c == '#' || c == '?' || c == '\\') return false;
  return true;
}

// "live/KEY" -> app, key; "KEY" -> default app, key.
bool split_resource(std::string_view r, std::string_view default_app, StreamIdRequest& out) {
  const size_t slash = r.find('/');
  std::string_view app = slash == std::string_view::npos ? default_app : r.substr(0, slash);
  std::string_view key = slash == std::string_view::npos ? r : r.substr(slash + 1);
  if (!valid_name(app) || !valid_name(key)) return false;
  out.app = std::string(app);
  out.key = std::string(key);
  return true;
}

}  // namespace

std::variant<StreamIdRequest, StreamIdError> parse_stream_id(std::string_view id, std::string_view default_app) {
  if (id.empty()) return StreamIdError{"no streamid: set streamid=#!::r=live/KEY,m=publish (or the stream key)"};
  if (id.size() > kMaxStreamId) return StreamIdError{"streamid longer than 512 bytes"};
  StreamIdRequest out;
  out.mode = "publish";
  if (!id.starts_with("#!::")) {
    if (!split_resource(id, default_app, out)) return StreamIdError{"streamid is not a stream key"};
    return out;
  }
  bool have_resource = false;
  std::string_view rest = id.substr(4);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return StreamIdError{"streamid item without key=value"};
    std::string_view k = item.substr(0, eq), v = item.substr(eq + 1);
    if (k == "r") {
      if (have_resource || !split_resource(v, default_app, out)) return StreamIdError{"streamid r= is not app/KEY"};
      have_resource = true;
    } else if (k == "m") {
      if (v != "publish" && v != "request" && v != "bidirectional") return StreamIdError{"streamid m= is unknown"};
      out.mode = std::string(v);
    }
    // u= (user), s= (session), t= (type) and the rest are not needed: the key names the stream.
  }
  if (!have_resource) return StreamIdError{"streamid has no r=app/KEY"};
  return out;
}

}  // namespace kek::srt
