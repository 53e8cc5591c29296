// The live streams being published, and the kekrtmpsrc elements that receive them. A stream's
// media arrives as FLV tags (header, body, previous-tag-size: what flvdemux reads); the
// registry keeps its header tags (metadata, AVC/AAC sequence headers) and the current GOP, so a
// pipeline that starts (or restarts after an error) a moment after the publisher gets a
// decodable stream at once.
#pragma once

#include "ingest_health.h"
#include "media_codec.h"

#include <gst/gst.h>

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kek::rtmp {

// What a kekrtmpsrc implements: it is handed whole FLV tags. Called with the registry's lock
// held, from the main loop or from the thread that attaches: must not block.
class TagSink {
 public:
  virtual ~TagSink() = default;
  virtual void push_tag(GstBuffer* tag) = 0;  // takes the reference
  virtual void end_of_stream() = 0;
  // What follows comes from a publisher that reconnected (see include/kek/stream_seam.h).
  virtual void seam() {}
};

struct StreamInfo {
  std::string app;
  std::string stream;  // public name: media/live/<stream>/
  std::string owner;
  int64_t owner_id = 0;  // the account (0: a key from the rtmp config)
  std::string remote;
  std::string client;  // flashVer: which software publishes
  int64_t since_us = 0;  // g_get_real_time()
  std::string video_codec;
  std::string audio_codec;
  std::string video_format;  // "H.264 High 4.1", from its sequence header
  std::string audio_format;  // "AAC-LC 48 kHz stereo"
  int width = 0;
  int height = 0;
  double fps = 0;
  int64_t bitrate_kbps = 0;  // measured over the last few seconds
  uint64_t bytes = 0;
  bool reconnecting = false;  // the publisher dropped; waiting for it to come back
  IngestHealthReport health;  // as of the list()/find() call
};

class StreamRegistry {
 public:
  // Plugin-internal service name: kekrtmpsrc (same library) finds the registry through the
  // kek.services context.
  static constexpr const char* kName = "rtmp.streams/1";

  explicit StreamRegistry(int64_t gop_cache_bytes) : gop_cache_limit_(gop_cache_bytes) {}
  ~StreamRegistry();

  bool is_live(const std::string& stream) const;
  void begin(StreamInfo info);
  void set_codec(const std::string& stream, const CodecInfo& codec);
  // What the stream carries, for the FLV header's flags (flvdemux adds only these pads).
  void set_tracks(const std::string& stream, bool has_audio, bool has_video);
  void metadata(const std::string& stream, uint32_t timestamp_ms, std::span<const uint8_t> script_body,
                int width, int height, double fps);
  void media(const std::string& stream, MediaKind kind, uint32_t timestamp_ms, std::span<const uint8_t> body);
  // The publisher is gone: attached sinks get end-of-stream, the stream is forgotten.
  void end(const std::string& stream);
  // The publisher dropped but may come back: sinks stay attached (the pipeline keeps running
  // and its playlists stay open) until resume() or end().
  void suspend(const std::string& stream);
  bool is_suspended(const std::string& stream) const;
  // A publisher came back within the grace period: its timestamps continue where the old
  // one's stopped, so the pipeline sees one stream.
  void resume(const std::string& stream, const StreamInfo& info);

  // kekrtmpsrc: receive this stream from now on (header tags and the cached GOP first). False
  // when the stream is not live.
  bool attach(const std::string& stream, TagSink* sink);
  void detach(const std::string& stream, TagSink* sink);

  std::vector<StreamInfo> list() const;
  std::optional<StreamInfo> find(const std::string& stream) const;

  // An FLV tag as one buffer: 11-byte header, body, 4-byte previous tag size.
  static GstBuffer* make_tag(uint8_t type, uint32_t timestamp_ms, std::span<const uint8_t> body);
  // The 13 bytes every FLV stream starts with ("FLV", version 1, audio+video, header size 9, 0).
  static GstBuffer* make_file_header(bool has_audio = true, bool has_video = true);

 private:
  struct Live {
    StreamInfo info;
    GstBuffer* metadata = nullptr;
    GstBuffer* video_header = nullptr;  // AVC sequence header
    GstBuffer* audio_header = nullptr;  // AAC AudioSpecificConfig
    std::deque<GstBuffer*> gop;         // since the last video keyframe
    size_t gop_bytes = 0;
    std::vector<TagSink*> sinks;
    bool has_audio = true;
    bool has_video = true;
    bool suspended = false;
    bool rebase_pending = false;  // the next tag decides the new timestamp offset
    int64_t ts_offset = 0;
    int64_t last_ts = 0;
    int64_t window_start_us = 0;  // bitrate measurement
    uint64_t window_bytes = 0;
    IngestHealth health;
    ~Live();
  };
  void push(Live& live, GstBuffer* tag);  // to every sink (takes the reference)
  static uint32_t continued(Live& live, uint32_t timestamp_ms);
  static void replace(GstBuffer*& slot, GstBuffer* tag);

  mutable std::mutex mutex_;
  std::map<std::string, Live> streams_;
  int64_t gop_cache_limit_;
};

}  // namespace kek::rtmp
