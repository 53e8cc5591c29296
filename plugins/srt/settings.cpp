#include "settings.h"

namespace kek::srt {

kek::Result<Settings> read_settings(const Args& args) {
  Settings s;
  if (auto st = first_failure({args.read("address", s.address), args.read("port", s.port, 0, 65535),
                               args.read("latency_ms", s.latency_ms, 20, 8000),
                               args.read("max_connections", s.max_connections, 1, 10000), args.read("app", s.app),
                               args.no_unknown_keys()});
      !st)
    return st.error();
  return s;
}

}  // namespace kek::srt
