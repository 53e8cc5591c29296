#include "settings.h"

namespace kek::webrtc {

kek::Result<Settings> read_settings(const Args& args) {
  Settings s;
  if (auto st = first_failure({args.read("max_viewers_per_stream", s.max_viewers_per_stream, 1, 10000),
                               args.read("max_publishers", s.max_publishers, 1, 10000),
                               args.read("gather_timeout_ms", s.gather_timeout_ms, 100, 30000),
                               args.read("connect_timeout_s", s.connect_timeout_s, 2, 300),
                               args.read("opus_bitrate", s.opus_bitrate, 6000, 510000),
                               args.read("aac_bitrate", s.aac_bitrate, 16000, 320000), args.no_unknown_keys()});
      !st)
    return st.error();
  return s;
}

}  // namespace kek::webrtc
