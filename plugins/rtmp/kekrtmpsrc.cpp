#include "kekrtmpsrc.h"

#include "push_pool.h"
#include "stream_registry.h"

#include <kek/host.h>
#include <kek/ref.h>
#include <kek/services.h>
#include <kek/stream_seam.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <mutex>
#include <new>
#include <string>

GST_DEBUG_CATEGORY_STATIC(kek_rtmp_src_debug);
#define GST_CAT_DEFAULT kek_rtmp_src_debug

// A live source with no thread of its own: the registry hands it FLV tags (on the PushPool
// worker that read them from the publisher's socket, or on the main loop for the cached GOP a
// starting pipeline gets, or on SRT's and WHIP's threads); it keeps them in order with the
// stream's events and pushes them on that same worker once its reads are done (PushPool::
// defer), else from a pool job, through the whole passthrough line. At most one worker pushes a given
// stream at a time, under the pad's stream lock, so stopping waits for a push in flight.

namespace {

constexpr size_t kMaxQueuedBytes = 64 * 1024 * 1024;

// What waits to be pushed, in order: FLV tags (GstBuffer) and serialized events (the seam, EOS).
struct Pending {
  std::deque<GstMiniObject*> items;
  size_t bytes = 0;
  void clear() {
    for (GstMiniObject* o : items) gst_mini_object_unref(o);
    items.clear();
    bytes = 0;
  }
  void swap(Pending& other) {
    items.swap(other.items);
    std::swap(bytes, other.bytes);
  }
  Pending() = default;
  Pending(const Pending&) = delete;
  Pending& operator=(const Pending&) = delete;
  ~Pending() { clear(); }
};

struct Receiver : kek::rtmp::TagSink {
  KekRtmpSrc* self = nullptr;
  void push_tag(GstBuffer* tag) override;
  void end_of_stream() override;
  void seam() override;
};

struct Impl {
  std::string stream;
  kek::Services* services = nullptr;
  kek::rtmp::StreamRegistry* attached_to = nullptr;
  kek::rtmp::PushPool* pool = nullptr;
  Receiver receiver;
  GstPad* srcpad = nullptr;  // owned by the element

  std::mutex mutex;  // guards what follows (never held while pushing)
  Pending pending;
  bool flushing = true;   // not started, or stopping: tags are dropped
  bool playing = false;   // a live source pushes in PLAYING only
  bool scheduled = false; // a pool job for this element is queued or running
  // Streaming-thread state (under the pad's stream lock).
  bool started = false;   // stream-start, caps and segment went out
  bool done = false;      // EOS went out, or downstream failed: nothing more is pushed
};

}  // namespace

struct _KekRtmpSrc {
  GstElement parent;
  Impl impl;  // constructed in init, destroyed in finalize
};

G_DEFINE_TYPE(KekRtmpSrc, kek_rtmp_src, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(kekrtmpsrc, "kekrtmpsrc", GST_RANK_NONE, KEK_TYPE_RTMP_SRC)

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-flv"));

static void drain(KekRtmpSrc* self);

// With impl.mutex held: have a worker push what is pending.
static void schedule_locked(KekRtmpSrc* self) {
  Impl& impl = self->impl;
  if (impl.flushing || !impl.playing || impl.pending.items.empty() || !impl.pool) return;
  if (impl.scheduled) return;
  impl.scheduled = true;
  // On the worker that read these tags from the socket: pushed there once its reads are done;
  // from anywhere else (the main loop, SRT, WHIP): one job on the pool.
  std::function<void()> job = [ref = kek::Ref<KekRtmpSrc>::share(self)] { drain(ref.get()); };
  if (!kek::rtmp::PushPool::defer(job)) impl.pool->run(std::move(job));
}

static void enqueue(KekRtmpSrc* self, GstMiniObject* item) {
  Impl& impl = self->impl;
  std::lock_guard lock(impl.mutex);
  if (impl.flushing) {
    gst_mini_object_unref(item);
    return;
  }
  impl.pending.items.push_back(item);
  if (GST_IS_BUFFER(item)) impl.pending.bytes += gst_buffer_get_size(GST_BUFFER_CAST(item));
  // A pipeline that falls behind (or is stuck) drops its oldest tags instead of growing
  // without bound; events stay, they are what keeps the stream well-formed.
  while (impl.pending.bytes > kMaxQueuedBytes) {
    auto oldest = std::find_if(impl.pending.items.begin(), impl.pending.items.end(),
                               [](GstMiniObject* o) { return GST_IS_BUFFER(o); });
    if (oldest == impl.pending.items.end()) break;
    impl.pending.bytes -= gst_buffer_get_size(GST_BUFFER_CAST(*oldest));
    gst_mini_object_unref(*oldest);
    impl.pending.items.erase(oldest);
  }
  schedule_locked(self);
}

void Receiver::push_tag(GstBuffer* tag) { enqueue(self, GST_MINI_OBJECT_CAST(tag)); }
void Receiver::end_of_stream() { enqueue(self, GST_MINI_OBJECT_CAST(gst_event_new_eos())); }
// In order with the tags: the seam lands exactly between the old publisher's last tag and the
// new one's first.
void Receiver::seam() { enqueue(self, GST_MINI_OBJECT_CAST(kek::new_stream_seam_event())); }

static void push_start_events(KekRtmpSrc* self) {
  GstPad* pad = self->impl.srcpad;
  g_autofree char* id = gst_pad_create_stream_id(pad, GST_ELEMENT(self), nullptr);
  GstEvent* start = gst_event_new_stream_start(id);
  gst_event_set_group_id(start, gst_util_group_id_next());
  gst_pad_push_event(pad, start);
  g_autoptr(GstCaps) caps = gst_caps_new_empty_simple("video/x-flv");
  gst_pad_push_event(pad, gst_event_new_caps(caps));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_BYTES);
  gst_pad_push_event(pad, gst_event_new_segment(&segment));
}

// Consecutive tags go down as one buffer of several memories (flvdemux reads through an
// adapter, so tag boundaries need not match buffer boundaries): fewer pushes per batch.
static GstBuffer* take_run(std::deque<GstMiniObject*>& items) {
  GstBuffer* run = GST_BUFFER_CAST(items.front());
  items.pop_front();
  const guint max_memory = gst_buffer_get_max_memory();
  while (!items.empty() && GST_IS_BUFFER(items.front()) &&
         gst_buffer_n_memory(run) + gst_buffer_n_memory(GST_BUFFER_CAST(items.front())) <= max_memory) {
    run = gst_buffer_append(run, GST_BUFFER_CAST(items.front()));
    items.pop_front();
  }
  return run;
}

// On a pool worker: push everything pending, then hand the worker back (again later if more
// came meanwhile, behind the other streams' jobs).
static void drain(KekRtmpSrc* self) {
  Impl& impl = self->impl;
  GstPad* pad = impl.srcpad;
  GST_PAD_STREAM_LOCK(pad);
  Pending batch;
  {
    std::lock_guard lock(impl.mutex);
    if (!impl.flushing && impl.playing) batch.swap(impl.pending);
  }
  if (!batch.items.empty() && !impl.done && !impl.started) {
    push_start_events(self);
    impl.started = true;
  }
  while (!batch.items.empty() && !impl.done) {
    if (GST_IS_EVENT(batch.items.front())) {
      GstEvent* event = GST_EVENT_CAST(batch.items.front());
      batch.items.pop_front();
      const bool eos = GST_EVENT_TYPE(event) == GST_EVENT_EOS;
      gst_pad_push_event(pad, event);
      if (eos) impl.done = true;
      continue;
    }
    const GstFlowReturn ret = gst_pad_push(pad, take_run(batch.items));
    if (ret == GST_FLOW_OK) continue;
    if (ret == GST_FLOW_FLUSHING) break;  // stopping
    // Like any GStreamer source: downstream ended, or failed (not linked, an error: the
    // pipeline is told); either way the stream ends here.
    if (ret < GST_FLOW_EOS) GST_ELEMENT_FLOW_ERROR(self, ret);
    gst_pad_push_event(pad, gst_event_new_eos());
    impl.done = true;
  }
  {
    std::lock_guard lock(impl.mutex);
    if (impl.done) impl.pending.clear();
    impl.scheduled = false;
    schedule_locked(self);  // what arrived meanwhile: queued behind the other streams' jobs
  }
  GST_PAD_STREAM_UNLOCK(pad);
}

static gboolean src_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_LATENCY:
      // Live, and it adds no latency of its own: tags go down as they arrive.
      gst_query_set_latency(query, TRUE, 0, GST_CLOCK_TIME_NONE);
      return TRUE;
    case GST_QUERY_SCHEDULING:
      gst_query_set_scheduling(query, GST_SCHEDULING_FLAG_SEQUENTIAL, 1, -1, 0);
      gst_query_add_scheduling_mode(query, GST_PAD_MODE_PUSH);
      return TRUE;
    default:
      return gst_pad_query_default(pad, parent, query);
  }
}

static void kek_rtmp_src_init(KekRtmpSrc* self) {
  new (&self->impl) Impl();
  self->impl.receiver.self = self;
  GstPad* pad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_set_query_function(pad, src_query);
  gst_pad_use_fixed_caps(pad);
  gst_element_add_pad(GST_ELEMENT(self), pad);
  self->impl.srcpad = pad;
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
}

static void kek_rtmp_src_finalize(GObject* object) {
  KEK_RTMP_SRC(object)->impl.~Impl();
  G_OBJECT_CLASS(kek_rtmp_src_parent_class)->finalize(object);
}

enum { PROP_0, PROP_STREAM };

static void kek_rtmp_src_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = KEK_RTMP_SRC(object);
  if (id == PROP_STREAM) {
    GST_OBJECT_LOCK(self);
    const char* s = g_value_get_string(value);
    self->impl.stream = s ? s : "";
    GST_OBJECT_UNLOCK(self);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void kek_rtmp_src_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = KEK_RTMP_SRC(object);
  if (id == PROP_STREAM) {
    GST_OBJECT_LOCK(self);
    g_value_set_string(value, self->impl.stream.c_str());
    GST_OBJECT_UNLOCK(self);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void kek_rtmp_src_set_context(GstElement* element, GstContext* context) {
  auto* self = KEK_RTMP_SRC(element);
  if (g_strcmp0(gst_context_get_context_type(context), kek::kServicesContextType) == 0) {
    const GstStructure* s = gst_context_get_structure(context);
    gpointer services = nullptr;
    if (gst_structure_get(s, kek::kServicesContextField, G_TYPE_POINTER, &services, nullptr))
      self->impl.services = static_cast<kek::Services*>(services);
  }
  GST_ELEMENT_CLASS(kek_rtmp_src_parent_class)->set_context(element, context);
}

static bool attach(KekRtmpSrc* self) {
  Impl& impl = self->impl;
  if (!impl.services) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("kekrtmpsrc only works inside kek (kek serve or kek launch)"),
                      ("no %s context was set on the pipeline", kek::kServicesContextType));
    return false;
  }
  auto* registry = static_cast<kek::rtmp::StreamRegistry*>(impl.services->lookup(kek::rtmp::StreamRegistry::kName));
  auto* pool = static_cast<kek::rtmp::PushPool*>(impl.services->lookup(kek::rtmp::PushPool::kName));
  if (!registry || !pool) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("the rtmp plugin is not loaded"), (nullptr));
    return false;
  }
  {
    std::lock_guard lock(impl.mutex);
    impl.pool = pool;
    impl.flushing = false;
  }
  if (!registry->attach(impl.stream, &impl.receiver)) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("stream '%s' is not being published", impl.stream.c_str()),
                      (nullptr));
    return false;
  }
  impl.attached_to = registry;
  GST_INFO_OBJECT(self, "receiving stream %s", impl.stream.c_str());
  return true;
}

static void set_playing(KekRtmpSrc* self, bool playing) {
  std::lock_guard lock(self->impl.mutex);
  self->impl.playing = playing;
  schedule_locked(self);
}

static void stop(KekRtmpSrc* self) {
  Impl& impl = self->impl;
  if (impl.attached_to) impl.attached_to->detach(impl.stream, &impl.receiver);  // no more tags
  impl.attached_to = nullptr;
  {
    std::lock_guard lock(impl.mutex);
    impl.flushing = true;
    impl.pending.clear();
  }
  // Waits for a push in flight (downstream is already flushing, so it returns soon); a queued
  // job finds the element flushing and does nothing.
  GST_PAD_STREAM_LOCK(impl.srcpad);
  impl.started = false;
  impl.done = false;
  GST_PAD_STREAM_UNLOCK(impl.srcpad);
}

static GstStateChangeReturn kek_rtmp_src_change_state(GstElement* element, GstStateChange transition) {
  auto* self = KEK_RTMP_SRC(element);
  if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED) set_playing(self, false);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) stop(self);
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(kek_rtmp_src_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      // Pads are active now: tags may queue (the header tags and the cached GOP come at once).
      if (!attach(self)) {
        stop(self);
        return GST_STATE_CHANGE_FAILURE;
      }
      return GST_STATE_CHANGE_NO_PREROLL;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      set_playing(self, true);
      return ret;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      return GST_STATE_CHANGE_NO_PREROLL;  // a live source has nothing to preroll
    default:
      return ret;
  }
}

static void kek_rtmp_src_class_init(KekRtmpSrcClass* klass) {
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  object_class->finalize = kek_rtmp_src_finalize;
  object_class->set_property = kek_rtmp_src_set_property;
  object_class->get_property = kek_rtmp_src_get_property;
  g_object_class_install_property(
      object_class, PROP_STREAM,
      g_param_spec_string("stream", "Stream", "Public name of the published stream (media/live/<stream>/)", "",
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   GST_PARAM_MUTABLE_READY)));
  element_class->set_context = kek_rtmp_src_set_context;
  element_class->change_state = kek_rtmp_src_change_state;
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "KEK RTMP source", "Source/Network",
                                        "The FLV stream of a publish to KEK's RTMP server", "KEK");
  GST_DEBUG_CATEGORY_INIT(kek_rtmp_src_debug, "kekrtmpsrc", 0, "KEK RTMP source");
}
