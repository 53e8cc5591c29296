#define G_LOG_DOMAIN "kek-rtmp"
#include "server.h"

#include <kek/secret_equal.h>
#include <kek/services/media_access.h>
#include <kek/worker.h>

#include <algorithm>
#include <functional>
#include <memory>

namespace kek::rtmp {

namespace {
constexpr guint kTickMs = 1000;
constexpr int kListenBacklog = 511;
constexpr guint kEndedPipelineGraceMs = 10000;  // EOS should end it sooner; then we stop it
constexpr guint kTrackWaitMs = 1500;            // wait for a second track before starting

}  // namespace

Server::Server(Host& host, Settings settings, StreamRegistry& registry, PushPool& pool)
    : host_(host), settings_(std::move(settings)), registry_(registry), pool_(pool) {}

Server::~Server() { stop(); }

kek::Status Server::listen() {
  service_ = g_socket_service_new();
  // GLib's default backlog is 10: a burst of publishers connecting while the loop is busy would
  // overflow it and wait for SYN retransmits (1 s, 3 s, ...). nginx listens with 511.
  g_socket_listener_set_backlog(G_SOCKET_LISTENER(service_), kListenBacklog);
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(settings_.address.c_str());
  if (!inet) return kek::Error{"rtmp: address '" + settings_.address + "' is not an IP address", 400};
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(inet, static_cast<guint16>(settings_.port));
  GSocketAddress* effective = nullptr;
  GError* err = nullptr;
  if (!g_socket_listener_add_address(G_SOCKET_LISTENER(service_), addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                     nullptr, &effective, &err)) {
    kek::Error e{"rtmp: cannot listen on " + settings_.address + ":" + std::to_string(settings_.port) + ": " +
                     err->message, 500};
    g_error_free(err);
    return e;
  }
  port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
  g_object_unref(effective);
  g_signal_connect(service_, "incoming", G_CALLBACK(on_incoming), this);
  g_socket_service_start(service_);
  tick_ = g_timeout_add(kTickMs, on_tick, this);
  for (const auto& [app, tmpl] : settings_.apps)
    host_.announce("rtmp", "rtmp://" + settings_.address + ":" + std::to_string(port_) + "/" + app);
  if (!settings_.public_url.empty() && !settings_.apps.empty()) {
    // With no app path of its own, the public URL gets the first app's, as "rtmp" has.
    const std::string& url = settings_.public_url;
    const bool has_path = url.find('/', url.find("://") + 3) != std::string::npos;
    host_.announce("rtmp_public", has_path ? url : url + "/" + settings_.apps.begin()->first);
  }
  g_message("RTMP listening on %s:%d", settings_.address.c_str(), port_);
  return {};
}

void Server::stop() {
  if (tick_) g_source_remove(tick_);
  if (reap_) g_source_remove(reap_);
  tick_ = reap_ = 0;
  for (guint id : grace_timers_)
    if (g_main_context_find_source_by_id(nullptr, id)) g_source_remove(id);
  grace_timers_.clear();
  if (service_) {
    g_socket_service_stop(service_);
    g_socket_listener_close(G_SOCKET_LISTENER(service_));
    g_object_unref(service_);
    service_ = nullptr;
  }
  for (auto& [stream, s] : suspended_) g_source_remove(s.timer);
  suspended_.clear();
  for (auto& [id, c] : connections_) c->terminate("the server is shutting down");
  for (auto others = others_; auto& [id, p] : others) p->terminate("the server is shutting down");
  for (auto& [id, c] : connections_) c->close("server stopped");
  // A connection a worker is reading closes when the worker comes out, without the server;
  // and no worker is left inside one (a worker waiting for the main loop gives up).
  for (auto& [id, c] : connections_) c->server_gone();
  pool_.wait_watches_idle(2 * G_USEC_PER_SEC);
  connections_.clear();
  closed_.clear();
}

gboolean Server::on_incoming(GSocketService*, GSocketConnection* connection, GObject*, gpointer data) {
  auto* self = static_cast<Server*>(data);
  try {
    self->accept(connection);
  } catch (const std::exception& e) {
    g_warning("refusing a connection: %s", e.what());
    g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
  }
  return TRUE;
}

void Server::accept(GSocketConnection* connection) {
  if (static_cast<int>(connections_.size()) >= settings_.max_connections) {
    g_warning("refusing a connection: %d connections already open (max_connections)", settings_.max_connections);
    g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
    return;
  }
  std::string address = Connection::address_key_of(connection);
  int& open = per_address_[address];
  if (open >= settings_.max_connections_per_address) {
    if (open == settings_.max_connections_per_address)  // once per burst, not per attempt
      g_warning("refusing connections from %s: %d already open (max_connections_per_address)", address.c_str(), open);
    g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
    return;
  }
  SessionConfig config;
  config.limits.max_message_length = static_cast<uint32_t>(settings_.max_message_bytes);
  config.random_seed = g_random_int() | (static_cast<uint64_t>(g_random_int()) << 32);
  config.uptime_ms = static_cast<uint32_t>(g_get_monotonic_time() / 1000);
  const uint64_t id = next_id_++;
  auto c = std::make_shared<Connection>(*this, pool_, id, connection, config, address);
  Connection& ref = *c;
  connections_.emplace(id, std::move(c));
  ++open;
  ref.start();
}

gboolean Server::on_tick(gpointer data) {
  auto* self = static_cast<Server*>(data);
  const int64_t now = g_get_monotonic_time();
  const int64_t limit = int64_t{self->settings_.idle_timeout_s} * G_USEC_PER_SEC;
  const int64_t publish_limit = int64_t{self->settings_.publish_timeout_s} * G_USEC_PER_SEC;
  std::vector<std::pair<Connection*, std::string>> ending;
  for (auto& [id, c] : self->connections_) {
    if (c->closed()) continue;
    if (c->idle_us(now) > limit)
      ending.emplace_back(c.get(), "idle for more than " + std::to_string(self->settings_.idle_timeout_s) + " s");
    else if (c->unpublished_us(now) > publish_limit)  // a slow handshake, chatter that never publishes
      ending.emplace_back(c.get(), "no publish within " + std::to_string(self->settings_.publish_timeout_s) + " s");
  }
  for (auto& [c, why] : ending) c->close(why);
  return G_SOURCE_CONTINUE;
}

void Server::connection_closed(uint64_t id) {
  ending_for_good_.erase(id);
  closed_.push_back(id);
  if (reap_) return;
  // Removed later: the connection is still on the stack of its own callback now.
  reap_ = g_idle_add([](gpointer data) -> gboolean {
    auto* self = static_cast<Server*>(data);
    self->reap_ = 0;
    for (uint64_t id : self->closed_) {
      auto it = self->connections_.find(id);
      if (it == self->connections_.end()) continue;
      if (auto open = self->per_address_.find(it->second->address_key());
          open != self->per_address_.end() && --open->second <= 0)
        self->per_address_.erase(open);
      self->connections_.erase(it);
    }
    self->closed_.clear();
    return G_SOURCE_REMOVE;
  }, this);
}

Publisher* Server::publisher(uint64_t id) {
  if (auto c = connections_.find(id); c != connections_.end()) return c->second.get();
  if (auto p = others_.find(id); p != others_.end()) return p->second;
  return nullptr;
}

kek::PublishDecision Server::decide(const PublishRequest& request, const std::string& remote) {
  kek::PublishRequest ask{request.app, request.stream_key, remote};
  if (auto* authorizer = host_.services().get<kek::PublishAuthorizer>()) return authorizer->authorize(ask);
  kek::PublishDecision d;
  for (const auto& k : settings_.keys) {
    if (!kek::secret_equal(k.key, request.stream_key)) continue;
    d.allowed = true;
    d.stream = k.stream;
    d.owner = "config";
    return d;
  }
  d.reason = settings_.keys.empty() ? "no stream keys are configured (and no auth plugin is loaded)"
                                    : "unknown stream key";
  return d;
}

PublishVerdict Server::authorize_publish(Publisher& connection, const PublishRequest& request) {
  auto app = settings_.apps.find(request.app);
  if (app == settings_.apps.end()) {
    g_message("publish refused from %s: unknown app '%s'", connection.remote().c_str(), request.app.c_str());
    return PublishVerdict::refuse("unknown application '" + request.app + "'");
  }
  kek::PublishDecision decision = decide(request, connection.remote());
  if (!decision.allowed) {
    g_message("publish refused from %s: %s", connection.remote().c_str(), decision.reason.c_str());
    return PublishVerdict::refuse(decision.reason, "NetStream.Publish.Denied");
  }
  const std::string& stream = decision.stream;
  auto auth_request = kek::PublishRequest{request.app, request.stream_key, connection.remote()};
  auto* authorizer = host_.services().get<kek::PublishAuthorizer>();
  if (auto live = publishing_.find(stream); live != publishing_.end()) {
    if (!settings_.take_over) {
      if (authorizer) authorizer->ended(auth_request);  // this attempt holds no slot
      g_message("publish refused from %s: stream '%s' is already live", connection.remote().c_str(), stream.c_str());
      return PublishVerdict::refuse("this stream key is already publishing");
    }
    g_message("stream '%s': a new publisher from %s takes over", stream.c_str(), connection.remote().c_str());
    if (Publisher* old = publisher(live->second.connection_id)) old->terminate("another publisher took over this stream");
  }

  StreamInfo info;
  info.app = request.app;
  info.stream = stream;
  info.owner = decision.owner;
  info.owner_id = decision.owner_id;
  info.remote = connection.remote();
  info.client = request.flash_version;
  info.since_us = g_get_real_time();
  connection.set_publishing(request.app, stream);
  publishing_[stream] = Publish{connection.id(), auth_request, decision.owner};
  publishing_[stream].record = decision.record;
  publishing_[stream].owner_id = decision.owner_id;
  publishing_[stream].policy = decision.policy;
  if (auto back = suspended_.find(stream); back != suspended_.end() && back->second.app == request.app) {
    // Back within the grace period: the running pipeline continues with this publisher.
    g_source_remove(back->second.timer);
    publishing_[stream].pipeline_started = true;
    publishing_[stream].started_audio = back->second.has_audio;
    publishing_[stream].started_video = back->second.has_video;
    suspended_.erase(back);
    registry_.resume(stream, info);
    publishing_[stream].template_name = app->second;
    g_message("stream '%s' resumed by %s", stream.c_str(), connection.remote().c_str());
    return PublishVerdict::accept();
  }
  registry_.begin(info);

  if (auto* access = host_.services().get<kek::MediaAccess>()) {
    for (const auto& prefix : media_prefixes(app->second, request.app, stream, decision.owner))
      access->set_policy(prefix, decision.policy);
  }

  publishing_[stream].template_name = app->second;
  g_message("stream '%s' is live (app %s, owner %s, from %s, %s)", stream.c_str(), request.app.c_str(),
            decision.owner.c_str(), connection.remote().c_str(), request.flash_version.c_str());
  host_.events().publish({kek::kEventStreamStarted,
                          {{"app", request.app}, {"stream", stream}, {"owner", decision.owner},
                           {"owner_id", std::to_string(decision.owner_id)},
                           {"remote", connection.remote()}}});
  return PublishVerdict::accept();
}

std::vector<std::string> Server::media_prefixes(const std::string& template_name, const std::string& app,
                                                const std::string& stream, const std::string& owner) const {
  // The stream's public folder, and wherever the app's layout writes for it (its outputs say;
  // a recording's folder too, should one be asked for), as prefixes under the media root.
  std::vector<std::string> prefixes = {app + "/" + stream + "/"};
  kek::LivePublication pub = host_.pipelines().live_publication(
      template_name, {{"app", app}, {"stream", stream}, {"owner", owner}, {"record", "true"}}, 0);
  std::string root = host_.media_dir();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  for (std::string folder : pub.folders) {
    if (!folder.starts_with(root + "/")) continue;
    std::string prefix = folder.substr(root.size() + 1);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (prefix.empty()) continue;
    prefix += "/";
    bool covered = std::any_of(prefixes.begin(), prefixes.end(), [&](auto& p) { return prefix.starts_with(p); });
    if (!covered) prefixes.push_back(prefix);
  }
  return prefixes;
}

void Server::cancel_start_timer(Publish& publish) {
  if (publish.start_timer) g_source_remove(publish.start_timer);
  publish.start_timer = 0;
}

void Server::start_pipeline(const std::string& stream, bool has_audio, bool has_video) {
  auto it = publishing_.find(stream);
  if (it == publishing_.end() || it->second.pipeline_started) return;
  Publish& publish = it->second;
  cancel_start_timer(publish);
  publish.pipeline_started = true;
  publish.started_audio = has_audio;
  publish.started_video = has_video;
  auto info = registry_.find(stream);
  registry_.set_tracks(stream, has_audio, has_video);
  const std::string id = pipeline_id(publish.request.app, stream);
  kek::Vars vars = {{"stream", stream}, {"app", publish.request.app}, {"owner", publish.owner},
                    {"has_audio", has_audio ? "1" : "0"}, {"has_video", has_video ? "1" : "0"}};
  if (info && info->width > 0 && info->height > 0) {
    vars["source_width"] = std::to_string(info->width);
    vars["source_height"] = std::to_string(info->height);
  }
  if (info && info->fps > 0) vars["fps"] = std::to_string(static_cast<int>(info->fps + 0.5));
  // Only a "yes" is passed: an app whose template records by default keeps recording.
  if (publish.record) vars["record"] = "true";
  // Carried to recording.finished, so what becomes of a recording (a library item) keeps the
  // key's audience.
  vars["owner_id"] = std::to_string(publish.owner_id);
  vars["visibility"] = kek::to_string(publish.policy.visibility);
  std::string users, groups;
  for (int64_t u : publish.policy.allowed_user_ids) users += (users.empty() ? "" : ",") + std::to_string(u);
  for (const auto& g : publish.policy.allowed_groups) groups += (groups.empty() ? "" : ",") + g;
  vars["allowed_user_ids"] = users;
  vars["allowed_groups"] = groups;
  kek::PipelineOptions options;
  options.replace = true;  // the previous publish's instance may still be finishing: this one wins
  kek::Status started = host_.pipelines().start(id, publish.template_name, vars, options);
  if (!started) {
    g_warning("stream '%s': pipeline %s did not start: %s", stream.c_str(), publish.template_name.c_str(),
              started.error().message.c_str());
    if (Publisher* p = publisher(publish.connection_id)) p->terminate("the server could not start this stream's pipeline");
  }
}

void Server::codec_seen(Publisher& connection, const CodecInfo& codec) {
  if (!connection.stream().empty()) registry_.set_codec(connection.stream(), codec);
}

void Server::metadata(Publisher& connection, const MetadataMessage& metadata) {
  if (auto tracks = store_metadata(connection, metadata)) tracks_seen(connection, *tracks);
}

void Server::tracks_seen(Publisher& connection, Tracks tracks) {
  if (!connection.stream().empty()) track_seen(connection.stream(), tracks.audio, tracks.video);
}

std::optional<Server::Tracks> Server::store_metadata(Publisher& connection, const MetadataMessage& metadata) {
  if (connection.stream().empty() || metadata.name != "onMetaData") return std::nullopt;
  int width = 0, height = 0;
  double fps = 0;
  if (!metadata.arguments.empty()) {
    const amf0::Value& props = metadata.arguments.front();
    if (const auto* w = props.find("width")) width = static_cast<int>(w->as_number());
    if (const auto* h = props.find("height")) height = static_cast<int>(h->as_number());
    if (const auto* f = props.find("framerate")) fps = f->as_number();
    else if (const auto* f2 = props.find("fps")) fps = f2->as_number();
  }
  registry_.metadata(connection.stream(), metadata.timestamp, metadata.script_tag_body, width, height, fps);
  // onMetaData names the tracks the publisher will send (ffmpeg, OBS and flvmux all do). A
  // muxer may write it before its slower track has caps (flvmux on a busy machine announces
  // the audio alone, then sends video too), so one named track still waits for the other.
  if (!metadata.arguments.empty()) {
    const amf0::Value& props = metadata.arguments.front();
    const bool video = props.find("videocodecid") != nullptr || width > 0;
    const bool audio = props.find("audiocodecid") != nullptr;
    if (video || audio) return Tracks{audio, video};
  }
  return std::nullopt;
}

void Server::store_media(Publisher& connection, MediaKind kind, uint32_t timestamp_ms,
                         std::span<const uint8_t> payload) {
  if (!connection.stream().empty()) registry_.media(connection.stream(), kind, timestamp_ms, payload);
}

void Server::media(Publisher& connection, MediaKind kind, uint32_t timestamp_ms, std::span<const uint8_t> payload) {
  if (connection.stream().empty()) return;
  store_media(connection, kind, timestamp_ms, payload);
  media_arrived(connection, kind);
}

void Server::media_arrived(Publisher& connection, MediaKind kind) {
  const std::string& stream = connection.stream();
  if (stream.empty()) return;
  auto it = publishing_.find(stream);
  if (it != publishing_.end() && it->second.pipeline_started &&
      !(kind == MediaKind::audio ? it->second.started_audio : it->second.started_video)) {
    restart_for_late_track(stream, it->second, kind);
    return;
  }
  track_seen(stream, kind == MediaKind::audio, kind == MediaKind::video);
}

void Server::restart_for_late_track(const std::string& stream, Publish& publish, MediaKind kind) {
  // The pipeline started with the one track that came within the wait (a video encoder slower
  // than that): its demuxer has no pad for this kind, so it would be dropped for the whole
  // publish. The registry hands the new pipeline the header tags and the current GOP.
  g_message("stream '%s': %s arrived after its pipeline started without it; restarting the pipeline with both",
            stream.c_str(), kind == MediaKind::audio ? "audio" : "video");
  publish.pipeline_started = false;
  start_pipeline(stream, true, true);
}

void Server::track_seen(const std::string& stream, bool audio, bool video) {
  auto it = publishing_.find(stream);
  if (it == publishing_.end() || it->second.pipeline_started) return;
  Publish& p = it->second;
  p.saw_audio = p.saw_audio || audio;
  p.saw_video = p.saw_video || video;
  if (p.saw_audio && p.saw_video) {
    start_pipeline(stream, true, true);
  } else if (!p.start_timer) {
    // Only one kind so far: give the other kind a moment to show up.
    p.start_timer = kek::run_later(kTrackWaitMs, [this, stream] {
      auto live = publishing_.find(stream);
      if (live == publishing_.end()) return;
      live->second.start_timer = 0;
      start_pipeline(stream, live->second.saw_audio, live->second.saw_video);
    });
  }
}

void Server::publish_ended(Publisher& connection) {
  const std::string stream = connection.stream();
  const std::string app = connection.app();
  // Told to end for good (its account may not publish), now or when its worker let it go.
  const bool for_good = ending_for_good_.erase(connection.id()) > 0;
  if (stream.empty()) return;
  connection.set_publishing("", "");
  auto it = publishing_.find(stream);
  if (it == publishing_.end() || it->second.connection_id != connection.id()) return;  // taken over
  cancel_start_timer(it->second);
  Publish ended = it->second;
  publishing_.erase(it);
  if (auto* authorizer = host_.services().get<kek::PublishAuthorizer>()) authorizer->ended(ended.request);
  if (!for_good && settings_.reconnect_grace_s > 0 && ended.pipeline_started && service_) {
    // A network drop or an encoder restart: keep the pipeline and its playlists open a while.
    Suspended& s = suspended_[stream];
    s = Suspended{app, ended.owner, ended.template_name, 0, ended.started_audio,
                  ended.started_video, ended.owner_id};
    s.timer = kek::run_later(static_cast<guint>(settings_.reconnect_grace_s) * 1000, [this, stream] {
      auto it = suspended_.find(stream);
      if (it == suspended_.end()) return;
      Suspended gone = it->second;
      suspended_.erase(it);
      g_message("stream '%s': no publisher came back", stream.c_str());
      finish_stream(gone.app, stream, gone.owner);
    });
    registry_.suspend(stream);
    g_message("stream '%s' lost its publisher (%s); waiting %d s for it to come back", stream.c_str(),
              connection.remote().c_str(), settings_.reconnect_grace_s);
    return;
  }
  finish_stream(app, stream, ended.owner);
}

void Server::end_streams_of(int64_t owner_id, const std::string& reason) {
  if (owner_id <= 0) return;
  std::vector<std::pair<std::string, uint64_t>> live;
  for (const auto& [stream, p] : publishing_)
    if (p.owner_id == owner_id) live.emplace_back(stream, p.connection_id);
  for (const auto& [stream, publisher_id] : live) {
    g_message("stream '%s' ends: %s", stream.c_str(), reason.c_str());
    ending_for_good_.insert(publisher_id);
    // publish_ended follows, at once or when the push pool's worker lets the connection go.
    if (Publisher* p = publisher(publisher_id)) p->terminate(reason);
  }
  std::vector<std::string> waiting;
  for (const auto& [stream, s] : suspended_)
    if (s.owner_id == owner_id) waiting.push_back(stream);
  for (const auto& stream : waiting) {
    auto it = suspended_.find(stream);
    Suspended gone = it->second;
    g_source_remove(gone.timer);
    suspended_.erase(it);
    g_message("stream '%s' ends: %s", stream.c_str(), reason.c_str());
    finish_stream(gone.app, stream, gone.owner);
  }
}

void Server::finish_stream(const std::string& app, const std::string& stream, const std::string& owner) {
  registry_.end(stream);  // kekrtmpsrc sends EOS: the pipeline finishes its files and ends
  g_message("stream '%s' ended", stream.c_str());
  host_.events().publish({kek::kEventStreamEnded, {{"app", app}, {"stream", stream}, {"owner", owner}}});

  // If EOS did not end the pipeline (a stuck element), stop it, unless a new publish took it.
  grace_timers_.push_back(kek::run_later(kEndedPipelineGraceMs, [this, stream, id = pipeline_id(app, stream)] {
    if (publishing_.count(stream)) return;
    auto info = host_.pipelines().info(id);
    if (info && kek::is_active(info->state)) (void)host_.pipelines().stop(id);
  }));
  std::erase_if(grace_timers_, [](guint id) { return !g_main_context_find_source_by_id(nullptr, id); });
}

}  // namespace kek::rtmp
