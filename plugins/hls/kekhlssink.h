// kekhlssink: an adaptive HLS ladder in one element. Each video_%u request pad (parsed H.264,
// byte-stream) becomes a variant written as MPEG-TS and cut into segments in
// <location>/<variant>/, with a media playlist (EXT-X-DISCONTINUITY at stream seams and format
// changes); the one `audio` pad (AAC) is shared by every variant; and the master playlist
// <location>/<master-name> is written from the pads' caps and measured bit rates. It has no
// child and no thread: each pad writes on its upstream's thread.
//
//   ... ! h264parse ! kekhlssink name=hls location=media/live/KEY variants=source,480p
//   ... ! h264parse ! hls.video_1   ... ! aacparse ! hls.audio
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_HLS_SINK (kek_hls_sink_get_type())
G_DECLARE_FINAL_TYPE(KekHlsSink, kek_hls_sink, KEK, HLS_SINK, GstElement)

GST_ELEMENT_REGISTER_DECLARE(kekhlssink);

G_END_DECLS
