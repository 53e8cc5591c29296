// The srt plugin's args, read once.
#pragma once

#include <kek/args.h>

#include <string>

namespace kek::srt {

struct Settings {
  std::string address = "127.0.0.1";
  int port = 8890;
  int latency_ms = 120;      // SRT's receiver latency (SRTO_RCVLATENCY): what it waits for retransmits
  int max_connections = 100; // callers at once; more are rejected
  std::string app = "live";  // the app of a plain-key streamid
};

kek::Result<Settings> read_settings(const Args& args);

}  // namespace kek::srt
