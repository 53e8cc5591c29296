#include "keyframe_decoder.h"

#include <gst/video/video.h>

#include <algorithm>
#include <cmath>

GST_DEBUG_CATEGORY_STATIC(kek_keyframe_decoder_debug);
#define GST_CAT_DEFAULT kek_keyframe_decoder_debug

namespace kek::thumbnails {

namespace {

constexpr int kJpegQuality = 80;

KeyframeDecoder* decoder_of(GstPad* pad) { return static_cast<KeyframeDecoder*>(gst_pad_get_element_private(pad)); }

// Picture height for `width` keeping the display aspect ratio (pixel aspect included), even.
int thumbnail_height(int width, const GstVideoInfo& in) {
  const double par = (in.par_n > 0 && in.par_d > 0) ? static_cast<double>(in.par_n) / in.par_d : 1.0;
  if (in.width <= 0 || in.height <= 0) return std::max(2, width * 9 / 16 / 2 * 2);
  const double h = width * in.height / (in.width * par);
  return std::max(2, static_cast<int>(std::lround(h / 2.0)) * 2);
}

}  // namespace

KeyframeDecoder::KeyframeDecoder() {
  static gsize debug_once = 0;
  if (g_once_init_enter(&debug_once)) {
    GST_DEBUG_CATEGORY_INIT(kek_keyframe_decoder_debug, "kekkeyframedecoder", 0, "KEK keyframe decoder");
    g_once_init_leave(&debug_once, 1);
  }
  GstElement* decoder = gst_element_factory_make("avdec_h264", nullptr);
  GstElement* convert = gst_element_factory_make("videoconvert", nullptr);
  GstElement* scale = gst_element_factory_make("videoscale", nullptr);
  GstElement* capsfilter = gst_element_factory_make("capsfilter", nullptr);
  GstElement* encoder = gst_element_factory_make("jpegenc", nullptr);
  GstElement* all[] = {decoder, convert, scale, capsfilter, encoder};
  if (std::any_of(std::begin(all), std::end(all), [](GstElement* e) { return e == nullptr; })) {
    GST_ERROR("a thumbnail decoder needs avdec_h264 (gstreamer1.0-libav), videoconvert, videoscale and jpegenc");
    for (GstElement* e : all)
      if (e) gst_object_unref(gst_object_ref_sink(e));
    return;
  }
  // One thread: frame threads add latency and memory, and the pool runs several decoders
  // anyway. Errors stay results (max-errors=-1); a keyframe that does not decode cleanly (a
  // non-IDR "keyframe") gives no picture rather than a grey one.
  g_object_set(decoder, "max-threads", 1, "max-errors", -1, "output-corrupt", FALSE, "discard-corrupted-frames", TRUE,
               nullptr);
  g_object_set(encoder, "quality", kJpegQuality, nullptr);
  bin_ = gst_bin_new("thumbnail-decoder");
  gst_object_ref_sink(bin_);
  gst_bin_add_many(GST_BIN(bin_), decoder, convert, scale, capsfilter, encoder, nullptr);
  capsfilter_ = capsfilter;
  if (!gst_element_link_many(decoder, convert, scale, capsfilter, encoder, nullptr)) {
    GST_ERROR("could not link the thumbnail decoder");
    gst_object_unref(bin_);
    bin_ = capsfilter_ = nullptr;
    return;
  }
  g_autoptr(GstPad) convert_sink = gst_element_get_static_pad(convert, "sink");
  gst_pad_add_probe(convert_sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_decoded_caps, this, nullptr);

  in_ = kek::Ref<GstPad>::adopt(GST_PAD(gst_object_ref_sink(gst_pad_new("in", GST_PAD_SRC))));
  out_ = kek::Ref<GstPad>::adopt(GST_PAD(gst_object_ref_sink(gst_pad_new("out", GST_PAD_SINK))));
  gst_pad_set_element_private(out_.get(), this);
  gst_pad_set_chain_function(out_.get(), out_chain);
  gst_pad_set_event_function(out_.get(), out_event);
  gst_pad_set_query_function(out_.get(), out_query);
  g_autoptr(GstPad) decoder_sink = gst_element_get_static_pad(decoder, "sink");
  g_autoptr(GstPad) encoder_src = gst_element_get_static_pad(encoder, "src");
  gst_pad_set_active(in_.get(), TRUE);
  gst_pad_set_active(out_.get(), TRUE);
  if (gst_pad_link(in_.get(), decoder_sink) != GST_PAD_LINK_OK ||
      gst_pad_link(encoder_src, out_.get()) != GST_PAD_LINK_OK ||
      gst_element_set_state(bin_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    GST_ERROR("could not start the thumbnail decoder");
    gst_element_set_state(bin_, GST_STATE_NULL);
    gst_object_unref(bin_);
    bin_ = capsfilter_ = nullptr;
  }
}

KeyframeDecoder::~KeyframeDecoder() {
  if (bin_) {
    gst_element_set_state(bin_, GST_STATE_NULL);
    gst_object_unref(bin_);
  }
  if (in_) gst_pad_set_active(in_.get(), FALSE);
  if (out_) gst_pad_set_active(out_.get(), FALSE);
}

// Every call decodes alone: a flush drops what the last one left (its EOS, its references).
void KeyframeDecoder::restart() {
  gst_pad_push_event(in_.get(), gst_event_new_flush_start());
  gst_pad_push_event(in_.get(), gst_event_new_flush_stop(TRUE));
}

Result<Picture> KeyframeDecoder::decode(GstCaps* caps, GstBuffer* keyframe, int width) {
  if (!bin_) return Error{"no thumbnail decoder (avdec_h264 or jpegenc missing)", 500};
  width_ = std::max(16, width & ~1);
  result_.reset();
  if (have_decoded_ && out_width_ != width_) set_size(decoded_);
  if (!started_) {
    seqnum_ = gst_util_seqnum_next();
    GstEvent* start = gst_event_new_stream_start("kek-thumbnail");
    gst_event_set_seqnum(start, seqnum_);
    gst_pad_push_event(in_.get(), start);
    started_ = true;
  } else {
    restart();
  }
  if (!caps_ || !gst_caps_is_equal(caps_.get(), caps)) {
    caps_ = kek::MiniRef<GstCaps>::share(caps);
    if (!gst_pad_push_event(in_.get(), gst_event_new_caps(caps))) {
      caps_.reset();
      return Error{"the thumbnail decoder refused the stream's caps", 415};
    }
  }
  // Keyframes only: GstVideoDecoder then drains after each one, so the picture comes out now
  // and not when the B-frame reorder delay is filled.
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  segment.flags = GST_SEGMENT_FLAG_TRICKMODE_KEY_UNITS;
  gst_pad_push_event(in_.get(), gst_event_new_segment(&segment));
  GstBuffer* buf = gst_buffer_copy(keyframe);  // metadata only: the memory is shared, not copied
  GST_BUFFER_PTS(buf) = 0;
  GST_BUFFER_DTS(buf) = 0;
  GST_BUFFER_FLAG_UNSET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  GstFlowReturn ret = gst_pad_push(in_.get(), buf);
  // EOS drains the decoder: a frame it still holds comes out before it.
  gst_pad_push_event(in_.get(), gst_event_new_eos());
  if (!result_) {
    if (ret != GST_FLOW_OK) return Error{std::string("the keyframe did not decode: ") + gst_flow_get_name(ret), 422};
    return Error{"the keyframe did not decode on its own", 422};
  }
  Picture p;
  p.jpeg = std::move(result_);
  p.width = out_width_;
  p.height = out_height_;
  return p;
}

GstPadProbeReturn KeyframeDecoder::on_decoded_caps(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<KeyframeDecoder*>(data);
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
  GstCaps* caps = nullptr;
  gst_event_parse_caps(event, &caps);
  GstVideoInfo in;
  if (!gst_video_info_from_caps(&in, caps)) return GST_PAD_PROBE_OK;
  self->set_size(in);
  return GST_PAD_PROBE_OK;
}

void KeyframeDecoder::set_size(const GstVideoInfo& in) {
  decoded_ = in;
  have_decoded_ = true;
  const int height = thumbnail_height(width_, in);
  GST_DEBUG("%dx%d (PAR %d/%d) -> %dx%d", in.width, in.height, in.par_n, in.par_d, width_, height);
  g_autoptr(GstCaps) out = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                                               width_, "height", G_TYPE_INT, height, "pixel-aspect-ratio",
                                               GST_TYPE_FRACTION, 1, 1, nullptr);
  g_object_set(capsfilter_, "caps", out, nullptr);
  out_width_ = width_;
  out_height_ = height;
}

GstFlowReturn KeyframeDecoder::out_chain(GstPad* pad, GstObject*, GstBuffer* buf) {
  KeyframeDecoder* self = decoder_of(pad);
  self->result_ = kek::MiniRef<GstBuffer>::adopt(buf);
  return GST_FLOW_OK;
}

// Any JPEG: without this the last call's size would be all the encoder may make.
gboolean KeyframeDecoder::out_query(GstPad*, GstObject*, GstQuery* query) {
  switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_ACCEPT_CAPS:
      gst_query_set_accept_caps_result(query, TRUE);
      return TRUE;
    case GST_QUERY_CAPS: {
      GstCaps* filter = nullptr;
      gst_query_parse_caps(query, &filter);
      g_autoptr(GstCaps) any = gst_caps_new_any();
      gst_query_set_caps_result(query, filter ? filter : any);
      return TRUE;
    }
    default:
      return FALSE;
  }
}

gboolean KeyframeDecoder::out_event(GstPad* pad, GstObject*, GstEvent* event) {
  (void)pad;
  gst_event_unref(event);
  return TRUE;
}

}  // namespace kek::thumbnails
