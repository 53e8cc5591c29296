// kekrtmpsrc: the FLV byte stream of one stream published to KEK's RTMP server, for a pipeline
// template: `kekrtmpsrc stream=${stream} ! flvdemux name=demux ...`. It finds the server through
// the kek.services context that the pipeline manager sets, so it works in `kek serve` and
// `kek launch`, not in a bare gst-launch-1.0 (which has no server).
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_RTMP_SRC (kek_rtmp_src_get_type())
G_DECLARE_FINAL_TYPE(KekRtmpSrc, kek_rtmp_src, KEK, RTMP_SRC, GstBin)

GST_ELEMENT_REGISTER_DECLARE(kekrtmpsrc);

G_END_DECLS
