// kekkeyframes: asks the encoders downstream for a keyframe at given times. Before the first
// buffer at or after each time of `at` (stream time, seconds) it sends a downstream
// force-key-unit event; a tee passes it to every branch, so every encoder of a ladder makes its
// keyframe at the same frame. The vod-abr line puts it in front of the decoded pictures' tee to
// start a film with short segments (1 s, 1 s, 2 s, then every segment_s):
//   ... ! avdec_h264 ! kekkeyframes at=1,2,4 ! tee name=raw ...
// Buffers pass through untouched.
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define KEK_TYPE_KEYFRAMES (kek_keyframes_get_type())
G_DECLARE_FINAL_TYPE(KekKeyframes, kek_keyframes, KEK, KEYFRAMES, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE(kekkeyframes);

G_END_DECLS
