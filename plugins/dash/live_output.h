// The outputs of live layouts (kek/live_outputs.h) the dash plugin registers; kekdashsink packages
// every rung (through a parser of its own: kekdashsink wants avc, the tees carry byte-stream)
// and the audio once, as CMAF.
//   `dash`   one kekdashsink (named `dash`) in <stream folder>/dash; /api/live's "dash" is its
//            manifest.
//   `llhls`  one kekdashsink (named `llhls`) in the stream folder with LL-HLS parts (variable
//            `part_s`, default 0.5 s): the HLS master at <stream folder>/index.m3u8 as the `hls`
//            output has it (/api/live's "playlist"), each rung's and the audio's LL-HLS media
//            playlist in <rung>/index.m3u8, and the MPD beside the master. A layout listing both
//            gets one packaging behind two manifests: `dash` then adds nothing and publishes that
//            MPD. `llhls` and `hls` cannot share a layout (both write index.m3u8).
#pragma once

#include <kek/live_outputs.h>

namespace kek::dash {

LiveOutput live_output();
LiveOutput llhls_output();

// The `part_s` a layout gives `llhls` (seconds, 0.2 to segment_s), default 0.5.
inline constexpr double kDefaultPartSeconds = 0.5;

}  // namespace kek::dash
