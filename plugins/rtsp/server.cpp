#define G_LOG_DOMAIN "kek-rtsp"
#include "server.h"

#include <kek/json.h>
#include <kek/services/identity.h>
#include <kek/services/live_streams.h>
#include <kek/services/media_access.h>
#include <kek/services_context.h>

namespace kek::rtsp {

namespace {

// Names that go into a launch line and a mount path: what stream names are made of.
bool safe_name(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (unsigned char c : s)
    if (!g_ascii_isalnum(c) && c != '-' && c != '_') return false;
  return true;
}

std::string query_value(const char* query, const std::string& name) {
  if (!query) return "";
  g_auto(GStrv) pairs = g_strsplit(query, "&", 0);
  for (char** p = pairs; *p; ++p) {
    const char* eq = strchr(*p, '=');
    if (!eq || std::string(*p, eq - *p) != name) continue;
    g_autofree char* v = g_uri_unescape_string(eq + 1, nullptr);
    return v ? v : "";
  }
  return "";
}

// The stream as RTSP: the published H.264 and AAC payloaded as they are (no re-encode).
std::string launch_line(const std::string& stream, bool has_video, bool has_audio) {
  std::string line = "( kekrtmpsrc stream=" + stream + " ! flvdemux name=demux ";
  int pay = 0;
  const std::string queue = " ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 leaky=downstream";
  if (has_video)
    line += "demux.video" + queue + " ! h264parse ! rtph264pay name=pay" + std::to_string(pay++) +
            " pt=96 config-interval=-1 ";
  if (has_audio)
    line += "demux.audio" + queue + " ! aacparse ! rtpmp4gpay name=pay" + std::to_string(pay++) + " pt=97 ";
  return line + ")";
}

}  // namespace

Server::~Server() { stop(); }

kek::Status Server::listen() {
  server_ = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server_, settings_.address.c_str());
  const std::string service = std::to_string(settings_.port);
  gst_rtsp_server_set_service(server_, service.c_str());
  // Clients on the main loop (0 threads), where the services (identity, live streams) live.
  g_autoptr(GstRTSPThreadPool) pool = gst_rtsp_server_get_thread_pool(server_);
  gst_rtsp_thread_pool_set_max_threads(pool, 0);
  GError* err = nullptr;
  GSource* source = gst_rtsp_server_create_source(server_, nullptr, &err);
  if (!source) {
    kek::Error e{"rtsp: cannot listen on " + settings_.address + ":" + service + ": " +
                     (err ? err->message : "unknown error"), 500};
    g_clear_error(&err);
    return e;
  }
  port_ = gst_rtsp_server_get_bound_port(server_);
  source_ = g_source_attach(source, nullptr);
  g_source_unref(source);
  g_signal_connect(server_, "client-connected", G_CALLBACK(on_client), this);
  // Sessions of players that went away without TEARDOWN.
  cleanup_ = g_timeout_add_seconds(5, [](gpointer s) -> gboolean {
    g_autoptr(GstRTSPSessionPool) sessions = gst_rtsp_server_get_session_pool(static_cast<GstRTSPServer*>(s));
    gst_rtsp_session_pool_cleanup(sessions);
    return G_SOURCE_CONTINUE;
  }, server_);
  host_.announce("rtsp", "rtsp://" + settings_.address + ":" + std::to_string(port_) + "/live");
  g_message("RTSP listening on %s:%d (rtsp://%s:%d/<app>/<stream>)", settings_.address.c_str(), port_,
            settings_.address.c_str(), port_);
  return {};
}

void Server::stop() {
  if (cleanup_) g_source_remove(cleanup_);
  if (source_) g_source_remove(source_);
  cleanup_ = source_ = 0;
  if (server_) {
    g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server_);
    for (const auto& [path, launch] : mounted_) gst_rtsp_mount_points_remove_factory(mounts, path.c_str());
    mounted_.clear();
    gst_rtsp_server_client_filter(server_, [](GstRTSPServer*, GstRTSPClient*, gpointer) {
      return GST_RTSP_FILTER_REMOVE;
    }, nullptr);
    g_object_unref(server_);
    server_ = nullptr;
  }
}

std::optional<Server::Target> Server::target_of(const GstRTSPUrl* uri) {
  if (!uri || !uri->abspath) return std::nullopt;
  // /live/cam, or a SETUP's /live/cam/stream=0
  g_auto(GStrv) parts = g_strsplit(uri->abspath + (uri->abspath[0] == '/' ? 1 : 0), "/", 3);
  if (!parts[0] || !parts[1]) return std::nullopt;
  Target t{parts[0], parts[1]};
  if (!safe_name(t.app) || !safe_name(t.stream)) return std::nullopt;
  return t;
}

void Server::ensure_mount(const Target& target, bool has_video, bool has_audio) {
  const std::string path = "/" + target.app + "/" + target.stream;
  const std::string launch = launch_line(target.stream, has_video, has_audio);
  auto it = mounted_.find(path);
  if (it != mounted_.end() && it->second == launch) return;
  g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server_);
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, launch.c_str());
  gst_rtsp_media_factory_set_shared(factory, TRUE);  // one pipeline per stream for every player
  gst_rtsp_media_factory_set_latency(factory, 200);
  gst_rtsp_media_factory_set_protocols(factory, static_cast<GstRTSPLowerTrans>(GST_RTSP_LOWER_TRANS_UDP |
                                                                              GST_RTSP_LOWER_TRANS_TCP));
  g_signal_connect(factory, "media-configure", G_CALLBACK(on_media_configure), this);
  gst_rtsp_mount_points_add_factory(mounts, path.c_str(), factory);  // takes the factory
  mounted_[path] = launch;
  g_message("RTSP mount %s for stream '%s'", path.c_str(), target.stream.c_str());
}

void Server::unmount(const std::string& app, const std::string& stream) {
  const std::string path = "/" + app + "/" + stream;
  if (!server_ || !mounted_.erase(path)) return;
  g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server_);
  gst_rtsp_mount_points_remove_factory(mounts, path.c_str());
}

GstRTSPStatusCode Server::admit(GstRTSPClient* client, GstRTSPContext* ctx, bool mount) {
  auto target = target_of(ctx->uri);
  if (!target) return GST_RTSP_STS_NOT_FOUND;
  auto* streams = host_.services().get<kek::LiveStreams>();
  auto live = streams ? streams->find(target->stream) : std::nullopt;
  if (!live || live->app != target->app || (!live->has_video && !live->has_audio)) return GST_RTSP_STS_NOT_FOUND;
  if (auto* identity = host_.services().get<kek::Identity>()) {
    const std::string prefix = target->prefix();
    if (!identity->may_open(std::nullopt, prefix)) {
      // A player without the web UI's cookie: the signed token of an account that may watch it,
      // re-checked now (a revoked grant or a deleted account ends it).
      // The SETUP and PLAY URLs a player builds from the SDP lose the query: a connection whose
      // DESCRIBE carried a good token keeps that grant for this stream (never for another).
      const std::string grant = "kek-rtsp-grant:" + prefix;
      const std::string token = query_value(ctx->uri->query, "token");
      if (token.empty() && !g_object_get_data(G_OBJECT(client), grant.c_str())) return GST_RTSP_STS_UNAUTHORIZED;
      if (!token.empty()) {
        auto* access = host_.services().get<kek::MediaAccess>();
        if (!access || !access->token_opens(token, prefix + "index.m3u8")) return GST_RTSP_STS_FORBIDDEN;
        g_object_set_data(G_OBJECT(client), grant.c_str(), GINT_TO_POINTER(1));
      }
    }
  }
  if (mount) ensure_mount(*target, live->has_video, live->has_audio);
  return GST_RTSP_STS_OK;
}

void Server::on_client(GstRTSPServer*, GstRTSPClient* client, gpointer self) {
  g_signal_connect(client, "pre-describe-request", G_CALLBACK(on_describe), self);
  g_signal_connect(client, "pre-setup-request", G_CALLBACK(on_other), self);
  g_signal_connect(client, "pre-play-request", G_CALLBACK(on_other), self);
}

GstRTSPStatusCode Server::on_describe(GstRTSPClient* client, GstRTSPContext* ctx, gpointer self) {
  return static_cast<Server*>(self)->admit(client, ctx, true);
}

GstRTSPStatusCode Server::on_other(GstRTSPClient* client, GstRTSPContext* ctx, gpointer self) {
  return static_cast<Server*>(self)->admit(client, ctx, false);
}

void Server::on_media_configure(GstRTSPMediaFactory*, GstRTSPMedia* media, gpointer self) {
  // kekrtmpsrc reaches the live streams through the kek.services context, as in kek's pipelines.
  auto* server = static_cast<Server*>(self);
  g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
  kek::give_services(element, server->host_.services());
}

HttpResponse Server::url_for(const HttpRequest& request) {
  const std::string stream = request.params.count("stream") ? request.params.at("stream") : "";
  auto* streams = host_.services().get<kek::LiveStreams>();
  auto live = streams && safe_name(stream) ? streams->find(stream) : std::nullopt;
  auto* identity = host_.services().get<kek::Identity>();
  std::optional<kek::UserIdentity> user;
  if (identity) {
    auto caller = identity->user_of(request);
    if (!caller) return HttpResponse::from(caller.error());
    user = std::move(*caller);
  }
  // Not live, or not the caller's to watch: the same answer, so names are not confirmed.
  if (!live || (identity && !identity->may_open(user, live->media_prefix())))
    return HttpResponse::error(404, "not_live", "no such live stream");
  std::string host = settings_.address;
  if (host == "0.0.0.0" || host == "::") {
    host = request.header("host").value_or("127.0.0.1");
    if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) host.resize(colon);
  } else if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  std::string url = "rtsp://" + host + ":" + std::to_string(port_) + "/" + live->app + "/" + live->stream;
  kek::JsonWriter w;
  w.begin_object();
  auto* access = host_.services().get<kek::MediaAccess>();
  if (identity && !identity->may_open(std::nullopt, live->media_prefix()) && user && access) {
    auto token = access->sign(live->media_prefix(), settings_.token_ttl_s, user->id);
    if (!token) return HttpResponse::from(token.error());
    url += "?token=" + *token;
    const int64_t expires = g_get_real_time() / G_USEC_PER_SEC + settings_.token_ttl_s;
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(expires);
    g_autofree char* iso = g_date_time_format_iso8601(t);
    w.member("url", url).member("expires", iso ? iso : "");
  } else {
    w.member("url", url).key("expires").null();
  }
  w.end_object();
  HttpResponse response = HttpResponse::json(w.str());
  response.headers.emplace_back("Cache-Control", "private, no-store");
  return response;
}

}  // namespace kek::rtsp
