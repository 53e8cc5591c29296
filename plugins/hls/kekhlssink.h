// kekhlssink: an adaptive HLS ladder in one element. Each video_%u request pad (parsed H.264)
// becomes a variant written by its own hlssink2 into <location>/<variant>/; the one `audio` pad
// (AAC) is shared by every variant; and the master playlist <location>/<master-name>, which
// GStreamer does not write, is written here from the pads' caps and measured bit rates.
//
//   ... ! h264parse ! kekhlssink name=hls location=media/live/KEY variants=source,480p
//   ... ! h264parse ! hls.video_1   ... ! aacparse ! hls.audio
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_HLS_SINK (kek_hls_sink_get_type())
G_DECLARE_FINAL_TYPE(KekHlsSink, kek_hls_sink, KEK, HLS_SINK, GstBin)

GST_ELEMENT_REGISTER_DECLARE(kekhlssink);

G_END_DECLS
