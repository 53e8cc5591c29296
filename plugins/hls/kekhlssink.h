// kekhlssink: an adaptive HLS ladder in one element. Each video_%u request pad (parsed H.264)
// becomes a variant cut into MPEG-TS segments by its own splitmuxsink in <location>/<variant>/,
// with a media playlist written here (EXT-X-DISCONTINUITY at stream seams and format changes);
// the one `audio` pad (AAC) is shared by every variant; and the master playlist
// <location>/<master-name> is written here from the pads' caps and measured bit rates.
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
