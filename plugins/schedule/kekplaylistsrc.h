// kekplaylistsrc: a film rendition, read from its fragmented-MP4 HLS media playlist on disk, as
// one byte stream a demuxer takes (qtdemux): the init segment, then every media segment from
// the one that holds film position `from` to the end. No decoding, no timing: kekpace after the
// demuxer plays it on the clock. Files are mapped, not copied; paths stay inside the playlist's
// folder.
//
//   kekplaylistsrc location=/var/lib/kek/media/vod/ID/stream/720p/index.m3u8 from=0 ! qtdemux ! ...
#pragma once

#include <gst/base/gstbasesrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_PLAYLIST_SRC (kek_playlist_src_get_type())
G_DECLARE_FINAL_TYPE(KekPlaylistSrc, kek_playlist_src, KEK, PLAYLIST_SRC, GstBaseSrc)

GST_ELEMENT_REGISTER_DECLARE(kekplaylistsrc);

G_END_DECLS
