// One keyframe to one JPEG, on the caller's thread: avdec_h264 ! videoconvert ! videoscale !
// capsfilter ! jpegenc driven by pad pushes from the calling thread, with no queue and no
// streaming thread of its own. Each call decodes its keyframe alone (the decoder is flushed
// before it and drained after), so one decoder serves any number of streams in turn: a worker
// of the decode pool owns one.
#pragma once

#include <kek/error.h>
#include <kek/mini_ref.h>
#include <kek/ref.h>

#include <gst/gst.h>
#include <gst/video/video.h>

namespace kek::thumbnails {

struct Picture {
  kek::MiniRef<GstBuffer> jpeg;
  int width = 0, height = 0;
};

class KeyframeDecoder {
 public:
  KeyframeDecoder();
  ~KeyframeDecoder();
  KeyframeDecoder(const KeyframeDecoder&) = delete;
  KeyframeDecoder& operator=(const KeyframeDecoder&) = delete;

  // Whether the elements exist (gst-libav, jpeg); decode() says so otherwise.
  bool ok() const { return bin_ != nullptr; }

  // `keyframe` (H.264, an access unit, as `caps` say: byte-stream or avc with codec_data) as a
  // JPEG `width` pixels wide, the height keeping the display aspect ratio (even). An error when
  // it does not decode on its own (a "keyframe" that is no IDR, a broken one); the next call
  // starts afresh.
  Result<Picture> decode(GstCaps* caps, GstBuffer* keyframe, int width);

 private:
  static GstFlowReturn out_chain(GstPad* pad, GstObject* parent, GstBuffer* buf);
  static gboolean out_event(GstPad* pad, GstObject* parent, GstEvent* event);
  static gboolean out_query(GstPad* pad, GstObject* parent, GstQuery* query);
  static GstPadProbeReturn on_decoded_caps(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  void restart();
  // Sets the scaler's output for the decoded size `in` and the call's width.
  void set_size(const GstVideoInfo& in);

  GstElement* bin_ = nullptr;        // owned
  GstElement* capsfilter_ = nullptr;  // owned by bin_
  kek::Ref<GstPad> in_;               // ours, linked to the decoder's sink pad
  kek::Ref<GstPad> out_;              // ours, linked to jpegenc's src pad
  kek::MiniRef<GstCaps> caps_;          // the last caps sent
  guint32 seqnum_ = 0;
  bool started_ = false;
  // The call in progress (the same thread: pushes are synchronous).
  int width_ = 0;
  kek::MiniRef<GstBuffer> result_;
  // What the scaler is set to, for the decoded size last seen (kept across calls: a stream of
  // the same size sends no new caps, but another call may want another width).
  GstVideoInfo decoded_{};
  bool have_decoded_ = false;
  int out_width_ = 0, out_height_ = 0;
};

}  // namespace kek::thumbnails
