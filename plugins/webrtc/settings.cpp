#include "settings.h"

namespace kek::webrtc {

kek::Result<Settings> read_settings(const Args& args) {
  Settings s;
  auto viewers = args.integer("max_viewers_per_stream", s.max_viewers_per_stream, 1, 10000);
  if (!viewers) return viewers.error();
  s.max_viewers_per_stream = static_cast<int>(*viewers);
  auto publishers = args.integer("max_publishers", s.max_publishers, 1, 10000);
  if (!publishers) return publishers.error();
  s.max_publishers = static_cast<int>(*publishers);
  auto gather = args.integer("gather_timeout_ms", s.gather_timeout_ms, 100, 30000);
  if (!gather) return gather.error();
  s.gather_timeout_ms = static_cast<int>(*gather);
  auto connect = args.integer("connect_timeout_s", s.connect_timeout_s, 2, 300);
  if (!connect) return connect.error();
  s.connect_timeout_s = static_cast<int>(*connect);
  auto opus = args.integer("opus_bitrate", s.opus_bitrate, 6000, 510000);
  if (!opus) return opus.error();
  s.opus_bitrate = static_cast<int>(*opus);
  auto aac = args.integer("aac_bitrate", s.aac_bitrate, 16000, 320000);
  if (!aac) return aac.error();
  s.aac_bitrate = static_cast<int>(*aac);
  if (auto unknown = args.no_unknown_keys(); !unknown) return unknown.error();
  return s;
}

}  // namespace kek::webrtc
