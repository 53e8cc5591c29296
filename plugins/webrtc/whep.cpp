#define G_LOG_DOMAIN "kek-webrtc"
#include "whep.h"

#include "access.h"
#include "negotiation.h"
#include "offer.h"
#include "sdp_http.h"

#include <kek/random.h>
#include <kek/ref.h>
#include <kek/services/live_streams.h>
#include <kek/services_context.h>
#include <kek/worker.h>

#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

namespace kek::webrtc {

struct Whep::Viewer {
  std::string id;
  kek::Ref<GstElement> bin;
  GstElement* webrtc = nullptr;  // inside bin
  GstPad* video_sink = nullptr;  // the bin's ghost pads, linked to the tees once answered
  GstPad* audio_sink = nullptr;
  GstPad* video_tee_pad = nullptr;  // requested from the tees (owned), released at the end
  GstPad* audio_tee_pad = nullptr;
  guint connect_timer = 0;
  gulong state_handler = 0;
};

struct Whep::Hub {
  std::string app, stream;
  kek::Ref<GstElement> pipeline;
  GstElement* video_tee = nullptr;  // owned by the pipeline
  GstElement* audio_tee = nullptr;
  guint bus_watch = 0;
  std::map<std::string, std::shared_ptr<Viewer>> viewers;
};

namespace {


// The shared part: H.264 as published, and Opus made once from the AAC. The source's stream is
// set as a property, never spliced into the text.
std::string hub_launch(bool video, bool audio, int opus_bitrate) {
  std::string line = "kekrtmpsrc name=src ! flvdemux name=demux ";
  if (video) line += "demux.video ! h264parse ! tee name=vt allow-not-linked=true ";
  if (audio)
    line += "demux.audio ! aacparse ! avdec_aac ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! "
            "opusenc bitrate=" + std::to_string(opus_bitrate) + " ! tee name=at allow-not-linked=true ";
  return line;
}

// One viewer: a leaky queue per track, the payloader with the viewer's payload type, the
// webrtcbin. Its sink pads are named after the offer's m-lines, so each transceiver answers the
// m-line of its kind.
std::string viewer_launch(int video_pt, int video_mline, int audio_pt, int audio_mline) {
  const std::string queue = "queue leaky=downstream max-size-buffers=0 max-size-bytes=0 max-size-time=1000000000";
  std::string line = "webrtcbin name=webrtc bundle-policy=max-bundle ";
  if (video_pt >= 0)
    line += queue + " name=vq ! rtph264pay pt=" + std::to_string(video_pt) +
            " config-interval=-1 aggregate-mode=zero-latency ! webrtc.sink_" + std::to_string(video_mline) + " ";
  if (audio_pt >= 0)
    line += queue + " name=aq ! rtpopuspay pt=" + std::to_string(audio_pt) + " ! webrtc.sink_" +
            std::to_string(audio_mline) + " ";
  return line;
}

// The transceiver of a sink pad sends only, the codec the offer chose.
void prefer(GstElement* webrtc, int mline, const char* caps_text) {
  const std::string name = "sink_" + std::to_string(mline);
  g_autoptr(GstPad) pad = gst_element_get_static_pad(webrtc, name.c_str());
  if (!pad) return;
  GstWebRTCRTPTransceiver* transceiver = nullptr;
  g_object_get(pad, "transceiver", &transceiver, nullptr);
  if (!transceiver) return;
  g_autoptr(GstCaps) caps = gst_caps_from_string(caps_text);
  g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps,
               nullptr);
  gst_object_unref(transceiver);
}

GstPad* ghost(GstElement* bin, const char* queue_name, const char* pad_name) {
  g_autoptr(GstElement) queue = gst_bin_get_by_name(GST_BIN(bin), queue_name);
  if (!queue) return nullptr;
  g_autoptr(GstPad) target = gst_element_get_static_pad(queue, "sink");
  GstPad* pad = gst_ghost_pad_new(pad_name, target);
  gst_element_add_pad(bin, pad);  // the bin owns it
  return pad;
}

}  // namespace

Whep::~Whep() { stop(); }

std::shared_ptr<Whep::Hub> Whep::hub_for(const std::string& stream, bool video, bool audio) {
  if (auto it = hubs_.find(stream); it != hubs_.end()) return it->second;
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(hub_launch(video, audio, settings_.opus_bitrate).c_str(), &error);
  if (!pipeline) {
    g_warning("WHEP: cannot make the pipeline of '%s': %s", stream.c_str(), error ? error->message : "?");
    g_clear_error(&error);
    return nullptr;
  }
  g_clear_error(&error);
  auto hub = std::make_shared<Hub>();
  hub->stream = stream;
  hub->pipeline = kek::Ref<GstElement>::adopt(GST_ELEMENT(gst_object_ref_sink(pipeline)));
  {
    g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    g_object_set(src, "stream", stream.c_str(), nullptr);
  }
  if (video) {
    hub->video_tee = gst_bin_get_by_name(GST_BIN(pipeline), "vt");
    gst_object_unref(hub->video_tee);  // the pipeline keeps it
  }
  if (audio) {
    hub->audio_tee = gst_bin_get_by_name(GST_BIN(pipeline), "at");
    gst_object_unref(hub->audio_tee);
  }
  kek::give_services(pipeline, host_.services());
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  struct Watch {
    std::weak_ptr<Whep> whep;
    std::weak_ptr<Hub> hub;
  };
  hub->bus_watch = gst_bus_add_watch_full(
      bus, G_PRIORITY_DEFAULT,
      [](GstBus*, GstMessage* message, gpointer data) -> gboolean {
        auto* w = static_cast<Watch*>(data);
        auto whep = w->whep.lock();
        auto hub = w->hub.lock();
        if (whep && hub) whep->on_bus(hub, message);
        return G_SOURCE_CONTINUE;
      },
      new Watch{weak_from_this(), hub}, [](gpointer data) { delete static_cast<Watch*>(data); });
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_source_remove(hub->bus_watch);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    g_warning("WHEP: the pipeline of '%s' did not start", stream.c_str());
    return nullptr;
  }
  hubs_[stream] = hub;
  g_message("WHEP: stream '%s' plays to WebRTC viewers (video %s, audio %s)", stream.c_str(), video ? "H.264" : "none",
            audio ? "Opus from AAC" : "none");
  return hub;
}

void Whep::on_bus(const std::shared_ptr<Hub>& hub, GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_LATENCY: gst_bin_recalculate_latency(GST_BIN(hub->pipeline.get())); return;
    case GST_MESSAGE_ERROR: break;
    case GST_MESSAGE_EOS: end_hub(hub->stream, "the stream ended"); return;
    default: return;
  }
  GError* error = nullptr;
  gst_message_parse_error(message, &error, nullptr);
  const std::string what = error ? error->message : "unknown error";
  g_clear_error(&error);
  // A viewer's own failure (its DTLS, its ICE) ends that viewer only.
  for (const auto& [id, viewer] : hub->viewers) {
    if (gst_object_has_as_ancestor(GST_MESSAGE_SRC(message), GST_OBJECT(viewer->bin.get()))) {
      g_message("WHEP: a viewer of '%s' failed: %s", hub->stream.c_str(), what.c_str());
      end_viewer(hub, std::string(id), "its connection failed");
      return;
    }
  }
  g_warning("WHEP: the pipeline of '%s' failed: %s", hub->stream.c_str(), what.c_str());
  end_hub(hub->stream, "the pipeline failed");
}

void Whep::offer(const HttpRequest& request, HttpResponder respond) {
  const std::string& stream = route_param(request, "stream");
  auto* streams = host_.services().get<kek::LiveStreams>();
  auto live = streams ? streams->find(stream) : std::nullopt;
  if (!live || (!live->has_video && !live->has_audio))
    return respond(HttpResponse::error(404, "not_live", "no such live stream"));
  if (auto refused = refuse_viewer(host_, request, live->media_prefix())) return respond(std::move(*refused));
  if (auto refused = refuse_offer_request(request)) return respond(std::move(*refused));
  auto codecs = read_offer(request.body);
  if (!codecs) return respond(HttpResponse::from(codecs.error()));
  const int video_pt = live->has_video ? codecs->h264_pt : -1;
  const int audio_pt = live->has_audio ? codecs->opus_pt : -1;
  if (video_pt < 0 && audio_pt < 0)
    return respond(HttpResponse::error(400, "codecs_not_offered", "the offer takes none of the stream's codecs (H.264, Opus)"));
  if (auto it = hubs_.find(stream); it != hubs_.end() &&
                                    it->second->viewers.size() >= static_cast<size_t>(settings_.max_viewers_per_stream)) {
    HttpResponse busy = HttpResponse::error(503, "too_many_viewers", "this stream has as many real-time viewers as it may");
    busy.headers.emplace_back("Retry-After", "10");
    return respond(std::move(busy));
  }
  auto hub = hub_for(stream, live->has_video, live->has_audio);
  if (!hub) return respond(HttpResponse::error(500, "webrtc_unavailable", "the stream cannot be played over WebRTC now"));
  hub->app = live->app;

  GError* error = nullptr;
  GstElement* bin = gst_parse_bin_from_description(
      viewer_launch(video_pt, codecs->video_mline, audio_pt, codecs->audio_mline).c_str(), FALSE, &error);
  if (!bin) {
    g_warning("WHEP: cannot make a viewer: %s", error ? error->message : "?");
    g_clear_error(&error);
    if (hub->viewers.empty()) end_hub(stream, "no viewer");
    return respond(HttpResponse::error(500, "webrtc_unavailable", "the stream cannot be played over WebRTC now"));
  }
  g_clear_error(&error);
  auto viewer = std::make_shared<Viewer>();
  viewer->id = kek::random_token(16);
  viewer->bin = kek::Ref<GstElement>::share(bin);
  viewer->webrtc = gst_bin_get_by_name(GST_BIN(bin), "webrtc");
  gst_object_unref(viewer->webrtc);  // the bin keeps it
  if (video_pt >= 0) {
    prefer(viewer->webrtc, codecs->video_mline,
           ("application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=" + std::to_string(video_pt)).c_str());
    viewer->video_sink = ghost(bin, "vq", "video");
  }
  if (audio_pt >= 0) {
    prefer(viewer->webrtc, codecs->audio_mline,
           ("application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=" + std::to_string(audio_pt)).c_str());
    viewer->audio_sink = ghost(bin, "aq", "audio");
  }
  gst_bin_add(GST_BIN(hub->pipeline.get()), bin);
  hub->viewers[viewer->id] = viewer;
  gst_element_sync_state_with_parent(bin);

  // The peer's connection state, from webrtcbin's thread to the main loop.
  struct Who {
    std::weak_ptr<Whep> whep;
    std::string stream, id;
  };
  viewer->state_handler = g_signal_connect_data(
      viewer->webrtc, "notify::connection-state",
      G_CALLBACK(+[](GstElement* webrtc, GParamSpec*, gpointer data) {
        GstWebRTCPeerConnectionState state;
        g_object_get(webrtc, "connection-state", &state, nullptr);
        auto who = *static_cast<Who*>(data);
        kek::run_later(0, [who, state] {
          auto whep = who.whep.lock();
          if (!whep) return;
          auto hub = whep->hubs_.find(who.stream);
          if (hub == whep->hubs_.end()) return;
          auto viewer = hub->second->viewers.find(who.id);
          if (viewer == hub->second->viewers.end()) return;
          if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && viewer->second->connect_timer) {
            g_source_remove(viewer->second->connect_timer);
            viewer->second->connect_timer = 0;
          } else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED ||
                     state == GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED) {
            whep->end_viewer(hub->second, who.id, "its connection closed");
          }
        });
      }),
      new Who{weak_from_this(), stream, viewer->id}, [](gpointer data, GClosure*) { delete static_cast<Who*>(data); },
      GConnectFlags(0));
  viewer->connect_timer = kek::run_later(static_cast<guint>(settings_.connect_timeout_s) * 1000,
                                         [weak = weak_from_this(), stream, id = viewer->id] {
    auto whep = weak.lock();
    if (!whep) return;
    auto hub = whep->hubs_.find(stream);
    if (hub == whep->hubs_.end()) return;
    auto viewer = hub->second->viewers.find(id);
    if (viewer == hub->second->viewers.end()) return;
    viewer->second->connect_timer = 0;
    whep->end_viewer(hub->second, id, "it never connected");
  });

  const std::string location = "/api/whep/" + stream + "/" + viewer->id;
  OfferCodecs sent = *codecs;
  sent.h264_pt = video_pt;
  sent.opus_pt = audio_pt;
  answer_offer(viewer->webrtc, keep_only_ours(request.body, sent), settings_.gather_timeout_ms,
               [weak = weak_from_this(), stream, id = viewer->id, location, respond](kek::Result<std::string> answer) {
    auto whep = weak.lock();
    auto hub = whep ? whep->hubs_.find(stream) : decltype(whep->hubs_.find(stream)){};
    if (!whep || hub == whep->hubs_.end() || !hub->second->viewers.count(id))
      return respond(HttpResponse::error(503, "stream_ended", "the stream ended"));
    auto& viewer = hub->second->viewers.at(id);
    if (!answer) {
      g_message("WHEP: an offer for '%s' was not answered: %s", stream.c_str(), answer.error().message.c_str());
      whep->end_viewer(hub->second, id, "its offer was not answered");
      return respond(HttpResponse::from(answer.error()));
    }
    // Media flows to the viewer from now on (its queues drop what the peer cannot take yet).
    if (viewer->video_sink) {
      viewer->video_tee_pad = gst_element_request_pad_simple(hub->second->video_tee, "src_%u");
      gst_pad_link(viewer->video_tee_pad, viewer->video_sink);
    }
    if (viewer->audio_sink) {
      viewer->audio_tee_pad = gst_element_request_pad_simple(hub->second->audio_tee, "src_%u");
      gst_pad_link(viewer->audio_tee_pad, viewer->audio_sink);
    }
    g_message("WHEP: a viewer joined '%s' (%zu watching)", stream.c_str(), hub->second->viewers.size());
    respond(sdp_created(std::move(*answer), location));
  });
}

HttpResponse Whep::end(const HttpRequest& request) {
  auto hub = hubs_.find(route_param(request, "stream"));
  const std::string& id = route_param(request, "session");
  if (hub == hubs_.end() || !hub->second->viewers.count(id))
    return HttpResponse::error(404, "no_session", "no such WHEP session");
  end_viewer(hub->second, id, "it said goodbye");
  return HttpResponse::json("{}", 200);
}

void Whep::end_viewer(const std::shared_ptr<Hub>& hub, const std::string& id, const char* why) {
  auto it = hub->viewers.find(id);
  if (it == hub->viewers.end()) return;
  auto viewer = it->second;
  hub->viewers.erase(it);
  if (viewer->connect_timer) g_source_remove(viewer->connect_timer);
  if (viewer->state_handler) g_signal_handler_disconnect(viewer->webrtc, viewer->state_handler);
  for (auto [tee, pad] : {std::pair{hub->video_tee, viewer->video_tee_pad}, std::pair{hub->audio_tee, viewer->audio_tee_pad}}) {
    if (!pad) continue;
    gst_element_release_request_pad(tee, pad);
    gst_object_unref(pad);
  }
  gst_element_set_state(viewer->bin.get(), GST_STATE_NULL);
  gst_bin_remove(GST_BIN(hub->pipeline.get()), viewer->bin.get());
  g_message("WHEP: a viewer of '%s' left (%s; %zu watching)", hub->stream.c_str(), why, hub->viewers.size());
  if (hub->viewers.empty()) end_hub(hub->stream, "no viewer left");
}

void Whep::end_hub(const std::string& stream, const char* why) {
  auto it = hubs_.find(stream);
  if (it == hubs_.end()) return;
  auto hub = it->second;
  hubs_.erase(it);
  while (!hub->viewers.empty()) {
    auto id = hub->viewers.begin()->first;
    auto viewer = hub->viewers.begin()->second;
    hub->viewers.erase(hub->viewers.begin());
    if (viewer->connect_timer) g_source_remove(viewer->connect_timer);
    if (viewer->state_handler) g_signal_handler_disconnect(viewer->webrtc, viewer->state_handler);
    for (auto* pad : {viewer->video_tee_pad, viewer->audio_tee_pad})
      if (pad) gst_object_unref(pad);
  }
  if (hub->bus_watch) g_source_remove(hub->bus_watch);
  gst_element_set_state(hub->pipeline.get(), GST_STATE_NULL);
  g_message("WHEP: stream '%s' stops playing to WebRTC viewers (%s)", stream.c_str(), why);
}

void Whep::stream_ended(const std::string&, const std::string& stream) { end_hub(stream, "the stream ended"); }

void Whep::stop() {
  while (!hubs_.empty()) end_hub(hubs_.begin()->first, "the server stops");
}

}  // namespace kek::webrtc
