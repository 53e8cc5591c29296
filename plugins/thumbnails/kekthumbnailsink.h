// kekthumbnailsink: a preview picture of a live H.264 stream, cheaply. A sink that lets one
// keyframe per `interval` seconds through (every other buffer is dropped at the pad, so a
// passthrough stream is still never decoded frame by frame) and hands it to the process's decode
// pool (decode_pool.h: a few decoders for all streams, none resident per stream), which scales it
// to `width` and writes it as a JPEG to `location`, replacing the file atomically. It never waits
// for a decode, so it needs no queue in front: it runs on upstream's thread, beside the others.
//
//   ... ! h264parse ! tee name=srcv
//   srcv. ! kekthumbnailsink location=media/live/KEY/thumb.jpg interval=10 width=320
#pragma once

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_THUMBNAIL_SINK (kek_thumbnail_sink_get_type())
G_DECLARE_FINAL_TYPE(KekThumbnailSink, kek_thumbnail_sink, KEK, THUMBNAIL_SINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE(kekthumbnailsink);

// The element message posted after each picture is written (fields: location, running-time,
// width, height).
#define KEK_THUMBNAIL_WRITTEN_MESSAGE "kek-thumbnail-written"

G_END_DECLS
