// The `thumbnail` output of live layouts (kek/live_outputs.h): a JPEG of the published video's
// keyframe every thumbnail_interval seconds (10 by default) as <stream folder>/thumb.jpg, straight
// from the source tee (the sink hands keyframes to the decode pool and never waits). On demand:
// after a session's first picture, a new one only when the stream was listed (urls(), which
// asks `demand`) since the last one; without a board, one per interval. It joins
// every layout with video unless the template sets thumbnails: "false". /api/live's "thumbnail"
// is its URL with ?v=<mtime> (/media/ serves .jpg as immutable: a new picture needs a new URL),
// and null while the picture is older than the stream (its last session's).
#pragma once

#include "demand.h"

#include <kek/live_outputs.h>

#include <memory>

namespace kek::thumbnails {

LiveOutput live_output(std::shared_ptr<Demand> demand = nullptr);

}  // namespace kek::thumbnails
