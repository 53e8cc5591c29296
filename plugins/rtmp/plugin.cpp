// The rtmp plugin: KEK's RTMP ingest server (kek face) and the kekrtmpsrc element (GStreamer
// face), in one library.
#define G_LOG_DOMAIN "kek-rtmp"
#include "kekrtmpsrc.h"
#include "live_directory.h"
#include "live_ingest.h"
#include "metrics.h"
#include "push_pool.h"
#include "server.h"
#include "settings.h"
#include "stream_registry.h"
#include "viewer_counter.h"

#include <kek/json.h>
#include <kek/services/channels.h>
#include <kek/plugin.h>
#include <kek/services/identity.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>

namespace {

// Everything the plugin owns; kept alive by the host's hooks that capture it.
struct RtmpPlugin {
  kek::rtmp::PushPool pool;  // kekrtmpsrc's pushing threads; outlives the registry's sinks
  kek::rtmp::StreamRegistry registry;
  kek::rtmp::LiveDirectory directory{registry};
  kek::rtmp::Announcements announcements;
  kek::rtmp::ViewerCounter viewers;
  kek::rtmp::Server server;
  kek::rtmp::LiveIngestService ingest{server};  // SRT, WHIP: publishes through the same server
  RtmpPlugin(kek::Host& host, kek::rtmp::Settings settings)
      : pool(static_cast<unsigned>(settings.push_threads)), registry(settings.gop_cache_bytes), server(host, std::move(settings), registry, pool) {}
};

std::string iso_time(int64_t real_time_us) {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(real_time_us / G_USEC_PER_SEC);
  g_autofree char* s = g_date_time_format_iso8601(t);
  return s ? s : "";
}

// What the streamer says the stream is (the channels plugin's title and category), or nulls.
void write_channel(kek::JsonWriter& w, const kek::Channels* channels, int64_t owner_id) {
  kek::ChannelInfo channel;
  if (channels && owner_id > 0) channel = channels->channel_of(owner_id);
  w.key("title");
  if (channel.title.empty()) w.null();
  else w.value(channel.title);
  w.key("category");
  if (channel.category.empty()) w.null();
  else w.value(channel.category);
}

// How the publisher's video arrives: the keyframe interval decides a passthrough layout's
// segment length (and so how far behind live its viewers sit).
void write_health(kek::JsonWriter& w, const kek::rtmp::IngestHealthReport& h) {
  w.key("keyframe_interval_s");
  if (h.keyframe_interval_s > 0) w.value(std::round(h.keyframe_interval_s * 100) / 100);
  else w.null();
  w.key("ingest").begin_object().member("fps", h.fps).member("dropped_frames", h.dropped_frames)
      .member("late_ms", h.late_ms).end_object();
}

// The segment length of an app's live layout: its template's segment_s, as live layouts read
// it (2 s when unset, 1..30); nullopt for a template that is no live layout.
std::optional<int> layout_segment_s(const kek::Pipelines& pipelines, const std::string& template_name) {
  auto tmpl = pipelines.find_template(template_name);
  if (!tmpl || !tmpl->layout) return std::nullopt;
  auto value = tmpl->defaults.find("segment_s");
  int seconds = 2;
  if (value != tmpl->defaults.end()) {
    const char* text = value->second.c_str();
    char* end = nullptr;
    const long parsed = std::strtol(text, &end, 10);
    if (end != text) seconds = static_cast<int>(std::clamp<long>(parsed, 1, 30));
  }
  return seconds;
}

// Only what the caller may watch: every stream goes through the one visibility check
// (Identity::may_view), so unlisted and private streams are listed to their owner and the
// accounts they are shared with only. Without an Identity provider nothing is private.
kek::HttpResponse live_streams(kek::Host& host, RtmpPlugin& plugin, const kek::HttpRequest& request) {
  auto* identity = host.services().get<kek::Identity>();
  std::optional<kek::UserIdentity> user;
  if (identity) {
    auto caller = identity->user_of(request);
    if (!caller) return kek::HttpResponse::from(caller.error());
    user = std::move(*caller);
  }
  const kek::rtmp::StreamRegistry& registry = plugin.registry;
  kek::rtmp::ViewerCounter& viewers = plugin.viewers;
  const auto* channels = host.services().get<kek::Channels>();
  const int64_t now = g_get_monotonic_time();
  kek::JsonWriter w;
  w.begin_array();
  const auto& apps = plugin.server.settings().apps;
  for (const auto& s : registry.list()) {
    if (identity && !identity->may_view(user, s.app + "/" + s.stream + "/")) continue;
    // What the app's layout publishes for this stream, as its outputs say (HLS, DASH, the
    // preview picture, ...): every registered output's field, null where there is nothing.
    auto app = apps.find(s.app);
    kek::LivePublication published =
        host.pipelines().live_publication(app == apps.end() ? std::string() : app->second,
                                          {{"app", s.app}, {"stream", s.stream}, {"owner", s.owner}}, s.since_us);
    w.begin_object()
        .member("stream", s.stream)
        .member("owner", s.owner)
        .member("app", s.app)
        .member("since", iso_time(s.since_us))
        .member("bitrate_kbps", s.bitrate_kbps)
        .member("video_codec", s.video_codec)
        .member("audio_codec", s.audio_codec)
        .member("video_format", s.video_format)
        .member("audio_format", s.audio_format)
        .member("width", s.width)
        .member("height", s.height)
        .member("fps", s.fps)
        .member("viewers", viewers.count(s.app, s.stream, now))
        .member("client", s.client)
        .member("state", s.reconnecting ? "reconnecting" : "live")
        .member("kind", "stream");
    // The layout's segment length: a keyframe interval longer than it makes segments longer
    // and viewers later (Studio warns).
    w.key("segment_s");
    if (auto segment = layout_segment_s(host.pipelines(), app == apps.end() ? std::string() : app->second)) w.value(*segment);
    else w.null();
    for (const auto& url : published.urls) {
      w.key(url.key);
      if (url.url.empty()) w.null();
      else w.value(url.url);
    }
    write_channel(w, channels, s.owner_id);
    write_health(w, s.health);
    w.end_object();
  }
  // What no publisher sends (a premiere playing a film): the same fields where they mean
  // something, its kind and the page that shows it.
  for (const auto& a : plugin.announcements.announced()) {
    if (identity && !identity->may_view(user, a.media_prefix())) continue;
    kek::LivePublication published = host.pipelines().live_publication(a.template_name, a.vars, a.since_us);
    w.begin_object()
        .member("stream", a.stream)
        .member("owner", a.owner)
        .member("app", a.app)
        .member("since", iso_time(a.since_us))
        .member("width", a.width)
        .member("height", a.height)
        .member("viewers", viewers.count(a.app, a.stream, now))
        .member("state", "live")
        .member("kind", a.kind)
        .member("page", a.page)
        .member("title", a.title);
    w.key("category").null();
    w.key("poster");
    if (a.poster_url.empty()) w.null();
    else w.value(a.poster_url);
    for (const auto& url : published.urls) {
      w.key(url.key);
      if (url.url.empty()) w.null();
      else w.value(url.url);
    }
    w.end_object();
  }
  w.end_array();
  kek::HttpResponse response = kek::HttpResponse::json(w.str());
  response.headers.emplace_back("Cache-Control", "private, no-store");  // it depends on who asks
  return response;
}

kek::Status init(kek::Host& host) {
  auto settings = kek::rtmp::read_settings(host.args());
  if (!settings) return settings.error();
  auto plugin = std::make_shared<RtmpPlugin>(host, std::move(*settings));
  host.services().provide(kek::rtmp::StreamRegistry::kName, &plugin->registry);
  host.services().provide(kek::rtmp::PushPool::kName, &plugin->pool);
  host.services().provide<kek::LiveStreams>(&plugin->directory);
  host.services().provide<kek::LiveIngest>(&plugin->ingest);
  host.services().provide<kek::LiveAnnouncements>(&plugin->announcements);
  host.http().route("GET", "/api/live",
                    [plugin, &host](const kek::HttpRequest& r) { return live_streams(host, *plugin, r); });
  // Counts viewers; never refuses (access is the auth plugin's guard).
  host.http().guard("/media/", [plugin](const kek::HttpRequest& request) -> std::optional<kek::HttpResponse> {
    const std::string client = request.remote + " " + request.header("user-agent").value_or("");
    plugin->viewers.seen(request.path.substr(std::string("/media/").size()), client, g_get_monotonic_time());
    return std::nullopt;
  });
  if (auto* metrics = host.services().get<kek::Metrics>())
    metrics->add_collector([plugin](kek::MetricsWriter& w) {
      kek::rtmp::write_metrics(w, plugin->registry, plugin->viewers, g_get_monotonic_time());
    });
  host.on_start([plugin] { return plugin->server.listen(); });
  // A recording of one of our streams is complete: tell the library (and anyone else).
  host.events().subscribe(kek::kEventPipelineFileClosed, [&host](const kek::Event& e) {
    if (e.get("var.stream").empty()) return;
    g_message("recording of stream '%s' finished: %s", e.get("var.stream").c_str(), e.get("location").c_str());
    host.events().publish({kek::kEventRecordingFinished,
                           {{"app", e.get("var.app")}, {"stream", e.get("var.stream")}, {"owner", e.get("var.owner")},
                            {"owner_id", e.get("var.owner_id")}, {"visibility", e.get("var.visibility")},
                            {"allowed_user_ids", e.get("var.allowed_user_ids")},
                            {"allowed_groups", e.get("var.allowed_groups")}, {"path", e.get("location")}}});
  });
  // An account that may not publish any more: its streams end now (RTMP, and SRT or WHIP
  // publishes that came through LiveIngest).
  for (const char* event : {kek::kEventUserDisabled, kek::kEventUserDeleted})
    host.events().subscribe(event, [plugin, event](const kek::Event& e) {
      const int64_t id = g_ascii_strtoll(e.get("id").c_str(), nullptr, 10);
      plugin->server.end_streams_of(id, event == std::string(kek::kEventUserDisabled) ? "the account was disabled"
                                                                                       : "the account was deleted");
    });
  host.on_stop([plugin] { plugin->server.stop(); });
  return {};
}

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(kekrtmpsrc, plugin); }

}  // namespace

KEK_PLUGIN(rtmp, KEK_VERSION, "RTMP ingest: OBS and ffmpeg publish to KEK", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekrtmp, "KEK RTMP ingest (kekrtmpsrc)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
