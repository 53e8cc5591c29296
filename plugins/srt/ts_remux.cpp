#include "ts_remux.h"

#include <gst/app/gstappsink.h>

GST_DEBUG_CATEGORY_STATIC(kek_srt_remux_debug);
#define GST_CAT_DEFAULT kek_srt_remux_debug


namespace kek::srt {

TsRemux::TsRemux(std::string name, Callbacks callbacks) : callbacks_(std::move(callbacks)) {
  static gsize debug_once = 0;
  if (g_once_init_enter(&debug_once)) {
    GST_DEBUG_CATEGORY_INIT(kek_srt_remux_debug, "keksrtremux", 0, "KEK SRT: MPEG-TS to FLV tags");
    g_once_init_leave(&debug_once, 1);
  }
  GError* err = nullptr;
  // Parsers link by caps (a delayed link from the demuxer takes the pad its sink can accept).
  GstElement* p = gst_parse_launch(
      "tsdemux name=demux "
      "demux. ! h264parse name=vparse ! video/x-h264,stream-format=avc,alignment=au ! appsink name=video sync=false async=false "
      "demux. ! aacparse ! audio/mpeg,mpegversion=4,stream-format=raw ! appsink name=audio sync=false async=false",
      &err);
  if (!p) {
    error_ = err ? err->message : "cannot build the MPEG-TS demuxer";
    g_clear_error(&err);
    return;
  }
  g_clear_error(&err);
  pipeline_ = p;
  gst_object_set_name(GST_OBJECT(pipeline_), name.c_str());
  // Nobody watches this bus: failures show as flow returns from push().
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
  gst_bus_set_flushing(bus, TRUE);
  demux_ = gst_bin_get_by_name(GST_BIN(pipeline_), "demux");
  g_signal_connect(demux_, "no-more-pads", G_CALLBACK(on_no_more_pads), this);
  g_signal_connect(demux_, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer self) {
    auto* me = static_cast<TsRemux*>(self);
    g_autofree char* pad_name = gst_pad_get_name(pad);
    const bool video = g_str_has_prefix(pad_name, "video");
    const bool audio = g_str_has_prefix(pad_name, "audio");
    if (!video && !audio) return;  // private data, subtitles: not ours
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, nullptr);
    const GstStructure* s = caps && !gst_caps_is_empty(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
    const char* name = s ? gst_structure_get_name(s) : "an unknown codec";
    int mpegversion = 0;
    const bool taken = video ? g_strcmp0(name, "video/x-h264") == 0
                             : g_strcmp0(name, "audio/mpeg") == 0 && s &&
                                   gst_structure_get_int(s, "mpegversion", &mpegversion) && mpegversion != 1;
    if (!taken) {
      // Not silently dropped (an HEVC publish would become an audio-only stream): refused.
      me->error_ = std::string("KEK accepts H.264 video and AAC audio; this stream sends ") + name +
                   ": set the encoder to H.264/AAC";
      return;
    }
    (video ? me->has_video_pad_ : me->has_audio_pad_) = true;
  }), this);
  {
    g_autoptr(GstElement) vparse = gst_bin_get_by_name(GST_BIN(pipeline_), "vparse");
    g_autoptr(GstPad) pad = gst_element_get_static_pad(vparse, "sink");
    gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_BUFFER),
                      &TsRemux::on_video_in, this, nullptr);
  }
  for (const char* sink_name : {"video", "audio"}) {
    g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline_), sink_name);
    g_object_set(sink, "emit-signals", TRUE, "max-buffers", 4u, nullptr);
    g_signal_connect(sink, "new-sample", G_CALLBACK(on_sample), this);
  }
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(demux_, "sink");
  src_ = gst_pad_new("ts", GST_PAD_SRC);
  gst_pad_set_active(src_, TRUE);
  gst_pad_link(src_, sinkpad);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  gst_pad_push_event(src_, gst_event_new_stream_start(name.c_str()));
  g_autoptr(GstCaps) caps = gst_caps_from_string("video/mpegts,systemstream=(boolean)true,packetsize=(int)188");
  gst_pad_push_event(src_, gst_event_new_caps(caps));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_BYTES);
  gst_pad_push_event(src_, gst_event_new_segment(&segment));
}

TsRemux::~TsRemux() {
  if (pipeline_) gst_element_set_state(pipeline_, GST_STATE_NULL);
  if (src_) {
    gst_pad_set_active(src_, FALSE);
    gst_object_unref(src_);
  }
  if (demux_) gst_object_unref(demux_);
  if (pipeline_) gst_object_unref(pipeline_);
}

bool TsRemux::push(GstBuffer* ts) {
  if (!pipeline_ || !error_.empty()) {
    gst_buffer_unref(ts);
    return false;
  }
  const GstFlowReturn ret = gst_pad_push(src_, ts);
  if (!error_.empty()) return false;  // a codec we do not take (pad-added said so)
  // NOT_LINKED: a TS with no stream we take yet (before the PMT) is not an error.
  if (ret != GST_FLOW_OK && ret != GST_FLOW_NOT_LINKED) {
    error_ = std::string("the MPEG-TS demuxer stopped: ") + gst_flow_get_name(ret);
    return false;
  }
  return true;
}

namespace {

// Whether an H.264 byte-stream buffer opens with an access unit delimiter (NAL type 9).
bool starts_with_aud(GstBuffer* buffer) {
  uint8_t head[5] = {};
  const gsize n = gst_buffer_extract(buffer, 0, head, sizeof head);
  if (n >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 1) return (head[3] & 0x1f) == 9;
  return n == 5 && head[0] == 0 && head[1] == 0 && head[2] == 0 && head[3] == 1 && (head[4] & 0x1f) == 9;
}

GstCaps* with_alignment(GstCaps* caps, bool au) {
  GstCaps* out = gst_caps_copy(caps);
  for (guint i = 0; i < gst_caps_get_size(out); ++i) {
    GstStructure* s = gst_caps_get_structure(out, i);
    if (au) gst_structure_set(s, "alignment", G_TYPE_STRING, "au", nullptr);
    else gst_structure_remove_field(s, "alignment");
  }
  return out;
}

}  // namespace

// tsdemux hands h264parse one PES per buffer but says nothing of alignment, so h264parse keeps
// the end of every buffer until the next one shows where the access unit ends: each picture
// would wait for the next (a frame, 33 ms at 30 fps, on every LL-HLS part). A PES that opens with
// an access unit delimiter is a whole access unit (what ffmpeg's and OBS's muxers, DVB and HLS
// write), so the caps say alignment=au and h264parse passes each on at once. The first buffer
// that does not open with one takes the claim back for the rest of the stream (new caps without
// alignment, before that buffer), and h264parse finds the boundaries itself as before.
GstPadProbeReturn TsRemux::on_video_in(GstPad* pad, GstPadProbeInfo* info, gpointer self) {
  auto* me = static_cast<TsRemux*>(self);
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
    GstCaps* caps = nullptr;
    gst_event_parse_caps(event, &caps);
    g_autoptr(GstCaps) declared = with_alignment(caps, me->au_aligned_);
    GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(declared);
    gst_event_unref(event);
    return GST_PAD_PROBE_OK;
  }
  if (!(info->type & GST_PAD_PROBE_TYPE_BUFFER)) return GST_PAD_PROBE_OK;
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!me->au_aligned_ || starts_with_aud(buffer)) return GST_PAD_PROBE_OK;
  me->au_aligned_ = false;
  // The caps the pad holds are tsdemux's with our alignment=au: the same without it.
  g_autoptr(GstCaps) current = gst_pad_get_current_caps(pad);
  if (current) {
    g_autoptr(GstCaps) plain = with_alignment(current, false);
    gst_pad_send_event(pad, gst_event_new_caps(plain));
  }
  return GST_PAD_PROBE_OK;
}

void TsRemux::on_no_more_pads(GstElement*, gpointer self) {
  auto* me = static_cast<TsRemux*>(self);
  me->no_more_pads_ = true;
  if (!me->has_video_pad_) me->announce_tracks(nullptr);  // audio only: nothing else to learn
}

GstFlowReturn TsRemux::on_sample(GstElement* sink, gpointer self) {
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
  if (!sample) return GST_FLOW_EOS;
  g_autofree char* name = gst_element_get_name(sink);
  static_cast<TsRemux*>(self)->sample(sample, g_strcmp0(name, "video") == 0);
  return GST_FLOW_OK;
}

void TsRemux::announce_tracks(GstCaps* video_caps) {
  if (announced_) return;
  announced_ = true;
  LiveTracks t;
  t.has_video = has_video_pad_ || video_caps;
  t.has_audio = has_audio_pad_;
  if (video_caps) {
    const GstStructure* s = gst_caps_get_structure(video_caps, 0);
    gst_structure_get_int(s, "width", &t.width);
    gst_structure_get_int(s, "height", &t.height);
    int n = 0, d = 0;
    if (gst_structure_get_fraction(s, "framerate", &n, &d) && n > 0 && d > 0) t.fps = static_cast<double>(n) / d;
  }
  if (callbacks_.tracks) callbacks_.tracks(t);
}

void TsRemux::sample(GstSample* sample, bool video) {
  if (video) announce_tracks(gst_sample_get_caps(sample));
  tagger_.sample(sample, video, [this](LiveMediaKind kind, uint32_t ts, std::vector<uint8_t> body) {
    // When each frame leaves the remuxer, on the wall clock (bench/latency: where SRT's time goes).
    GST_LOG("%s tag at %u ms out at %" G_GINT64_FORMAT " us wall", kind == LiveMediaKind::video ? "video" : "audio", ts,
            g_get_real_time());
    callbacks_.media(kind, ts, std::move(body));
  });
}

}  // namespace kek::srt
