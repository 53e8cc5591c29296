// kekthumbnailsink: a preview picture of a live H.264 stream, cheaply. A bin sink that lets one
// keyframe per `interval` seconds through to a decoder (every other buffer is dropped at the
// pad, so a passthrough stream is still never decoded frame by frame), scales it to `width`
// and writes it as a JPEG to `location`, replacing the file atomically.
//
//   ... ! h264parse ! tee name=srcv
//   srcv. ! queue leaky=downstream max-size-buffers=30 max-size-bytes=0 max-size-time=0 !
//     kekthumbnailsink location=media/live/KEY/thumb.jpg interval=10 width=320
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_THUMBNAIL_SINK (kek_thumbnail_sink_get_type())
G_DECLARE_FINAL_TYPE(KekThumbnailSink, kek_thumbnail_sink, KEK, THUMBNAIL_SINK, GstBin)

GST_ELEMENT_REGISTER_DECLARE(kekthumbnailsink);

// The element message posted after each picture is written (fields: location, running-time,
// width, height).
#define KEK_THUMBNAIL_WRITTEN_MESSAGE "kek-thumbnail-written"

G_END_DECLS
