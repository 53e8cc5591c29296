// What kek::LivePublish takes, from what GStreamer's parsers give: an ingest plugin (SRT, WHIP)
// ends its pipeline in appsinks of H.264 access units (h264parse to stream-format=avc,
// alignment=au) and raw AAC frames (aacparse to stream-format=raw), and hands each sample to an
// FlvTagger, which makes the FLV tag bodies an RTMP publisher would have sent: the sequence
// header (AVCDecoderConfigurationRecord, AudioSpecificConfig from the caps' codec_data) before
// the first frame and again whenever it changes, then the frames, with millisecond decode
// timestamps counted from the first sample of either track. Header-only; not thread-safe (one
// tagger per publish, fed from one thread at a time).
#pragma once

#include <kek/services/live_ingest.h>

#include <gst/gst.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

namespace kek::media {

inline constexpr uint8_t kFlvAvcKeyframe = 0x17, kFlvAvcInter = 0x27;  // frame type << 4 | codec id 7
inline constexpr uint8_t kFlvAacTag = 0xAF;  // AAC, 44 kHz, 16-bit, stereo (as FLV requires whatever the rate)

// An FLV VIDEODATA body: packet_type 0 is the sequence header, 1 a NALU frame (AVC, lengths first).
inline std::vector<uint8_t> flv_video_body(bool keyframe, uint8_t packet_type, int32_t cts_ms, const uint8_t* data, size_t n) {
  std::vector<uint8_t> body(5 + n);
  body[0] = keyframe ? kFlvAvcKeyframe : kFlvAvcInter;
  body[1] = packet_type;
  body[2] = static_cast<uint8_t>((cts_ms >> 16) & 0xff);
  body[3] = static_cast<uint8_t>((cts_ms >> 8) & 0xff);
  body[4] = static_cast<uint8_t>(cts_ms & 0xff);
  if (n) std::memcpy(body.data() + 5, data, n);
  return body;
}

// An FLV AUDIODATA body: packet_type 0 is the AudioSpecificConfig, 1 a raw AAC frame.
inline std::vector<uint8_t> flv_audio_body(uint8_t packet_type, const uint8_t* data, size_t n) {
  std::vector<uint8_t> body(2 + n);
  body[0] = kFlvAacTag;
  body[1] = packet_type;
  if (n) std::memcpy(body.data() + 2, data, n);
  return body;
}

class FlvTagger {
 public:
  using Emit = std::function<void(LiveMediaKind, uint32_t timestamp_ms, std::vector<uint8_t> body)>;

  FlvTagger() = default;
  ~FlvTagger() {
    gst_buffer_replace(&video_config_, nullptr);
    gst_buffer_replace(&audio_config_, nullptr);
  }
  FlvTagger(const FlvTagger&) = delete;
  FlvTagger& operator=(const FlvTagger&) = delete;

  // One appsink sample of the video (H.264 AVC access unit) or audio (raw AAC) track.
  void sample(GstSample* sample, bool video, const Emit& emit) {
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    GstCaps* caps = gst_sample_get_caps(sample);
    if (!buffer) return;
    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    const GstClockTime dts = GST_CLOCK_TIME_IS_VALID(GST_BUFFER_DTS(buffer)) ? GST_BUFFER_DTS(buffer) : pts;
    const uint32_t ts = timestamp_ms(dts);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
    if (GstBuffer* config = changed_config(caps, video ? video_config_ : audio_config_)) {
      GstMapInfo c;
      gst_buffer_map(config, &c, GST_MAP_READ);
      if (video) emit(LiveMediaKind::video, ts, flv_video_body(true, 0, 0, c.data, c.size));
      else emit(LiveMediaKind::audio, ts, flv_audio_body(0, c.data, c.size));
      gst_buffer_unmap(config, &c);
    }
    if (video) {
      int32_t cts = 0;
      if (GST_CLOCK_TIME_IS_VALID(pts) && GST_CLOCK_TIME_IS_VALID(dts) && pts > dts)
        cts = static_cast<int32_t>((pts - dts) / GST_MSECOND);
      const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
      emit(LiveMediaKind::video, ts, flv_video_body(keyframe, 1, cts, map.data, map.size));
    } else {
      emit(LiveMediaKind::audio, ts, flv_audio_body(1, map.data, map.size));
    }
    gst_buffer_unmap(buffer, &map);
  }

 private:
  uint32_t timestamp_ms(GstClockTime t) {
    if (!GST_CLOCK_TIME_IS_VALID(t)) return 0;
    if (!GST_CLOCK_TIME_IS_VALID(base_)) base_ = t;
    if (t < base_) return 0;  // a track that starts a little before the first one seen
    return static_cast<uint32_t>((t - base_) / GST_MSECOND);
  }

  // The caps' codec_data, when it differs from what was sent last (then remembered).
  static GstBuffer* changed_config(GstCaps* caps, GstBuffer*& last) {
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

  GstBuffer* video_config_ = nullptr;  // the last sequence headers sent
  GstBuffer* audio_config_ = nullptr;
  GstClockTime base_ = GST_CLOCK_TIME_NONE;
};

}  // namespace kek::media
