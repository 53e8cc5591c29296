// KEK's RTMP server: accepts publishers on the GLib main loop, asks who may publish, keeps the
// stream registry fed, and starts/stops the app's pipeline for each publish.
#pragma once

#include "connection.h"
#include "push_pool.h"
#include "settings.h"
#include "stream_registry.h"

#include <kek/host.h>
#include <kek/services/publish_authorizer.h>

#include <gio/gio.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace kek::rtmp {

class Server {
 public:
  Server(Host& host, Settings settings, StreamRegistry& registry, PushPool& pool);
  ~Server();

  kek::Status listen();
  void stop();
  int port() const { return port_; }
  const Settings& settings() const { return settings_; }

  // From connections (main loop).
  PublishVerdict authorize_publish(Publisher& connection, const PublishRequest& request);
  void metadata(Publisher& connection, const MetadataMessage& metadata);  // store_metadata + tracks_seen
  void media(Publisher& connection, MediaKind kind, uint32_t timestamp_ms, std::span<const uint8_t> payload);
  // What a kind of media arriving means for the pipeline (start it, or again with a late track).
  void media_arrived(Publisher& connection, MediaKind kind);
  struct Tracks {
    bool audio = false, video = false;
  };
  void tracks_seen(Publisher& connection, Tracks tracks);
  // Callable from a push worker too (they only touch the registry, which has its own lock):
  void codec_seen(Publisher& connection, const CodecInfo& codec);
  void store_media(Publisher& connection, MediaKind kind, uint32_t timestamp_ms, std::span<const uint8_t> payload);
  // onMetaData into the registry; the tracks it names, if it names any.
  std::optional<Tracks> store_metadata(Publisher& connection, const MetadataMessage& metadata);
  void publish_ended(Publisher& connection);
  void connection_closed(uint64_t id);
  // The account may not publish any more (disabled, deleted): each of its streams ends now,
  // its publisher told why, without the reconnect grace (a stream waiting in it ends too).
  void end_streams_of(int64_t owner_id, const std::string& reason);
  // Publishers that came through kek::LiveIngest (not RTMP connections): ids from the same
  // space as connections', so the server reaches either by the id it keeps per stream.
  uint64_t next_publisher_id() { return next_id_++; }
  void add_publisher(Publisher& publisher) { others_[publisher.id()] = &publisher; }
  void remove_publisher(uint64_t id) { others_.erase(id); }

  static std::string pipeline_id(const std::string& app, const std::string& stream) { return app + "-" + stream; }

 private:
  static gboolean on_incoming(GSocketService* service, GSocketConnection* connection, GObject* source, gpointer self);
  static gboolean on_tick(gpointer self);
  void accept(GSocketConnection* connection);
  kek::PublishDecision decide(const PublishRequest& request, const std::string& remote);
  Publisher* publisher(uint64_t id);

  struct Publish {
    uint64_t connection_id;
    kek::PublishRequest request;  // for the authorizer's ended()
    std::string owner;
    std::string template_name;
    bool record = false;  // the key's owner asked for a recording
    int64_t owner_id = 0;
    kek::MediaPolicy policy;  // who may watch it: passed on with its recordings
    // The pipeline starts once we know what the stream carries (metadata, or both kinds of
    // media, or a short wait): a template for audio+video would wait forever for a track
    // that never comes. The registry's GOP cache keeps what arrives meanwhile.
    bool pipeline_started = false;
    bool started_audio = false;  // the tracks the running pipeline was built for
    bool started_video = false;
    bool saw_audio = false;  // media of that kind arrived, or onMetaData announced it
    bool saw_video = false;
    guint start_timer = 0;
  };
  void start_pipeline(const std::string& stream, bool has_audio, bool has_video);
  // The stream is over for good: sinks get EOS, stream.ended is published.
  void finish_stream(const std::string& app, const std::string& stream, const std::string& owner);

  // A stream whose publisher dropped, kept open for reconnect_grace_s.
  struct Suspended {
    std::string app, owner, template_name;
    guint timer = 0;
    bool has_audio = true, has_video = true;  // the tracks its running pipeline was built for
    int64_t owner_id = 0;
  };
  std::map<std::string, Suspended> suspended_;
  void cancel_start_timer(Publish& publish);
  // Prefixes under the media root that hold this stream's files (the access policy goes on each).
  std::vector<std::string> media_prefixes(const std::string& template_name, const std::string& app,
                                          const std::string& stream, const std::string& owner) const;
  // Starts the pipeline once both tracks are known, or kTrackWaitMs after the first one.
  void track_seen(const std::string& stream, bool audio, bool video);
  // Media of a kind the running pipeline was not built for: build it again with both tracks.
  void restart_for_late_track(const std::string& stream, Publish& publish, MediaKind kind);

  Host& host_;
  Settings settings_;
  StreamRegistry& registry_;
  PushPool& pool_;
  GSocketService* service_ = nullptr;
  int port_ = 0;
  guint tick_ = 0;
  guint reap_ = 0;
  std::vector<guint> grace_timers_;  // pending "stop the ended pipeline" checks
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Connection>> connections_;  // the pool shares those it reads
  std::map<uint64_t, Publisher*> others_;  // from LiveIngest, by id (not owned)
  std::map<std::string, int> per_address_;  // open connections by Connection::address_key()
  std::vector<uint64_t> closed_;           // removed from connections_ on the next idle
  std::map<std::string, Publish> publishing_;  // by public stream name
  std::set<uint64_t> ending_for_good_;  // publishers whose publish ends without the grace (end_streams_of)
};

}  // namespace kek::rtmp
