#include "stream_probe.h"

#include "master_playlist.h"

// The SPS parser has been stable in practice since 1.x; it still carries the "unstable" label.
#define GST_USE_UNSTABLE_API
#include <gst/codecparsers/gsth264parser.h>

#include <algorithm>

namespace kek::hls {

namespace {

std::span<const uint8_t> bytes_of(const GstMapInfo& map) { return {map.data, map.size}; }

// The time segments are cut by: PTS, or DTS when there is none.
GstClockTime split_time(GstBuffer* buf) {
  return GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
}

// DTS grows monotonically even with B-frames; audio has only PTS.
GstClockTime buffer_time(GstBuffer* buf) {
  return GST_BUFFER_DTS_IS_VALID(buf) ? GST_BUFFER_DTS(buf) : GST_BUFFER_PTS(buf);
}

}  // namespace

VideoFormat video_format_from_caps(GstCaps* caps) {
  VideoFormat f;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  if (!s) return f;
  f.have_caps = true;
  gst_structure_get_int(s, "width", &f.width);
  gst_structure_get_int(s, "height", &f.height);
  if (!gst_structure_get_fraction(s, "framerate", &f.fps_num, &f.fps_den)) {
    f.fps_num = 0;
    f.fps_den = 1;
  }
  if (const GValue* cd = gst_structure_get_value(s, "codec_data"); cd && G_VALUE_HOLDS(cd, GST_TYPE_BUFFER)) {
    GstBuffer* buf = gst_value_get_buffer(cd);
    GstMapInfo map;
    if (gst_buffer_map(buf, &map, GST_MAP_READ)) {
      if (auto codec = avc1_from_avcc(bytes_of(map))) f.caps_codec = *codec;
      f.codec_data.assign(map.data, map.data + map.size);
      gst_buffer_unmap(buf, &map);
    }
  }
  if (f.caps_codec.empty()) {
    const char* profile = gst_structure_get_string(s, "profile");
    const char* level = gst_structure_get_string(s, "level");
    if (profile && level)
      if (auto codec = avc1_from_caps(profile, level)) f.caps_codec = *codec;
  }
  return f;
}

std::string audio_codec_from_caps(GstCaps* caps) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  std::optional<int> type;
  if (const GValue* cd = s ? gst_structure_get_value(s, "codec_data") : nullptr;
      cd && G_VALUE_HOLDS(cd, GST_TYPE_BUFFER)) {
    GstBuffer* buf = gst_value_get_buffer(cd);
    GstMapInfo map;
    if (gst_buffer_map(buf, &map, GST_MAP_READ)) {
      type = aac_object_type(bytes_of(map));
      gst_buffer_unmap(buf, &map);
    }
  }
  if (!type && s)
    if (const char* profile = gst_structure_get_string(s, "profile")) type = aac_object_type_from_profile(profile);
  return mp4a_codec(type.value_or(2));  // AAC-LC, by far the most common
}

bool sps_size(std::span<const uint8_t> sps, int& width, int& height) {
  GstH264NalUnit nalu{};
  nalu.type = GST_H264_NAL_SPS;
  nalu.data = const_cast<guint8*>(sps.data());
  nalu.size = static_cast<guint>(sps.size());
  nalu.header_bytes = 1;
  nalu.valid = TRUE;
  GstH264SPS parsed{};
  if (gst_h264_parse_sps(&nalu, &parsed) != GST_H264_PARSER_OK) return false;
  width = parsed.frame_cropping_flag ? parsed.crop_rect_width : parsed.width;
  height = parsed.frame_cropping_flag ? parsed.crop_rect_height : parsed.height;
  gst_h264_sps_clear(&parsed);
  return width > 0 && height > 0;
}

void StreamProbe::start(uint64_t window_ns) {
  meter_ = BandwidthMeter(window_ns);
  gst_segment_init(&segment_, GST_FORMAT_TIME);
  looking_for_sps_ = true;
  last_sps_.clear();
  end_ = max_ts_ = kNoTime;
  seam_pending_ = seen_buffer_ = false;
}

void StreamProbe::segment(const GstSegment& segment) {
  gst_segment_copy_into(&segment, &segment_);
  meter_.restart_window();
}

uint64_t StreamProbe::running_time(uint64_t ts) const {
  return ts == kNoTime ? kNoTime : gst_segment_to_running_time(&segment_, GST_FORMAT_TIME, ts);
}

uint64_t StreamProbe::end_running_time() const { return running_time(end_); }

std::optional<int64_t> StreamProbe::signed_running_time(uint64_t ts) const {
  if (ts == kNoTime) return std::nullopt;
  guint64 rt = 0;
  const int sign = gst_segment_to_running_time_full(&segment_, GST_FORMAT_TIME, ts, &rt);
  if (sign == 0 || rt > static_cast<guint64>(INT64_MAX)) return std::nullopt;
  return sign > 0 ? static_cast<int64_t>(rt) : -static_cast<int64_t>(rt);
}

// A keyframe. Its SPS, when it carries one that differs from the last, gives the exact avc1
// string and the real picture size; from the second one on it is also a seam (players must
// reset their decoder there, as for new caps). Costs a scan for a start code once per GOP; the
// SPS is copied and parsed only when it changes.
std::optional<SpsFacts> StreamProbe::look_at_sps(GstBuffer* buf, const AvcToAnnexB* avc) {
  GstMapInfo map;
  if (!gst_buffer_map(buf, &map, GST_MAP_READ)) return std::nullopt;
  std::span<const uint8_t> sps = avc ? avc->sps(bytes_of(map)) : find_sps_annexb(bytes_of(map));
  SpsFacts facts;
  facts.changed = !sps.empty() && !std::ranges::equal(sps, last_sps_);
  bool had_sps = !last_sps_.empty();
  if (facts.changed) {
    last_sps_.assign(sps.begin(), sps.end());
    facts.codec = avc1_from_sps(sps).value_or(std::string());
    sps_size(sps, facts.width, facts.height);
  }
  gst_buffer_unmap(buf, &map);
  if (!facts.changed && !looking_for_sps_) return std::nullopt;
  looking_for_sps_ = false;
  if (facts.changed && had_sps) seam_pending_ = true;
  return facts;
}

BufferFacts StreamProbe::buffer(GstBuffer* buf, const AvcToAnnexB* avc) {
  BufferFacts facts;
  facts.keyframe = !video_ || !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  GstClockTime ts_split = split_time(buf);
  if (video_ && facts.keyframe) facts.sps = look_at_sps(buf, avc);  // before the seam check: a new SPS cuts here
  if (G_UNLIKELY(!seen_buffer_)) {
    seen_buffer_ = true;
    seam_pending_ = false;
    facts.first = true;
  } else if (G_UNLIKELY(seam_pending_)) {
    seam_pending_ = false;
    SeamFacts seam;
    seam.floor = running_time(max_ts_);
    seam.at = running_time(ts_split);
    seam.keyframe = facts.keyframe;
    if (seam.at != kNoTime || seam.floor != kNoTime) facts.seam = seam;
  }
  if (GST_CLOCK_TIME_IS_VALID(ts_split) && (max_ts_ == kNoTime || ts_split > max_ts_)) max_ts_ = ts_split;
  const uint64_t duration = GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : default_duration_;
  if (GST_BUFFER_PTS_IS_VALID(buf)) {
    uint64_t end = GST_BUFFER_PTS(buf) + duration;
    if (end_ == kNoTime || end > end_) end_ = end;
  }
  uint64_t bytes = mpegts_bytes(gst_buffer_get_size(buf), video_ ? kVideoPesOverhead : kAudioPesOverhead);
  if (video_ && facts.keyframe) bytes += kPsiBytesPerKeyframe;  // PAT and PMT go in front of it
  facts.ts = buffer_time(buf);
  if (!GST_CLOCK_TIME_IS_VALID(facts.ts)) {
    meter_.add_untimed(bytes);
    return facts;
  }
  facts.rates_changed = meter_.add(facts.ts, duration, bytes);
  return facts;
}

}  // namespace kek::hls
