#include "stream_registry.h"

#include <algorithm>
#include <cstring>

namespace kek::rtmp {

namespace {
constexpr uint8_t kTagAudio = 8;
constexpr uint8_t kTagVideo = 9;
constexpr uint8_t kTagScript = 18;
constexpr int64_t kBitrateWindowUs = 4 * G_USEC_PER_SEC;

bool is_video_keyframe(std::span<const uint8_t> body) { return !body.empty() && (body[0] >> 4) == 1; }
bool is_avc_sequence_header(std::span<const uint8_t> body) {
  return body.size() >= 2 && (body[0] & 0x0f) == flv_codec::video_avc && body[1] == 0;
}
bool is_aac_sequence_header(std::span<const uint8_t> body) {
  return body.size() >= 2 && (body[0] >> 4) == flv_codec::audio_aac && body[1] == 0;
}
}  // namespace

GstBuffer* StreamRegistry::make_tag(uint8_t type, uint32_t ts, std::span<const uint8_t> body) {
  const size_t size = 11 + body.size() + 4;
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, size, nullptr);
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_WRITE);
  uint8_t* p = map.data;
  const auto data_size = static_cast<uint32_t>(body.size());
  p[0] = type;
  p[1] = static_cast<uint8_t>(data_size >> 16);
  p[2] = static_cast<uint8_t>(data_size >> 8);
  p[3] = static_cast<uint8_t>(data_size);
  p[4] = static_cast<uint8_t>(ts >> 16);
  p[5] = static_cast<uint8_t>(ts >> 8);
  p[6] = static_cast<uint8_t>(ts);
  p[7] = static_cast<uint8_t>(ts >> 24);  // FLV keeps the high byte apart
  p[8] = p[9] = p[10] = 0;                // stream id, always 0
  if (!body.empty()) std::memcpy(p + 11, body.data(), body.size());
  const auto previous = static_cast<uint32_t>(11 + body.size());
  uint8_t* tail = p + 11 + body.size();
  tail[0] = static_cast<uint8_t>(previous >> 24);
  tail[1] = static_cast<uint8_t>(previous >> 16);
  tail[2] = static_cast<uint8_t>(previous >> 8);
  tail[3] = static_cast<uint8_t>(previous);
  gst_buffer_unmap(buf, &map);
  return buf;
}

GstBuffer* StreamRegistry::make_file_header(bool has_audio, bool has_video) {
  const uint8_t flags = static_cast<uint8_t>((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0));
  const uint8_t header[13] = {'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0};
  return gst_buffer_new_memdup(header, sizeof header);
}

void StreamRegistry::set_tracks(const std::string& stream, bool has_audio, bool has_video) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  it->second.has_audio = has_audio;
  it->second.has_video = has_video;
}

StreamRegistry::Live::~Live() {
  for (GstBuffer* b : {metadata, video_header, audio_header})
    if (b) gst_buffer_unref(b);
  for (GstBuffer* b : gop) gst_buffer_unref(b);
  for (TagSink* s : sinks) s->end_of_stream();
}

StreamRegistry::~StreamRegistry() {
  std::lock_guard lock(mutex_);
  streams_.clear();
}

void StreamRegistry::replace(GstBuffer*& slot, GstBuffer* tag) {
  if (slot) gst_buffer_unref(slot);
  slot = gst_buffer_ref(tag);
}

bool StreamRegistry::is_live(const std::string& stream) const {
  std::lock_guard lock(mutex_);
  return streams_.count(stream) > 0;
}

void StreamRegistry::begin(StreamInfo info) {
  std::lock_guard lock(mutex_);
  const std::string name = info.stream;
  streams_.erase(name);
  Live& live = streams_[name];
  live.info = std::move(info);
  live.window_start_us = g_get_monotonic_time();
}

void StreamRegistry::set_codec(const std::string& stream, const CodecInfo& codec) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  (codec.kind == MediaKind::video ? it->second.info.video_codec : it->second.info.audio_codec) = codec.describe();
}

uint32_t StreamRegistry::continued(Live& live, uint32_t ts) {
  if (live.rebase_pending) {
    live.ts_offset = live.last_ts + 40 - static_cast<int64_t>(ts);  // one frame after the last
    live.rebase_pending = false;
  }
  const int64_t out = std::max<int64_t>(0, static_cast<int64_t>(ts) + live.ts_offset);
  live.last_ts = std::max(live.last_ts, out);
  return static_cast<uint32_t>(out);
}

void StreamRegistry::push(Live& live, GstBuffer* tag) {
  for (TagSink* sink : live.sinks) sink->push_tag(gst_buffer_ref(tag));
  gst_buffer_unref(tag);
}

void StreamRegistry::metadata(const std::string& stream, uint32_t ts, std::span<const uint8_t> script_body,
                              int width, int height, double fps) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  Live& live = it->second;
  if (width > 0) live.info.width = width;
  if (height > 0) live.info.height = height;
  if (fps > 0) live.info.fps = fps;
  GstBuffer* tag = make_tag(kTagScript, continued(live, ts), script_body);
  replace(live.metadata, tag);
  push(live, tag);
}

void StreamRegistry::media(const std::string& stream, MediaKind kind, uint32_t ts, std::span<const uint8_t> body) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  Live& live = it->second;
  live.info.bytes += body.size();
  live.window_bytes += body.size();
  const int64_t now = g_get_monotonic_time();
  if (now - live.window_start_us >= kBitrateWindowUs) {
    live.info.bitrate_kbps = static_cast<int64_t>(live.window_bytes * 8 * 1000 / (now - live.window_start_us));
    live.window_start_us = now;
    live.window_bytes = 0;
  }

  const uint32_t out_ts = continued(live, ts);
  GstBuffer* tag = make_tag(kind == MediaKind::video ? kTagVideo : kTagAudio, out_ts, body);
  if (kind == MediaKind::video && !is_avc_sequence_header(body) && !body.empty())
    live.health.video_frame(out_ts, is_video_keyframe(body), now);
  if (kind == MediaKind::video && is_avc_sequence_header(body)) {
    live.info.video_format = friendly_video_format(body);
    replace(live.video_header, tag);
  } else if (kind == MediaKind::audio && is_aac_sequence_header(body)) {
    live.info.audio_format = friendly_audio_format(body);
    replace(live.audio_header, tag);
  } else if (gop_cache_limit_ > 0) {
    // A new keyframe starts a new GOP: a late joiner needs nothing older.
    if (kind == MediaKind::video && is_video_keyframe(body)) {
      for (GstBuffer* b : live.gop) gst_buffer_unref(b);
      live.gop.clear();
      live.gop_bytes = 0;
    }
    live.gop.push_back(gst_buffer_ref(tag));
    live.gop_bytes += gst_buffer_get_size(tag);
    // Audio-only streams (no keyframes) and very long GOPs: keep the newest within the bound.
    while (live.gop_bytes > static_cast<size_t>(gop_cache_limit_) && !live.gop.empty()) {
      live.gop_bytes -= gst_buffer_get_size(live.gop.front());
      gst_buffer_unref(live.gop.front());
      live.gop.pop_front();
    }
  }
  push(live, tag);
}

void StreamRegistry::end(const std::string& stream) {
  std::lock_guard lock(mutex_);
  streams_.erase(stream);  // ~Live sends end-of-stream to the sinks
}

void StreamRegistry::suspend(const std::string& stream) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it != streams_.end()) it->second.suspended = true;
}

bool StreamRegistry::is_suspended(const std::string& stream) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  return it != streams_.end() && it->second.suspended;
}

void StreamRegistry::resume(const std::string& stream, const StreamInfo& info) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  Live& live = it->second;
  live.suspended = false;
  live.rebase_pending = true;
  live.health.restart();
  live.info.remote = info.remote;
  live.info.client = info.client;
  for (GstBuffer* b : live.gop) gst_buffer_unref(b);  // the old publisher's GOP is no start point now
  live.gop.clear();
  live.gop_bytes = 0;
  // Before the new publisher's first tag (its sequence headers): packagers mark the seam.
  for (TagSink* sink : live.sinks) sink->seam();
}

bool StreamRegistry::attach(const std::string& stream, TagSink* sink) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return false;
  Live& live = it->second;
  sink->push_tag(make_file_header(live.has_audio, live.has_video));
  for (GstBuffer* b : {live.metadata, live.video_header, live.audio_header})
    if (b) sink->push_tag(gst_buffer_ref(b));
  for (GstBuffer* b : live.gop) sink->push_tag(gst_buffer_ref(b));
  live.sinks.push_back(sink);
  return true;
}

void StreamRegistry::detach(const std::string& stream, TagSink* sink) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  std::erase(it->second.sinks, sink);
}

std::vector<StreamInfo> StreamRegistry::list() const {
  std::lock_guard lock(mutex_);
  std::vector<StreamInfo> out;
  const int64_t now = g_get_monotonic_time();
  for (const auto& [name, live] : streams_) {
    out.push_back(live.info);
    out.back().reconnecting = live.suspended;
    out.back().health = live.health.report(now);
  }
  return out;
}

std::optional<StreamInfo> StreamRegistry::find(const std::string& stream) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return std::nullopt;
  StreamInfo info = it->second.info;
  info.reconnecting = it->second.suspended;
  info.health = it->second.health.report(g_get_monotonic_time());
  return info;
}

}  // namespace kek::rtmp
