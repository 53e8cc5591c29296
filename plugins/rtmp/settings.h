// The rtmp plugin's settings, read once from its config args.
#pragma once

#include <kek/args.h>
#include <kek/error.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kek::rtmp {

struct ConfiguredKey {
  std::string key;     // the secret the publisher types into OBS
  std::string stream;  // the public name used in media URLs
};

struct Settings {
  std::string address = "127.0.0.1";
  int port = 1935;  // 0: pick a free one (tests)
  // What publishers type into OBS when the server sits behind a name, a NAT or a proxy
  // ("rtmp://stream.example.org:1935", an app path optional): /api/health's rtmp_public, which
  // Studio shows instead of guessing from the bind address. Empty: not announced.
  std::string public_url;
  // app -> pipeline template started for each publish to that app.
  std::map<std::string, std::string> apps = {{"live", "live"}};
  // Used only when no plugin provides kek::PublishAuthorizer (the auth plugin does).
  std::vector<ConfiguredKey> keys;
  bool take_over = false;           // a second publisher with a live key replaces the first
  int reconnect_grace_s = 10;       // a publisher back within this long continues the same stream
  int idle_timeout_s = 30;          // a connection that sends nothing this long is closed
  int publish_timeout_s = 10;       // from accept to an accepted publish, else closed
  int max_connections = 1000;
  int max_connections_per_address = 16;  // IPv4 address, or IPv6 /64
  int64_t max_message_bytes = 8 * 1024 * 1024;
  int64_t gop_cache_bytes = 16 * 1024 * 1024;  // replayed to a (re)starting pipeline
  int64_t max_output_bytes = 4 * 1024 * 1024;  // unread replies before a client is cut off
  int push_threads = 0;  // threads that push every stream into its pipeline (0: one per core)
};

// keys: ["stream:secret"]. A bare "secret" is refused: the stream would be named like the key and
// its media URLs would give the secret away.
kek::Result<Settings> read_settings(const Args& args);

}  // namespace kek::rtmp
