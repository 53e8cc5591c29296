// The rtsp plugin's args, read once.
#pragma once

#include <kek/args.h>

#include <string>

namespace kek::rtsp {

struct Settings {
  std::string address = "127.0.0.1";
  int port = 8554;
  int token_ttl_s = 6 * 3600;  // how long a signed URL of a private stream opens it
};

kek::Result<Settings> read_settings(const Args& args);

}  // namespace kek::rtsp
