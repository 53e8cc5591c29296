#include "kekthumbnailsink.h"

#include "decode_pool.h"
#include "demand.h"
#include "parameter_sets.h"

#include <kek/atomic_file.h>
#include <kek/mini_ref.h>
#include <kek/host.h>
#include <kek/services.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(kek_thumbnail_sink_debug);
#define GST_CAT_DEFAULT kek_thumbnail_sink_debug

namespace {

constexpr guint kDefaultInterval = 10;
constexpr guint kDefaultWidth = 320;
// At EOS the last pictures are written before the sink says it is done.
constexpr int kEosWaitMs = 5000;

using kek::thumbnails::DecodeJob;
using kek::thumbnails::DecodePool;
using kek::thumbnails::Picture;

struct Impl {
  // Properties, guarded by the object lock.
  std::string location;
  guint width = kDefaultWidth;
  std::atomic<guint64> interval_ns{kDefaultInterval * GST_SECOND};
  guint interval = kDefaultInterval;
  bool on_demand = false;

  // The pool: the plugin's (from the kek.services context), else one of our own (outside kek).
  kek::Services* services = nullptr;
  DecodePool* pool = nullptr;
  std::unique_ptr<DecodePool> own_pool;

  // Streaming thread (render and serialized events), reset on start.
  bool have_last = false;
  GstClockTime last = 0;  // running time of the last keyframe handed over
  kek::thumbnails::ParameterSets parameter_sets;
  bool byte_stream = true;
  kek::MiniRef<GstCaps> caps;  // the pad's, with alignment=au (what the decoder needs said)
  // on-demand with the plugin's board: when the picture was last asked for, and when (the same
  // monotonic clock) the last keyframe went to the pool. Empty: a picture every interval.
  kek::thumbnails::Demand::Slot asked;
  int64_t handed_us = 0;

  // Workers: warn once per failing spell, not at every picture.
  std::atomic<bool> write_failing{false};
};

}  // namespace

struct _KekThumbnailSink {
  GstBaseSink parent;
  Impl impl;  // constructed in init, destroyed in finalize
};

G_DEFINE_TYPE(KekThumbnailSink, kek_thumbnail_sink, GST_TYPE_BASE_SINK)
GST_ELEMENT_REGISTER_DEFINE(kekthumbnailsink, "kekthumbnailsink", GST_RANK_NONE, KEK_TYPE_THUMBNAIL_SINK)

enum { PROP_0, PROP_LOCATION, PROP_INTERVAL, PROP_WIDTH, PROP_ON_DEMAND };

// byte-stream from a tee behind h264parse, avc from one before MP4 or straight from flvdemux (a
// passthrough RTMP stream; its caps have no alignment field, each buffer is one access unit):
// both decode alike.
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-h264, stream-format = (string) byte-stream, alignment = (string) au; "
                    "video/x-h264, stream-format = (string) avc"));

namespace {

void post_written(KekThumbnailSink* self, const std::string& location, GstClockTime running_time, const Picture& p) {
  GstStructure* s = gst_structure_new(KEK_THUMBNAIL_WRITTEN_MESSAGE, "location", G_TYPE_STRING, location.c_str(),
                                      "running-time", G_TYPE_UINT64, static_cast<guint64>(running_time), "width",
                                      G_TYPE_INT, p.width, "height", G_TYPE_INT, p.height, nullptr);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

void warn_write(KekThumbnailSink* self, const std::string& reason) {
  // A WARNING, never an ERROR: a preview is not worth stopping a stream for.
  if (!self->impl.write_failing.exchange(true))
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("Could not write the thumbnail: %s", reason.c_str()), (nullptr));
  else
    GST_DEBUG_OBJECT(self, "still cannot write the thumbnail: %s", reason.c_str());
}

// A worker's picture: written atomically (the web server never serves half a picture), without
// an fsync (a picture lost in a crash is replaced in `interval` seconds).
void on_picture(KekThumbnailSink* self, GstClockTime running_time, kek::Result<Picture> picture) {
  if (!picture) {
    // A keyframe that does not decode alone (a non-IDR "keyframe", a broken one): the next one.
    GST_INFO_OBJECT(self, "no picture from the keyframe at %" GST_TIME_FORMAT ": %s", GST_TIME_ARGS(running_time),
                    picture.error().message.c_str());
    return;
  }
  GST_OBJECT_LOCK(self);
  const std::string location = self->impl.location;
  GST_OBJECT_UNLOCK(self);
  if (location.empty()) {
    warn_write(self, "no location set");
    return;
  }
  GstMapInfo map;
  if (!gst_buffer_map(picture->jpeg.get(), &map, GST_MAP_READ)) return;
  const int err = kek::replace_file_atomically(location, map.data, map.size);
  const size_t bytes = map.size;
  gst_buffer_unmap(picture->jpeg.get(), &map);
  if (err != 0) {
    warn_write(self, location + ": " + g_strerror(err));
    return;
  }
  if (self->impl.write_failing.exchange(false)) GST_INFO_OBJECT(self, "writing %s again", location.c_str());
  GST_DEBUG_OBJECT(self, "wrote %s (%zu bytes)", location.c_str(), bytes);
  post_written(self, location, running_time, *picture);
}

}  // namespace

static void kek_thumbnail_sink_set_context(GstElement* element, GstContext* context) {
  auto* self = KEK_THUMBNAIL_SINK(element);
  if (g_strcmp0(gst_context_get_context_type(context), kek::kServicesContextType) == 0) {
    const GstStructure* s = gst_context_get_structure(context);
    gpointer services = nullptr;
    if (gst_structure_get(s, kek::kServicesContextField, G_TYPE_POINTER, &services, nullptr))
      self->impl.services = static_cast<kek::Services*>(services);
  }
  GST_ELEMENT_CLASS(kek_thumbnail_sink_parent_class)->set_context(element, context);
}

static gboolean kek_thumbnail_sink_start(GstBaseSink* sink) {
  auto* self = KEK_THUMBNAIL_SINK(sink);
  Impl& impl = self->impl;
  impl.have_last = false;
  impl.last = 0;
  impl.parameter_sets.reset();
  impl.caps.reset();
  impl.write_failing = false;
  impl.pool = impl.services ? static_cast<DecodePool*>(impl.services->lookup(DecodePool::kName)) : nullptr;
  if (!impl.pool) {
    // Outside kek (gst-launch-1.0, a test): a pool of one decoder for this sink alone.
    if (!impl.own_pool) impl.own_pool = std::make_unique<DecodePool>(1);
    impl.pool = impl.own_pool.get();
  }
  // On demand, and a board to be asked through (kek's): after the first picture, only pictures
  // somebody asked for. Without a board (outside kek) nobody could ask: every interval.
  impl.asked.reset();
  impl.handed_us = 0;
  auto* demand = impl.services ? static_cast<kek::thumbnails::Demand*>(impl.services->lookup(kek::thumbnails::Demand::kName)) : nullptr;
  GST_OBJECT_LOCK(self);
  const bool on_demand = impl.on_demand;
  const std::string location = impl.location;
  GST_OBJECT_UNLOCK(self);
  if (on_demand && demand) impl.asked = demand->watch(location);
  return TRUE;
}

static gboolean kek_thumbnail_sink_stop(GstBaseSink* sink) {
  auto* self = KEK_THUMBNAIL_SINK(sink);
  // No callback of ours runs after this: a stopped stream writes no late picture.
  if (self->impl.pool) self->impl.pool->cancel(self);
  self->impl.pool = nullptr;
  self->impl.asked.reset();
  return TRUE;
}

static gboolean kek_thumbnail_sink_set_caps(GstBaseSink* sink, GstCaps* caps) {
  auto* self = KEK_THUMBNAIL_SINK(sink);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* format = s ? gst_structure_get_string(s, "stream-format") : nullptr;
  self->impl.byte_stream = !format || g_strcmp0(format, "byte-stream") == 0;
  // Each buffer is one access unit either way; flvdemux's avc caps just do not say so, and the
  // decoder (avdec_h264) takes only caps that do.
  GstCaps* told = gst_caps_copy(caps);
  gst_caps_set_simple(told, "alignment", G_TYPE_STRING, "au", nullptr);
  self->impl.caps = kek::MiniRef<GstCaps>::adopt(told);
  return TRUE;
}

// Upstream's thread: one keyframe per interval goes to the pool (on demand: the first, then one
// per interval while somebody asks), everything else is dropped here (a delta frame costs a flag
// test, a keyframe nobody asked for an atomic load). Nothing waits.
static GstFlowReturn kek_thumbnail_sink_render(GstBaseSink* sink, GstBuffer* buf) {
  auto* self = KEK_THUMBNAIL_SINK(sink);
  Impl& impl = self->impl;
  if (GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT)) return GST_FLOW_OK;
  const GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
  GstClockTime t = gst_segment_to_running_time(&sink->segment, GST_FORMAT_TIME, ts);
  // Untimed input still gets a picture per interval, by the wall clock.
  if (!GST_CLOCK_TIME_IS_VALID(t)) t = static_cast<GstClockTime>(g_get_monotonic_time()) * GST_USECOND;
  // Time going backwards (a new segment) counts as "long enough".
  if (impl.have_last && t >= impl.last && t - impl.last < impl.interval_ns.load()) return GST_FLOW_OK;
  // Nobody asked since the last picture: this keyframe stays undecoded (the next one asked for
  // goes at once, the interval since the last picture being over).
  if (impl.have_last && impl.asked && impl.asked->load(std::memory_order_relaxed) <= impl.handed_us) return GST_FLOW_OK;
  impl.have_last = true;
  impl.last = t;
  impl.handed_us = g_get_monotonic_time();
  if (!impl.caps || !impl.pool) return GST_FLOW_OK;
  DecodeJob job;
  job.caps = impl.caps;
  job.keyframe = impl.byte_stream ? impl.parameter_sets.complete(buf) : kek::MiniRef<GstBuffer>::share(buf);
  GST_OBJECT_LOCK(self);
  job.width = static_cast<int>(impl.width);
  GST_OBJECT_UNLOCK(self);
  job.done = [self, t](kek::Result<Picture> picture) { on_picture(self, t, std::move(picture)); };
  GST_LOG_OBJECT(self, "keyframe at %" GST_TIME_FORMAT " goes to the decode pool", GST_TIME_ARGS(t));
  impl.pool->submit(self, std::move(job));
  return GST_FLOW_OK;
}

static gboolean kek_thumbnail_sink_event(GstBaseSink* sink, GstEvent* event) {
  auto* self = KEK_THUMBNAIL_SINK(sink);
  Impl& impl = self->impl;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_STREAM_START:
      impl.have_last = false;  // a new stream: its first keyframe at once
      impl.parameter_sets.reset();
      break;
    case GST_EVENT_FLUSH_STOP:
      impl.have_last = false;
      break;
    case GST_EVENT_EOS:
      // The stream's last pictures are written before the sink reports its end (bounded: a
      // stuck decoder never holds a pipeline's EOS for long).
      if (impl.pool && !impl.pool->wait_idle(self, kEosWaitMs))
        GST_WARNING_OBJECT(self, "pictures still pending at EOS after %d ms", kEosWaitMs);
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS(kek_thumbnail_sink_parent_class)->event(sink, event);
}

static void kek_thumbnail_sink_init(KekThumbnailSink* self) {
  new (&self->impl) Impl();
  // Not synchronised and not prerolling: it must never hold a pipeline's state change or clock.
  gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
  gst_base_sink_set_async_enabled(GST_BASE_SINK(self), FALSE);
  gst_base_sink_set_last_sample_enabled(GST_BASE_SINK(self), FALSE);
  gst_base_sink_set_qos_enabled(GST_BASE_SINK(self), FALSE);
}

static void kek_thumbnail_sink_finalize(GObject* object) {
  auto* self = KEK_THUMBNAIL_SINK(object);
  if (self->impl.pool) self->impl.pool->cancel(self);
  self->impl.~Impl();  // an own pool stops its worker here
  G_OBJECT_CLASS(kek_thumbnail_sink_parent_class)->finalize(object);
}

static void kek_thumbnail_sink_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = KEK_THUMBNAIL_SINK(object);
  Impl& impl = self->impl;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_LOCATION: {
      const char* v = g_value_get_string(value);
      impl.location = v ? v : "";
      break;
    }
    case PROP_INTERVAL:
      impl.interval = g_value_get_uint(value);
      impl.interval_ns.store(static_cast<guint64>(impl.interval) * GST_SECOND);
      break;
    case PROP_WIDTH:
      impl.width = g_value_get_uint(value) & ~1u;  // even, for 4:2:0 JPEG
      break;
    case PROP_ON_DEMAND:
      impl.on_demand = g_value_get_boolean(value);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_thumbnail_sink_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = KEK_THUMBNAIL_SINK(object);
  const Impl& impl = self->impl;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_LOCATION: g_value_set_string(value, impl.location.c_str()); break;
    case PROP_INTERVAL: g_value_set_uint(value, impl.interval); break;
    case PROP_WIDTH: g_value_set_uint(value, impl.width); break;
    case PROP_ON_DEMAND: g_value_set_boolean(value, impl.on_demand); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_thumbnail_sink_class_init(KekThumbnailSinkClass* klass) {
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSinkClass* sink_class = GST_BASE_SINK_CLASS(klass);
  object_class->finalize = kek_thumbnail_sink_finalize;
  object_class->set_property = kek_thumbnail_sink_set_property;
  object_class->get_property = kek_thumbnail_sink_get_property;
  element_class->set_context = kek_thumbnail_sink_set_context;
  sink_class->start = kek_thumbnail_sink_start;
  sink_class->stop = kek_thumbnail_sink_stop;
  sink_class->set_caps = kek_thumbnail_sink_set_caps;
  sink_class->render = kek_thumbnail_sink_render;
  sink_class->event = kek_thumbnail_sink_event;

  constexpr auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      object_class, PROP_LOCATION,
      g_param_spec_string("location", "Location", "The JPEG file, replaced atomically at each new picture", "",
                          static_cast<GParamFlags>(flags | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property(
      object_class, PROP_INTERVAL,
      g_param_spec_uint("interval", "Interval",
                        "Seconds (running time) between pictures; the first keyframe is taken at once", 1, 86400,
                        kDefaultInterval, static_cast<GParamFlags>(flags | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property(
      object_class, PROP_WIDTH,
      g_param_spec_uint("width", "Width", "Picture width in pixels (even); the height keeps the display aspect", 16,
                        4096, kDefaultWidth, static_cast<GParamFlags>(flags | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      object_class, PROP_ON_DEMAND,
      g_param_spec_boolean("on-demand", "On demand",
                           "After the first picture, a picture per interval only while somebody asks for it "
                           "(through the thumbnails plugin's board, which kek's /api/live asks; outside kek "
                           "nobody can ask and this changes nothing)",
                           FALSE, static_cast<GParamFlags>(flags | GST_PARAM_MUTABLE_READY)));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(element_class, "KEK thumbnail sink", "Sink/Video",
                                        "A JPEG of one H.264 keyframe per interval, decoded by a shared pool and "
                                        "written atomically",
                                        "KEK");
  GST_DEBUG_CATEGORY_INIT(kek_thumbnail_sink_debug, "kekthumbnailsink", 0, "KEK thumbnail sink");
}
