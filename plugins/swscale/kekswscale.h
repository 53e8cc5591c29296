// kekswscale: scales I420 video with FFmpeg's libswscale, to the size the caps after it ask for
//   ... ! kekswscale method=bicubic ! video/x-raw,width=1280,height=720 ! x264enc ...
// Keeps the display aspect ratio through the pixel aspect ratio, as videoscale does. Same
// frame rate, same format in and out (I420 only: what avdec_h264 gives for 8-bit 4:2:0).
#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define KEK_TYPE_SWSCALE (kek_swscale_get_type())
G_DECLARE_FINAL_TYPE(KekSwscale, kek_swscale, KEK, SWSCALE, GstVideoFilter)

#define KEK_TYPE_SWSCALE_METHOD (kek_swscale_method_get_type())
GType kek_swscale_method_get_type(void);

GST_ELEMENT_REGISTER_DECLARE(kekswscale);

G_END_DECLS
