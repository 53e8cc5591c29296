// The `thumbnail` output of live layouts (kek/live_outputs.h): a JPEG of the published video's
// keyframe every thumbnail_interval seconds (10 by default) as <stream folder>/thumb.jpg, fed
// behind a short leaky queue (a picture may be late, the stream never waits for it). It joins
// every layout with video unless the template sets thumbnails: "false". /api/live's "thumbnail"
// is its URL with ?v=<mtime> (/media/ serves .jpg as immutable: a new picture needs a new URL),
// and null while the picture is older than the stream (its last session's).
#pragma once

#include <kek/live_outputs.h>

namespace kek::thumbnails {

LiveOutput live_output();

}  // namespace kek::thumbnails
