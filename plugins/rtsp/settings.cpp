#include "settings.h"

namespace kek::rtsp {

kek::Result<Settings> read_settings(const Args& args) {
  Settings s;
  auto address = args.string("address", s.address);
  if (!address) return address.error();
  s.address = *address;
  auto port = args.integer("port", s.port, 0, 65535);
  if (!port) return port.error();
  s.port = static_cast<int>(*port);
  auto ttl = args.integer("token_ttl_s", s.token_ttl_s, 60, 7 * 24 * 3600);
  if (!ttl) return ttl.error();
  s.token_ttl_s = static_cast<int>(*ttl);
  if (auto unknown = args.no_unknown_keys(); !unknown) return unknown.error();
  return s;
}

}  // namespace kek::rtsp
