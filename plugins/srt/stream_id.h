// What an SRT caller asks for in its streamid: the SRT access-control form
// ("#!::r=live/KEY,m=publish", keys in any order, see libsrt's docs/features/access-control.md)
// or a plain stream key ("KEY", app "live"). Pure: unit-tested and fuzzed on its own.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace kek::srt {

struct StreamIdRequest {
  std::string app;   // "live"
  std::string key;   // the stream key
  std::string mode;  // "publish" (m=publish); "request" (playing) is refused by the listener
};

struct StreamIdError {
  std::string message;
};

// The caller's streamid, at most 512 bytes as SRT allows.
std::variant<StreamIdRequest, StreamIdError> parse_stream_id(std::string_view id, std::string_view default_app = "live");

}  // namespace kek::srt
