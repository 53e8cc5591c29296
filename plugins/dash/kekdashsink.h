// kekdashsink: a live DASH packager in one element. Each video_%u request pad (H.264,
// stream-format=avc) becomes a video Representation, the one `audio` pad (raw AAC) the audio
// one; every Representation is written as CMAF-style fragmented MP4 (an init segment per Period
// and one moof+mdat per media segment) into <location>/<name>/, and the dynamic MPD beside them
// is rewritten after each segment. At EOS the MPD turns static, so players stop at the end.
//
//   ... ! h264parse ! kekdashsink name=dash location=media/live/KEY/dash representations=source,480p
//   ... ! h264parse ! dash.video_1   ... ! aacparse ! dash.audio
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_DASH_SINK (kek_dash_sink_get_type())
G_DECLARE_FINAL_TYPE(KekDashSink, kek_dash_sink, KEK, DASH_SINK, GstElement)

GST_ELEMENT_REGISTER_DECLARE(kekdashsink);

G_END_DECLS
