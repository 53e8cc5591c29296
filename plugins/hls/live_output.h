// The `hls` output of live layouts (kek/live_outputs.h): every rung into one kekhlssink (named
// `hls`) in the stream's folder, the shared audio teed into every variant; /api/live's
// "playlist" is its master playlist.
#pragma once

#include <kek/live_outputs.h>

namespace kek::hls {

LiveOutput live_output();

}  // namespace kek::hls
