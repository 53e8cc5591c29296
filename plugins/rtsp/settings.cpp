#include "settings.h"

namespace kek::rtsp {

kek::Result<Settings> read_settings(const Args& args) {
  Settings s;
  if (auto st = first_failure({args.read("address", s.address), args.read("port", s.port, 0, 65535),
                               args.read("token_ttl_s", s.token_ttl_s, 60, 7 * 24 * 3600), args.no_unknown_keys()});
      !st)
    return st.error();
  return s;
}

}  // namespace kek::rtsp
