// kekspritesheet: tiles pictures into sheets for seek-bar previews. Fed I420 pictures of one
// size (one per preview interval: videorate and videoscale in front), it pushes one I420 picture
// of columns x rows tiles each time a sheet is full, and the last, partly filled sheet (the rest
// black) at EOS, so
//   ... ! videorate ! video/x-raw,framerate=1/10 ! videoscale ! video/x-raw,width=160,height=90 !
//   kekspritesheet columns=10 rows=10 ! jpegenc ! multifilesink location=sprites/sheet-%03d.jpg
// writes sheet-000.jpg (0 to 990 s), sheet-001.jpg, ... Tile n of the stream is sheet n / (c*r),
// column n % c, row (n / c) % r: the WebVTT index beside them follows from that alone.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define KEK_TYPE_SPRITE_SHEET (kek_sprite_sheet_get_type())
G_DECLARE_FINAL_TYPE(KekSpriteSheet, kek_sprite_sheet, KEK, SPRITE_SHEET, GstElement)

GST_ELEMENT_REGISTER_DECLARE(kekspritesheet);

G_END_DECLS
