// kekpace: plays a film's timeline on the wall clock. A buffer at film position p (its stream
// time) leaves at the running time whose wall-clock time is origin + p, with that running time
// as its timestamps, so live packaging downstream dates it right (EXT-X-PROGRAM-DATE-TIME is
// origin + p) and every viewer sees the same moment. What is already past when the pipeline
// starts (a premiere resumed after a restart) is dropped, video up to its next keyframe, so
// nobody is shown anything ahead of "now" and nothing is pushed with a negative time.
//
//   kekplaylistsrc location=.../720p/index.m3u8 ! qtdemux ! kekpace origin=1774740600000000 ! ...
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_PACE (kek_pace_get_type())
G_DECLARE_FINAL_TYPE(KekPace, kek_pace, KEK, PACE, GstElement)

GST_ELEMENT_REGISTER_DECLARE(kekpace);

G_END_DECLS
