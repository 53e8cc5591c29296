// kekpremieresrc: a library film played live on the wall clock, as a live layout's source (named
// demux, it has the pads the layout links from). For every rendition of the film (`renditions`,
// folders of `location` with an index.m3u8 each) a kekplaylistsrc ! qtdemux ! kekpace chain
// gives pad video_<n>: the rendition's own H.264, never decoded; `audio` names the audio
// rendition's folder (pad audio). Film position 0 plays at `origin` (unix microseconds); started
// later (a restart mid-premiere), every chain starts at the segment that holds "now" and drops
// what is already past, so all renditions and the audio stay in step.
//
//   kekpremieresrc name=demux location=media/vod/ID/stream renditions=720p,360p audio=audio_0 origin=...
//     demux.video_0 ! queue ! h264parse ! ...   demux.audio ! queue ! aacparse ! ...
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_PREMIERE_SRC (kek_premiere_src_get_type())
G_DECLARE_FINAL_TYPE(KekPremiereSrc, kek_premiere_src, KEK, PREMIERE_SRC, GstBin)

GST_ELEMENT_REGISTER_DECLARE(kekpremieresrc);

G_END_DECLS
