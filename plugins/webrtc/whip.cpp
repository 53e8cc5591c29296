#define G_LOG_DOMAIN "kek-webrtc"
#include "whip.h"

#include "negotiation.h"
#include "offer.h"
#include "sdp_http.h"

#include <kek/media/flv_tags.h>
#include <kek/random.h>
#include <kek/ref.h>
#include <kek/services/live_ingest.h>
#include <kek/worker.h>

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <mutex>
#include <vector>

namespace kek::webrtc {

namespace {

constexpr guint kKeyframeEveryMs = 2000;   // the live layouts' segment length
constexpr int64_t kSilentPublisherUs = 10 * G_USEC_PER_SEC;  // no media this long: the publisher is gone

// "Bearer KEY" (the scheme in any case); "" when there is none.
std::string bearer(const HttpRequest& request) {
  auto value = request.header("authorization").value_or("");
  if (value.size() <= 7 || g_ascii_strncasecmp(value.c_str(), "bearer ", 7) != 0) return "";
  std::string key = value.substr(7);
  while (!key.empty() && key.front() == ' ') key.erase(0, 1);
  while (!key.empty() && key.back() == ' ') key.pop_back();
  return key;
}

HttpResponse unauthorized(const std::string& message) {
  HttpResponse r = HttpResponse::error(401, "stream_key_refused", message);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"kek\"");
  return r;
}

// The media of one publish, from webrtcbin's streaming threads (one per track) to the main loop.
struct Feed {
  struct Item {
    LiveMediaKind kind;
    uint32_t timestamp_ms;
    std::vector<uint8_t> body;
  };
  std::weak_ptr<Whip> whip;
  std::function<void(std::vector<Item>)> deliver;  // main loop
  std::mutex mutex;                                // tagger, items, scheduled
  kek::media::FlvTagger tagger;
  std::vector<Item> items;
  bool scheduled = false;
  std::atomic<int64_t> last_media_us{0};

  void sample(GstSample* sample, bool video, const std::shared_ptr<Feed>& self) {
    bool schedule = false;
    {
      std::lock_guard lock(mutex);
      tagger.sample(sample, video, [this](LiveMediaKind kind, uint32_t ts, std::vector<uint8_t> body) {
        items.push_back({kind, ts, std::move(body)});
      });
      schedule = !scheduled && !items.empty();
      scheduled |= schedule;
    }
    last_media_us = g_get_monotonic_time();
    if (!schedule) return;
    kek::run_later(0, [self] {
      std::vector<Item> batch;
      {
        std::lock_guard lock(self->mutex);
        batch.swap(self->items);
        self->scheduled = false;
      }
      if (self->deliver) self->deliver(std::move(batch));
    });
  }
};

// The depayloading chain of one track the browser sends, ending in an appsink of what the
// live layouts take.
std::string track_launch(bool video, int aac_bitrate) {
  if (video)
    return "rtph264depay request-keyframe=true wait-for-keyframe=true ! h264parse ! "
           "video/x-h264,stream-format=avc,alignment=au ! appsink name=sink sync=false async=false emit-signals=true";
  return "rtpopusdepay ! opusdec ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=" +
         std::to_string(aac_bitrate) +
         " ! aacparse ! audio/mpeg,mpegversion=4,stream-format=raw ! appsink name=sink sync=false async=false emit-signals=true";
}

}  // namespace

struct Whip::Publisher {
  std::string id, app, stream;
  std::unique_ptr<LivePublish> publish;
  kek::Ref<GstElement> pipeline;
  GstElement* webrtc = nullptr;  // in pipeline
  std::shared_ptr<Feed> feed;
  std::atomic<GstElement*> video_sink{nullptr};  // set from the streaming thread that made it
  guint bus_watch = 0, keyframes = 0, watchdog = 0;
  int64_t started_us = g_get_monotonic_time();
};

Whip::~Whip() { stop(); }

void Whip::offer(const HttpRequest& request, HttpResponder respond) {
  const std::string& app = route_param(request, "app");
  const std::string key = bearer(request);
  if (key.empty()) return respond(unauthorized("send the stream key as Authorization: Bearer KEY"));
  if (auto refused = refuse_offer_request(request)) return respond(std::move(*refused));
  auto codecs = read_offer(request.body);
  if (!codecs) return respond(HttpResponse::from(codecs.error()));
  if (publishers_.size() >= static_cast<size_t>(settings_.max_publishers)) {
    HttpResponse busy = HttpResponse::error(503, "too_many_publishers", "the server takes no more WHIP publishers now");
    busy.headers.emplace_back("Retry-After", "30");
    return respond(std::move(busy));
  }
  auto* ingest = host_.services().get<kek::LiveIngest>();
  if (!ingest) return respond(HttpResponse::error(503, "no_live_ingest", "live streaming is not available (no rtmp plugin)"));

  auto publisher = std::make_shared<Publisher>();
  publisher->id = kek::random_token(16);
  publisher->app = app;
  const std::string id = publisher->id;
  auto published = ingest->publish({app, key, request.remote, "WHIP"}, [weak = weak_from_this(), id](const std::string& why) {
    kek::run_later(0, [weak, id, why] {
      if (auto whip = weak.lock()) whip->end_publisher(id, why);
    });
  });
  if (!published) {
    g_message("WHIP publish to '%s' from %s refused: %s", app.c_str(), request.remote.c_str(),
              published.error().message.c_str());
    if (published.error().code == 403) return respond(unauthorized("the stream key was refused"));
    return respond(HttpResponse::from(published.error()));
  }
  publisher->publish = std::move(*published);
  publisher->stream = publisher->publish->stream();
  LiveTracks tracks;
  tracks.has_video = codecs->h264_pt >= 0;
  tracks.has_audio = codecs->opus_pt >= 0;
  publisher->publish->describe(tracks);

  GstElement* webrtc = gst_element_factory_make("webrtcbin", "webrtc");
  if (!webrtc) return respond(HttpResponse::error(500, "webrtc_unavailable", "WebRTC is not available on this server"));
  gst_util_set_object_arg(G_OBJECT(webrtc), "bundle-policy", "max-bundle");
  GstElement* pipeline = gst_pipeline_new(("whip-" + publisher->stream).c_str());
  gst_bin_add(GST_BIN(pipeline), webrtc);
  publisher->pipeline = kek::Ref<GstElement>::adopt(GST_ELEMENT(gst_object_ref_sink(pipeline)));
  publisher->webrtc = webrtc;

  auto feed = std::make_shared<Feed>();
  feed->whip = weak_from_this();
  feed->deliver = [weak = weak_from_this(), id](std::vector<Feed::Item> items) {
    auto whip = weak.lock();
    if (!whip) return;
    auto it = whip->publishers_.find(id);
    if (it == whip->publishers_.end() || !it->second->publish) return;
    for (auto& item : items) it->second->publish->media(item.kind, item.timestamp_ms, item.body);
  };
  publisher->feed = feed;

  // Each track the browser sends: depayload (and for Opus, transcode to AAC) into an appsink.
  struct Tracks {
    std::shared_ptr<Feed> feed;
    Publisher* publisher;  // lives until the pipeline is stopped, which ends these callbacks
    int aac_bitrate;
  };
  g_signal_connect_data(publisher->webrtc, "pad-added", G_CALLBACK(+[](GstElement* webrtc, GstPad* pad, gpointer data) {
    auto* t = static_cast<Tracks*>(data);
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, nullptr);
    const GstStructure* s = caps && !gst_caps_is_empty(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
    const char* encoding = s ? gst_structure_get_string(s, "encoding-name") : nullptr;
    const bool video = encoding && g_ascii_strcasecmp(encoding, "H264") == 0;
    const bool audio = encoding && g_ascii_strcasecmp(encoding, "OPUS") == 0;
    GstElement* pipeline = GST_ELEMENT(gst_element_get_parent(webrtc));
    GError* error = nullptr;
    GstElement* bin = video || audio ? gst_parse_bin_from_description(track_launch(video, t->aac_bitrate).c_str(), TRUE, &error)
                                     : gst_element_factory_make("fakesink", nullptr);
    g_clear_error(&error);
    if (!bin) {
      gst_object_unref(pipeline);
      return;
    }
    gst_bin_add(GST_BIN(pipeline), bin);
    if (video || audio) {
      g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(bin), "sink");
      struct Track {
        std::shared_ptr<Feed> feed;
        bool video;
      };
      g_signal_connect_data(sink, "new-sample", G_CALLBACK(+[](GstElement* sink, gpointer data) -> GstFlowReturn {
        auto* track = static_cast<Track*>(data);
        g_autoptr(GstSample) sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
        if (!sample) return GST_FLOW_EOS;
        track->feed->sample(sample, track->video, track->feed);
        return GST_FLOW_OK;
      }), new Track{t->feed, video}, [](gpointer d, GClosure*) { delete static_cast<Track*>(d); }, GConnectFlags(0));
      if (video) t->publisher->video_sink = sink;
    }
    gst_element_sync_state_with_parent(bin);
    g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(bin, "sink");
    if (!sinkpad || gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK)
      g_warning("WHIP: a %s track could not be linked", video ? "video" : audio ? "audio" : "other");
    gst_object_unref(pipeline);
  }), new Tracks{feed, publisher.get(), settings_.aac_bitrate},
      [](gpointer d, GClosure*) { delete static_cast<Tracks*>(d); }, GConnectFlags(0));

  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  struct Watch {
    std::weak_ptr<Whip> whip;
    std::string id;
  };
  publisher->bus_watch = gst_bus_add_watch_full(
      bus, G_PRIORITY_DEFAULT,
      [](GstBus*, GstMessage* message, gpointer data) -> gboolean {
        auto* w = static_cast<Watch*>(data);
        if (auto whip = w->whip.lock()) whip->on_bus(w->id, message);
        return G_SOURCE_CONTINUE;
      },
      new Watch{weak_from_this(), id}, [](gpointer data) { delete static_cast<Watch*>(data); });
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_source_remove(publisher->bus_watch);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    return respond(HttpResponse::error(500, "webrtc_unavailable", "WebRTC is not available on this server"));
  }
  publishers_[id] = publisher;

  // A keyframe every segment; the publisher ended when it never connects or goes silent.
  publisher->keyframes = g_timeout_add(kKeyframeEveryMs, [](gpointer data) -> gboolean {
    auto* p = static_cast<Publisher*>(data);
    if (GstElement* sink = p->video_sink.load())
      gst_element_send_event(sink, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    return G_SOURCE_CONTINUE;
  }, publisher.get());
  publisher->watchdog = g_timeout_add_seconds(2, [](gpointer data) -> gboolean {
    auto* p = static_cast<Publisher*>(data);
    const int64_t last = p->feed->last_media_us.load();
    const int64_t now = g_get_monotonic_time();
    const int64_t limit = last ? kSilentPublisherUs : static_cast<int64_t>(G_USEC_PER_SEC) * 20;
    if (now - (last ? last : p->started_us) <= limit) return G_SOURCE_CONTINUE;
    auto whip = p->feed->whip.lock();
    const std::string id = p->id;
    kek::run_later(0, [whip, id, last] {
      if (whip) whip->end_publisher(id, last ? "no media for 10 s" : "it never connected");
    });
    return G_SOURCE_CONTINUE;
  }, publisher.get());

  const std::string location = "/api/whip/" + app + "/" + id;
  answer_offer(publisher->webrtc, keep_only_ours(request.body, *codecs), settings_.gather_timeout_ms,
               [weak = weak_from_this(), id, location, respond](kek::Result<std::string> answer) {
    auto whip = weak.lock();
    if (!whip || !whip->publishers_.count(id)) return respond(HttpResponse::error(503, "publish_ended", "the publish ended"));
    if (!answer) {
      whip->end_publisher(id, "its offer was not answered: " + answer.error().message);
      return respond(HttpResponse::from(answer.error()));
    }
    respond(sdp_created(std::move(*answer), location));
  });
  g_message("WHIP: publishing '%s' to app '%s' from %s", publisher->stream.c_str(), app.c_str(), request.remote.c_str());
}

void Whip::on_bus(const std::string& id, GstMessage* message) {
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_LATENCY) {
    if (auto it = publishers_.find(id); it != publishers_.end()) gst_bin_recalculate_latency(GST_BIN(it->second->pipeline.get()));
    return;
  }
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR) return;
  GError* error = nullptr;
  gst_message_parse_error(message, &error, nullptr);
  const std::string what = error ? error->message : "unknown error";
  g_clear_error(&error);
  end_publisher(id, "its pipeline failed: " + what);
}

HttpResponse Whip::end(const HttpRequest& request) {
  auto it = publishers_.find(route_param(request, "session"));
  if (it == publishers_.end() || it->second->app != route_param(request, "app"))
    return HttpResponse::error(404, "no_session", "no such WHIP session");
  end_publisher(it->first, "it said goodbye");
  return HttpResponse::json("{}", 200);
}

void Whip::end_publisher(const std::string& id, const std::string& why) {
  auto it = publishers_.find(id);
  if (it == publishers_.end()) return;
  auto publisher = it->second;
  publishers_.erase(it);
  if (publisher->keyframes) g_source_remove(publisher->keyframes);
  if (publisher->watchdog) g_source_remove(publisher->watchdog);
  if (publisher->bus_watch) g_source_remove(publisher->bus_watch);
  publisher->feed->deliver = nullptr;
  gst_element_set_state(publisher->pipeline.get(), GST_STATE_NULL);
  publisher->publish.reset();
  g_message("WHIP: '%s' stopped publishing (%s)", publisher->stream.c_str(), why.c_str());
}

void Whip::stop() {
  while (!publishers_.empty()) end_publisher(publishers_.begin()->first, "the server stops");
}

}  // namespace kek::webrtc
