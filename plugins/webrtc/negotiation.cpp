#define G_LOG_DOMAIN "kek-webrtc"
#include "negotiation.h"

#include "offer.h"

#include <kek/ref.h>
#include <kek/worker.h>

#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include <memory>
#include <mutex>
#include <vector>

namespace kek::webrtc {

namespace {

struct Negotiation {
  kek::Ref<GstElement> webrtc;
  std::function<void(kek::Result<std::string>)> done;  // main loop only
  std::mutex mutex;                     // candidates, gathered: written on webrtcbin's threads
  std::vector<std::string> candidates;
  bool finished = false;                // main loop only
  guint timer = 0;
  gulong on_candidate = 0, on_gathering = 0;
};
using NegotiationPtr = std::shared_ptr<Negotiation>;

// Holds the negotiation for a signal handler or promise; freed with it.
gpointer hold(const NegotiationPtr& n) { return new NegotiationPtr(n); }
void release(gpointer data, GClosure* = nullptr) { delete static_cast<NegotiationPtr*>(data); }
const NegotiationPtr& held(gpointer data) { return *static_cast<NegotiationPtr*>(data); }

// Main loop: the answer (with what was gathered) or an error, once.
void finish(const NegotiationPtr& n, kek::Result<std::string> result) {
  if (n->finished) return;
  n->finished = true;
  if (n->timer) g_source_remove(n->timer);
  n->timer = 0;
  g_signal_handler_disconnect(n->webrtc.get(), n->on_candidate);
  g_signal_handler_disconnect(n->webrtc.get(), n->on_gathering);
  if (result) {
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(n->webrtc.get(), "local-description", &local, nullptr);
    if (!local) {
      result = kek::Error{"webrtc: no local description after the answer", 500};
    } else {
      g_autofree char* text = gst_sdp_message_as_text(local->sdp);
      gst_webrtc_session_description_free(local);
      std::lock_guard lock(n->mutex);
      result = with_candidates(text ? text : "", n->candidates);
    }
  }
  auto done = std::move(n->done);
  done(std::move(result));
}

void finish_later(const NegotiationPtr& n, kek::Result<std::string> result) {
  kek::run_later(0, [n, result = std::move(result)]() mutable { finish(n, std::move(result)); });
}

std::string promise_error(GstPromise* promise, const char* what) {
  const GstStructure* reply = gst_promise_get_reply(promise);
  GError* error = nullptr;
  if (reply && gst_structure_has_field(reply, "error")) gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
  std::string message = std::string("webrtc: ") + what + (error ? std::string(": ") + error->message : "");
  g_clear_error(&error);
  return message;
}

void on_gathering_state(GstElement* webrtc, GParamSpec*, gpointer data) {
  GstWebRTCICEGatheringState state;
  g_object_get(webrtc, "ice-gathering-state", &state, nullptr);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) finish_later(held(data), std::string());
}

void on_ice_candidate(GstElement*, guint, gchar* candidate, gpointer data) {
  const auto& n = held(data);
  if (!candidate || !*candidate) return;  // the empty one webrtcbin sends at the end
  std::string line = candidate;
  if (line.rfind("a=", 0) == 0) line.erase(0, 2);
  std::lock_guard lock(n->mutex);
  n->candidates.push_back(std::move(line));
}

void on_answer_created(GstPromise* promise, gpointer data) {
  const auto& n = held(data);
  const GstStructure* reply = gst_promise_get_reply(promise);
  GstWebRTCSessionDescription* answer = nullptr;
  if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED && reply &&
      gst_structure_has_field(reply, "answer"))
    gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
  if (!answer) {
    finish_later(n, kek::Error{promise_error(promise, "cannot answer the offer"), 400});
    gst_promise_unref(promise);
    return;
  }
  gst_promise_unref(promise);
  g_signal_emit_by_name(n->webrtc.get(), "set-local-description", answer, nullptr);
  gst_webrtc_session_description_free(answer);
  GstWebRTCICEGatheringState state;
  g_object_get(n->webrtc.get(), "ice-gathering-state", &state, nullptr);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) finish_later(n, std::string());
}

void on_remote_set(GstPromise* promise, gpointer data) {
  const auto& n = held(data);
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (reply && gst_structure_has_field(reply, "error")) {
    finish_later(n, kek::Error{promise_error(promise, "the offer was refused"), 400});
    gst_promise_unref(promise);
    return;
  }
  gst_promise_unref(promise);
  GstPromise* next = gst_promise_new_with_change_func(on_answer_created, hold(n), [](gpointer d) { release(d); });
  g_signal_emit_by_name(n->webrtc.get(), "create-answer", nullptr, next);
}

}  // namespace

void answer_offer(GstElement* webrtcbin, const std::string& offer_sdp, int gather_timeout_ms,
                  std::function<void(kek::Result<std::string>)> done) {
  GstSDPMessage* sdp = nullptr;
  if (gst_sdp_message_new_from_text(offer_sdp.c_str(), &sdp) != GST_SDP_OK || !sdp) {
    if (sdp) gst_sdp_message_free(sdp);
    done(kek::Error{"the body is not an SDP offer", 400});
    return;
  }
  auto n = std::make_shared<Negotiation>();
  n->webrtc = kek::Ref<GstElement>::share(webrtcbin);
  n->done = std::move(done);
  n->on_candidate = g_signal_connect_data(webrtcbin, "on-ice-candidate", G_CALLBACK(on_ice_candidate), hold(n),
                                          release, GConnectFlags(0));
  n->on_gathering = g_signal_connect_data(webrtcbin, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state),
                                          hold(n), release, GConnectFlags(0));
  // Gathering host candidates takes milliseconds; a machine with many interfaces may be slower.
  n->timer = kek::run_later(static_cast<guint>(gather_timeout_ms), [weak = std::weak_ptr<Negotiation>(n)] {
    if (auto n = weak.lock()) {
      n->timer = 0;
      finish(n, std::string());
    }
  });
  GstWebRTCSessionDescription* offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  GstPromise* promise = gst_promise_new_with_change_func(on_remote_set, hold(n), [](gpointer d) { release(d); });
  g_signal_emit_by_name(webrtcbin, "set-remote-description", offer, promise);
  gst_webrtc_session_description_free(offer);
}

}  // namespace kek::webrtc
