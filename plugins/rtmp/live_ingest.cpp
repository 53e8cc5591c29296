#define G_LOG_DOMAIN "kek-rtmp"
#include "live_ingest.h"

#include "amf0.h"
#include "media_codec.h"

#include <glib.h>

namespace kek::rtmp {

namespace {

// One publish through LiveIngest: to the server it is a publisher like an RTMP connection.
class IngestPublish : public kek::LivePublish, public Publisher {
 public:
  IngestPublish(Server& server, std::string remote, std::function<void(const std::string&)> on_terminated)
      : server_(server), id_(server.next_publisher_id()), remote_(std::move(remote)),
        on_terminated_(std::move(on_terminated)) {
    server_.add_publisher(*this);
  }
  ~IngestPublish() override {
    server_.remove_publisher(id_);
    if (!stream_.empty()) server_.publish_ended(*this);
  }

  // Publisher
  uint64_t id() const override { return id_; }
  const std::string& remote() const override { return remote_; }
  const std::string& stream() const override { return stream_; }
  const std::string& app() const override { return app_; }
  void set_publishing(std::string app, std::string stream) override {
    app_ = std::move(app);
    stream_ = std::move(stream);
  }
  void terminate(const std::string& reason) override {
    if (terminated_) return;
    terminated_ = true;
    if (!stream_.empty()) server_.publish_ended(*this);  // nothing more goes to the stream
    if (on_terminated_) on_terminated_(reason);
  }

  // LivePublish
  void describe(const LiveTracks& tracks) override {
    if (terminated_ || stream_.empty()) return;
    amf0::Value props = amf0::Value::ecma_array();
    if (tracks.has_video) {
      props.add("videocodecid", amf0::Value::number(flv_codec::video_avc));
      if (tracks.width > 0) props.add("width", amf0::Value::number(tracks.width));
      if (tracks.height > 0) props.add("height", amf0::Value::number(tracks.height));
      if (tracks.fps > 0) props.add("framerate", amf0::Value::number(tracks.fps));
    }
    if (tracks.has_audio) props.add("audiocodecid", amf0::Value::number(flv_codec::audio_aac));
    MetadataMessage m;
    m.name = "onMetaData";
    m.arguments.push_back(props);
    const amf0::Value parts[] = {amf0::Value::string(m.name), props};
    const std::vector<uint8_t> body = amf0::encode_all(parts);
    m.script_tag_body = body;
    server_.metadata(*this, m);
  }

  void media(LiveMediaKind kind, uint32_t timestamp_ms, std::span<const uint8_t> body) override {
    if (terminated_ || stream_.empty() || body.empty()) return;
    const MediaKind k = kind == LiveMediaKind::video ? MediaKind::video : MediaKind::audio;
    std::optional<CodecInfo> codec = k == MediaKind::video ? parse_video_codec(body) : parse_audio_codec(body);
    std::optional<CodecInfo>& known = k == MediaKind::video ? video_codec_ : audio_codec_;
    if (codec && codec != known) {
      known = codec;
      if (!codec->is_h264() && !codec->is_aac()) {
        terminate("KEK accepts H.264 video and AAC audio; this stream sends " + codec->describe());
        return;
      }
      server_.codec_seen(*this, *codec);
    }
    server_.media(*this, k, timestamp_ms, body);
  }

 private:
  Server& server_;
  uint64_t id_;
  std::string remote_;
  std::string app_;
  std::string stream_;
  std::function<void(const std::string&)> on_terminated_;
  std::optional<CodecInfo> video_codec_;
  std::optional<CodecInfo> audio_codec_;
  bool terminated_ = false;
};

}  // namespace

kek::Result<std::unique_ptr<LivePublish>> LiveIngestService::publish(const LiveIngestRequest& request,
                                                                std::function<void(const std::string&)> on_terminated) {
  auto publish = std::make_unique<IngestPublish>(server_, request.remote, std::move(on_terminated));
  PublishRequest ask;
  ask.app = request.app;
  ask.stream_key = request.key;
  ask.flash_version = request.client;
  ask.publish_type = "live";
  PublishVerdict verdict = server_.authorize_publish(*publish, ask);
  if (!verdict.accepted) {
    const bool unknown_app = verdict.status_code != "NetStream.Publish.Denied" && publish->stream().empty() &&
                             !server_.settings().apps.count(request.app);
    return kek::Error{verdict.reason, unknown_app ? 404 : 403, unknown_app ? "unknown_app" : "publish_refused"};
  }
  return std::unique_ptr<LivePublish>(std::move(publish));
}

}  // namespace kek::rtmp
