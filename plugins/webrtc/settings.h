// The webrtc plugin's args, read once.
#pragma once

#include <kek/args.h>

#include <string>

namespace kek::webrtc {

struct Settings {
  int max_viewers_per_stream = 50;  // WHEP sessions of one stream at once; more get 503
  int max_publishers = 20;          // WHIP publishes at once; more get 503
  int gather_timeout_ms = 5000;     // the answer waits this long at most for ICE gathering
  int connect_timeout_s = 20;       // a session whose peer never connects (ICE + DTLS) is ended
  int opus_bitrate = 64000;         // WHEP audio, encoded once per stream from its AAC
  int aac_bitrate = 128000;         // WHIP audio, encoded from the publisher's Opus for the layouts
};

kek::Result<Settings> read_settings(const Args& args);

}  // namespace kek::webrtc
