#include "ts_remux.h"

#include <gst/app/gstappsink.h>

#include <cstring>

namespace kek::srt {

namespace {

constexpr uint8_t kAvcKeyframe = 0x17, kAvcInter = 0x27;  // frame type << 4 | codec id 7
constexpr uint8_t kAacTag = 0xAF;                          // AAC, 44 kHz, 16-bit, stereo (as FLV requires)

std::vector<uint8_t> video_body(bool keyframe, uint8_t packet_type, int32_t cts_ms, const uint8_t* data, size_t n) {
  std::vector<uint8_t> body(5 + n);
  body[0] = keyframe ? kAvcKeyframe : kAvcInter;
  body[1] = packet_type;
  body[2] = static_cast<uint8_t>((cts_ms >> 16) & 0xff);
  body[3] = static_cast<uint8_t>((cts_ms >> 8) & 0xff);
  body[4] = static_cast<uint8_t>(cts_ms & 0xff);
  if (n) std::memcpy(body.data() + 5, data, n);
  return body;
}

std::vector<uint8_t> audio_body(uint8_t packet_type, const uint8_t* data, size_t n) {
  std::vector<uint8_t> body(2 + n);
  body[0] = kAacTag;
  body[1] = packet_type;
  if (n) std::memcpy(body.data() + 2, data, n);
  return body;
}

// The caps' codec_data, when it differs from what was sent last (then remembered).
GstBuffer* changed_config(GstCaps* caps, GstBuffer*& last) {
  const GstStructure* s = caps ? gst_caps_get_structure(caps, 0) : nullptr;
  const GValue* v = s ? gst_structure_get_value(s, "codec_data") : nullptr;
  GstBuffer* config = v && G_VALUE_HOLDS(v, GST_TYPE_BUFFER) ? gst_value_get_buffer(v) : nullptr;
  if (!config) return nullptr;
  if (last && gst_buffer_get_size(last) == gst_buffer_get_size(config)) {
    GstMapInfo a, b;
    gst_buffer_map(last, &a, GST_MAP_READ);
    gst_buffer_map(config, &b, GST_MAP_READ);
    const bool same = std::memcmp(a.data, b.data, a.size) == 0;
    gst_buffer_unmap(config, &b);
    gst_buffer_unmap(last, &a);
    if (same) return nullptr;
  }
  gst_buffer_replace(&last, config);
  return config;
}

}  // namespace

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
  gst_buffer_replace(&video_config_, nullptr);
  gst_buffer_replace(&audio_config_, nullptr);
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

uint32_t TsRemux::timestamp_ms(GstClockTime t) {
  if (!GST_CLOCK_TIME_IS_VALID(t)) return 0;
  if (!GST_CLOCK_TIME_IS_VALID(base_)) base_ = t;
  if (t < base_) return 0;  // a track that starts a little before the first one seen
  return static_cast<uint32_t>((t - base_) / GST_MSECOND);
}

void TsRemux::sample(GstSample* sample, bool video) {
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  GstCaps* caps = gst_sample_get_caps(sample);
  if (!buffer) return;
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  const GstClockTime dts = GST_CLOCK_TIME_IS_VALID(GST_BUFFER_DTS(buffer)) ? GST_BUFFER_DTS(buffer) : pts;
  if (video) announce_tracks(caps);
  const uint32_t ts = timestamp_ms(dts);
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
  if (video) {
    if (GstBuffer* config = changed_config(caps, video_config_)) {
      GstMapInfo c;
      gst_buffer_map(config, &c, GST_MAP_READ);
      callbacks_.media(LiveMediaKind::video, ts, video_body(true, 0, 0, c.data, c.size));
      gst_buffer_unmap(config, &c);
    }
    int32_t cts = 0;
    if (GST_CLOCK_TIME_IS_VALID(pts) && GST_CLOCK_TIME_IS_VALID(dts) && pts > dts)
      cts = static_cast<int32_t>((pts - dts) / GST_MSECOND);
    const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    callbacks_.media(LiveMediaKind::video, ts, video_body(keyframe, 1, cts, map.data, map.size));
  } else {
    std::vector<std::pair<LiveMediaKind, std::vector<uint8_t>>> out;
    if (GstBuffer* config = changed_config(caps, audio_config_)) {
      GstMapInfo c;
      gst_buffer_map(config, &c, GST_MAP_READ);
      out.emplace_back(LiveMediaKind::audio, audio_body(0, c.data, c.size));
      gst_buffer_unmap(config, &c);
    }
    out.emplace_back(LiveMediaKind::audio, audio_body(1, map.data, map.size));
    for (auto& [kind, body] : out) callbacks_.media(kind, ts, std::move(body));
  }
  gst_buffer_unmap(buffer, &map);
}

}  // namespace kek::srt
