// kekposterpick: chooses a film's poster frame. Fed decoded pictures (a few per second is
// plenty: put videorate max-rate=2 in front, then scale), it lets exactly ONE through: the first
// at or after `at` (running time) that is neither black nor flat (a fade, a title card on one
// colour); if none comes within `window` after `at`, the most detailed one seen since `at`; at
// EOS without a choice, the most detailed one seen at all. Everything else is dropped, so
//   ... ! kekposterpick at=600000000000 ! jpegenc ! filesink location=poster.jpg async=false
// writes one JPEG as soon as the frame is known, long before the end of the film.
#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define KEK_TYPE_POSTER_PICK (kek_poster_pick_get_type())
G_DECLARE_FINAL_TYPE(KekPosterPick, kek_poster_pick, KEK, POSTER_PICK, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(kekposterpick);

G_END_DECLS
