#include "settings.h"

namespace kek::srt {

kek::Result<Settings> read_settings(const Args& args) {
  Settings s;
  auto address = args.string("address", s.address);
  if (!address) return address.error();
  s.address = *address;
  auto port = args.integer("port", s.port, 0, 65535);
  if (!port) return port.error();
  s.port = static_cast<int>(*port);
  auto latency = args.integer("latency_ms", s.latency_ms, 20, 8000);
  if (!latency) return latency.error();
  s.latency_ms = static_cast<int>(*latency);
  auto max = args.integer("max_connections", s.max_connections, 1, 10000);
  if (!max) return max.error();
  s.max_connections = static_cast<int>(*max);
  auto app = args.string("app", s.app);
  if (!app) return app.error();
  s.app = *app;
  if (auto unknown = args.no_unknown_keys(); !unknown) return unknown.error();
  return s;
}

}  // namespace kek::srt
