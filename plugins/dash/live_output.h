// The `dash` output of live layouts (kek/live_outputs.h): every rung (through a parser of its
// own: kekdashsink wants avc, the tees carry byte-stream) and the audio into one kekdashsink
// (named `dash`) in <stream folder>/dash; /api/live's "dash" is its manifest.
#pragma once

#include <kek/live_outputs.h>

namespace kek::dash {

LiveOutput live_output();

}  // namespace kek::dash
