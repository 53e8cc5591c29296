#include "ts_remux.h"

#include <gst/app/gstappsink.h>


namespace kek::srt {

TsRemux::TsRemux(std::string name, Callbacks callbacks) : callbacks_(std::move(callbacks)) {
  GError* err = nullptr;
  // Parsers link by caps (a delayed link from the demuxer takes the pad its sink can accept).
  GstElement* p = gst_parse_launch(
      "tsdemux name=demux "
      "demux. ! h264parse ! video/x-h264,stream-format=avc,alignment=au ! appsink name=video sync=false async=false "
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
  tagger_.sample(sample, video, callbacks_.media);
}

}  // namespace kek::srt
