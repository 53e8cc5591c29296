#include "kekthumbnailsink.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <new>
#include <string>

GST_DEBUG_CATEGORY_STATIC(kek_thumbnail_sink_debug);
#define GST_CAT_DEFAULT kek_thumbnail_sink_debug

namespace {

constexpr guint kDefaultInterval = 10;
constexpr guint kDefaultWidth = 320;
constexpr int kJpegQuality = 80;

}  // namespace

// ---------------------------------------------------------------------------------------------
// The gate: a private element (no factory) in front of the decoder. It drops every delta frame
// and every keyframe closer than `interval` to the last one it let through, at the pad, on the
// upstream thread: nothing is copied or queued for them. It never hands a flow error upstream:
// a broken decode branch is flushed and tried again at the next keyframe instead.

G_DECLARE_FINAL_TYPE(KekThumbnailGate, kek_thumbnail_gate, KEK, THUMBNAIL_GATE, GstElement)

struct _KekThumbnailGate {
  GstElement parent;
  GstPad* sinkpad;  // owned by the element
  GstPad* srcpad;
  std::atomic<guint64> interval_ns;
  // Streaming-thread state (chain and serialized events), reset on READY<->PAUSED.
  GstSegment segment;                 // as upstream sent it: running time of each keyframe
  GstEvent* segment_event;            // what went downstream, kept to resend after a reset
  bool have_last;
  GstClockTime last;                  // running time of the last keyframe let through
  bool broken;                        // downstream returned an error: flush it first
};

G_DEFINE_TYPE(KekThumbnailGate, kek_thumbnail_gate, GST_TYPE_ELEMENT)

// byte-stream from a tee before the HLS muxers, avc from one before MP4: both decode alike.
#define KEK_THUMBNAIL_CAPS "video/x-h264, stream-format = (string) { avc, byte-stream }, alignment = (string) au"

static GstStaticPadTemplate gate_sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(KEK_THUMBNAIL_CAPS));
static GstStaticPadTemplate gate_src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

namespace {

void gate_reset_state(KekThumbnailGate* gate) {
  gst_segment_init(&gate->segment, GST_FORMAT_TIME);
  gst_clear_event(&gate->segment_event);
  gate->have_last = false;
  gate->last = 0;
  gate->broken = false;
}

// After a flow error the decode branch (its queue's task) stays stopped; a flush restarts it.
// The flush also drops the segment downstream, so it is sent again.
void gate_reset_downstream(KekThumbnailGate* gate) {
  GST_INFO_OBJECT(gate, "flushing the thumbnail branch after an error");
  gst_pad_push_event(gate->srcpad, gst_event_new_flush_start());
  // reset_time=FALSE: a reset-time message would make the pipeline move its start time.
  gst_pad_push_event(gate->srcpad, gst_event_new_flush_stop(FALSE));
  if (gate->segment_event) gst_pad_push_event(gate->srcpad, gst_event_ref(gate->segment_event));
  gate->broken = false;
}

GstFlowReturn gate_chain(GstPad*, GstObject* parent, GstBuffer* buf) {
  auto* gate = KEK_THUMBNAIL_GATE(parent);
  if (GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT)) {
    gst_buffer_unref(buf);
    return GST_FLOW_OK;
  }
  const GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
  GstClockTime t = gst_segment_to_running_time(&gate->segment, GST_FORMAT_TIME, ts);
  // Untimed input still gets a picture per interval, by the wall clock.
  if (!GST_CLOCK_TIME_IS_VALID(t)) t = static_cast<GstClockTime>(g_get_monotonic_time()) * GST_USECOND;
  // Time going backwards (a new segment) counts as "long enough".
  if (gate->have_last && t >= gate->last && t - gate->last < gate->interval_ns.load()) {
    gst_buffer_unref(buf);
    return GST_FLOW_OK;
  }
  gate->have_last = true;
  gate->last = t;
  if (gate->broken) gate_reset_downstream(gate);
  GST_LOG_OBJECT(gate, "keyframe at %" GST_TIME_FORMAT " goes to the decoder", GST_TIME_ARGS(t));
  GstFlowReturn ret = gst_pad_push(gate->srcpad, buf);
  if (ret == GST_FLOW_OK || ret == GST_FLOW_FLUSHING) return ret;
  // EOS too: the branch only ends when the stream does, so anything else is a problem of ours.
  GST_WARNING_OBJECT(gate, "the thumbnail branch returned %s; it is flushed at the next keyframe",
                     gst_flow_get_name(ret));
  gate->broken = true;
  return GST_FLOW_OK;
}

gboolean gate_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* gate = KEK_THUMBNAIL_GATE(parent);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_SEGMENT: {
      gst_event_copy_segment(event, &gate->segment);
      // The decoder sees keyframes only; with this flag GstVideoDecoder drains after each one,
      // so the picture comes out now and not when later keyframes have filled the reorder
      // delay (B-frame streams would otherwise be 2 intervals late).
      GstSegment keyframes = gate->segment;
      keyframes.flags = static_cast<GstSegmentFlags>(keyframes.flags | GST_SEGMENT_FLAG_TRICKMODE_KEY_UNITS);
      GstEvent* out = gst_event_new_segment(&keyframes);
      gst_event_set_seqnum(out, gst_event_get_seqnum(event));
      gst_event_unref(event);
      gst_event_replace(&gate->segment_event, out);
      return gst_pad_push_event(gate->srcpad, out);
    }
    case GST_EVENT_CAPS:
      // Not forwarded by the default handler (the sink pad does not proxy caps: its template
      // answers upstream's caps queries, so the decoder never narrows the tee's negotiation).
      return gst_pad_push_event(gate->srcpad, event);
    case GST_EVENT_STREAM_START:
      gate->have_last = false;  // a new stream: its first keyframe at once
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_segment_init(&gate->segment, GST_FORMAT_TIME);
      gate->have_last = false;
      gate->broken = false;
      break;
    case GST_EVENT_EOS: {
      // A branch stopped by an error refuses the EOS, and the bin would never end: restart it.
      if (gate->broken) gate_reset_downstream(gate);
      if (gst_pad_push_event(gate->srcpad, gst_event_ref(event))) {
        gst_event_unref(event);
        return TRUE;
      }
      gate_reset_downstream(gate);
      return gst_pad_push_event(gate->srcpad, event);
    }
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

}  // namespace

static GstStateChangeReturn kek_thumbnail_gate_change_state(GstElement* element, GstStateChange transition) {
  auto* gate = KEK_THUMBNAIL_GATE(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) gate_reset_state(gate);
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(kek_thumbnail_gate_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) gate_reset_state(gate);
  return ret;
}

static void kek_thumbnail_gate_init(KekThumbnailGate* gate) {
  new (&gate->interval_ns) std::atomic<guint64>(kDefaultInterval * GST_SECOND);
  gate->segment_event = nullptr;
  gate_reset_state(gate);
  gate->sinkpad = gst_pad_new_from_static_template(&gate_sink_template, "sink");
  gst_pad_set_chain_function(gate->sinkpad, gate_chain);
  gst_pad_set_event_function(gate->sinkpad, gate_sink_event);
  gst_element_add_pad(GST_ELEMENT(gate), gate->sinkpad);
  gate->srcpad = gst_pad_new_from_static_template(&gate_src_template, "src");
  gst_element_add_pad(GST_ELEMENT(gate), gate->srcpad);
}

static void kek_thumbnail_gate_finalize(GObject* object) {
  auto* gate = KEK_THUMBNAIL_GATE(object);
  gst_clear_event(&gate->segment_event);
  gate->interval_ns.~atomic();
  G_OBJECT_CLASS(kek_thumbnail_gate_parent_class)->finalize(object);
}

static void kek_thumbnail_gate_class_init(KekThumbnailGateClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = kek_thumbnail_gate_finalize;
  GST_ELEMENT_CLASS(klass)->change_state = kek_thumbnail_gate_change_state;
  gst_element_class_add_static_pad_template(GST_ELEMENT_CLASS(klass), &gate_sink_template);
  gst_element_class_add_static_pad_template(GST_ELEMENT_CLASS(klass), &gate_src_template);
  gst_element_class_set_static_metadata(GST_ELEMENT_CLASS(klass), "KEK thumbnail gate", "Filter",
                                        "One keyframe per interval", "KEK");
}

// ---------------------------------------------------------------------------------------------
// The bin: gate ! queue (leaky, 1 buffer) ! avdec_h264 ! videoconvert ! videoscale ! capsfilter !
// jpegenc ! appsink, whose samples are written to `location`.

namespace {

struct Impl {
  // Properties, guarded by the object lock.
  std::string location;
  guint width = kDefaultWidth;
  guint interval = kDefaultInterval;
  // Children, owned by the bin.
  KekThumbnailGate* gate = nullptr;
  GstElement* capsfilter = nullptr;
  // Streaming thread of the decode branch: warn once per failing spell, not at every picture.
  std::atomic<bool> write_failing{false};
};

}  // namespace

struct _KekThumbnailSink {
  GstBin parent;
  Impl impl;  // constructed in init, destroyed in finalize
};

G_DEFINE_TYPE(KekThumbnailSink, kek_thumbnail_sink, GST_TYPE_BIN)
GST_ELEMENT_REGISTER_DEFINE(kekthumbnailsink, "kekthumbnailsink", GST_RANK_NONE, KEK_TYPE_THUMBNAIL_SINK)

enum { PROP_0, PROP_LOCATION, PROP_INTERVAL, PROP_WIDTH };

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(KEK_THUMBNAIL_CAPS));

namespace {

// Picture height for `width` keeping the display aspect ratio (pixel aspect included), even.
int thumbnail_height(int width, const GstVideoInfo& in) {
  const double par = (in.par_n > 0 && in.par_d > 0) ? static_cast<double>(in.par_n) / in.par_d : 1.0;
  if (in.width <= 0 || in.height <= 0) return std::max(2, width * 9 / 16 / 2 * 2);
  const double h = width * in.height / (in.width * par);
  return std::max(2, static_cast<int>(std::lround(h / 2.0)) * 2);
}

// The decoded picture's caps fix the output size: set before the caps event reaches the scaler.
GstPadProbeReturn on_decoded_caps(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = KEK_THUMBNAIL_SINK(data);
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
  GstCaps* caps = nullptr;
  gst_event_parse_caps(event, &caps);
  GstVideoInfo in;
  if (!gst_video_info_from_caps(&in, caps)) return GST_PAD_PROBE_OK;
  GST_OBJECT_LOCK(self);
  const int width = static_cast<int>(self->impl.width);
  GST_OBJECT_UNLOCK(self);
  const int height = thumbnail_height(width, in);
  GST_DEBUG_OBJECT(self, "%dx%d (PAR %d/%d) -> %dx%d", in.width, in.height, in.par_n, in.par_d, width, height);
  g_autoptr(GstCaps) out = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                                               width, "height", G_TYPE_INT, height, "pixel-aspect-ratio",
                                               GST_TYPE_FRACTION, 1, 1, nullptr);
  g_object_set(self->impl.capsfilter, "caps", out, nullptr);
  return GST_PAD_PROBE_OK;
}

void post_written(KekThumbnailSink* self, const std::string& location, GstSample* sample) {
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  const GstSegment* segment = gst_sample_get_segment(sample);
  GstBuffer* buf = gst_sample_get_buffer(sample);
  if (segment && GST_BUFFER_PTS_IS_VALID(buf))
    running_time = gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
  int width = 0, height = 0;
  if (GstCaps* caps = gst_sample_get_caps(sample)) {
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    gst_structure_get_int(s, "width", &width);
    gst_structure_get_int(s, "height", &height);
  }
  GstStructure* s = gst_structure_new(KEK_THUMBNAIL_WRITTEN_MESSAGE, "location", G_TYPE_STRING, location.c_str(),
                                      "running-time", G_TYPE_UINT64, running_time, "width", G_TYPE_INT, width,
                                      "height", G_TYPE_INT, height, nullptr);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

GstFlowReturn on_new_sample(GstAppSink* sink, gpointer data) {
  auto* self = KEK_THUMBNAIL_SINK(data);
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  if (!sample) return GST_FLOW_OK;
  GST_OBJECT_LOCK(self);
  const std::string location = self->impl.location;
  GST_OBJECT_UNLOCK(self);

  GstBuffer* buf = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (!buf || !gst_buffer_map(buf, &map, GST_MAP_READ)) return GST_FLOW_OK;
  g_autoptr(GError) error = nullptr;
  // CONSISTENT: a temporary file renamed over the old one, so the web server never serves half
  // a picture. No fsync (DURABLE): a picture lost in a crash is replaced in `interval` seconds.
  const bool ok = !location.empty() &&
                  g_file_set_contents_full(location.c_str(), reinterpret_cast<const gchar*>(map.data),
                                           static_cast<gssize>(map.size), G_FILE_SET_CONTENTS_CONSISTENT, 0666, &error);
  gst_buffer_unmap(buf, &map);
  if (!ok) {
    const char* reason = location.empty() ? "no location set" : error->message;
    // A WARNING, never an ERROR: a preview is not worth stopping a stream for.
    if (!self->impl.write_failing.exchange(true))
      GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("Could not write the thumbnail: %s", reason), (nullptr));
    else
      GST_DEBUG_OBJECT(self, "still cannot write the thumbnail: %s", reason);
    return GST_FLOW_OK;
  }
  if (self->impl.write_failing.exchange(false)) GST_INFO_OBJECT(self, "writing %s again", location.c_str());
  GST_DEBUG_OBJECT(self, "wrote %s (%" G_GSIZE_FORMAT " bytes)", location.c_str(), map.size);
  post_written(self, location, sample);
  return GST_FLOW_OK;
}

GstElement* make(const char* factory, const char* name) {
  GstElement* e = gst_element_factory_make(factory, name);
  if (!e) GST_ERROR("kekthumbnailsink needs the %s element", factory);
  return e;
}

}  // namespace

// A child's ERROR would stop the whole live pipeline: it becomes a WARNING from the same child,
// and the gate flushes the branch at the next keyframe.
static void kek_thumbnail_sink_handle_message(GstBin* bin, GstMessage* message) {
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR && GST_MESSAGE_SRC(message) != GST_OBJECT(bin)) {
    g_autoptr(GError) error = nullptr;
    g_autofree gchar* debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    g_autofree gchar* why = g_strdup_printf("%s (kekthumbnailsink: turned into a warning; the next keyframe is tried)",
                                            debug ? debug : "");
    GST_WARNING_OBJECT(bin, "%s: %s", GST_MESSAGE_SRC_NAME(message), error->message);
    GstMessage* warning = gst_message_new_warning(GST_MESSAGE_SRC(message), error, why);
    gst_message_unref(message);
    message = warning;
  }
  GST_BIN_CLASS(kek_thumbnail_sink_parent_class)->handle_message(bin, message);
}

static void kek_thumbnail_sink_init(KekThumbnailSink* self) {
  new (&self->impl) Impl();
  Impl& impl = self->impl;
  impl.gate = KEK_THUMBNAIL_GATE(g_object_new(kek_thumbnail_gate_get_type(), "name", "gate", nullptr));
  GstElement* queue = make("queue", "queue");
  GstElement* decoder = make("avdec_h264", "decoder");
  GstElement* convert = make("videoconvert", "convert");
  GstElement* scale = make("videoscale", "scale");
  impl.capsfilter = make("capsfilter", "size");
  GstElement* encoder = make("jpegenc", "encoder");
  GstElement* sink = make("appsink", "sink");
  GstElement* all[] = {GST_ELEMENT(impl.gate), queue, decoder, convert, scale, impl.capsfilter, encoder, sink};
  for (GstElement* e : all)
    if (!e) {
      // A missing element (gst-libav, jpeg) leaves a pad-less bin: linking it fails clearly.
      for (GstElement* other : all)
        if (other) gst_object_unref(gst_object_ref_sink(other));
      impl.gate = nullptr;
      impl.capsfilter = nullptr;
      return;
    }
  // One buffer, leaky: a keyframe arriving while the last is still being decoded replaces the
  // waiting one instead of piling up; the gate's thread (upstream's) never waits for a decode.
  g_object_set(queue, "leaky", 2, "max-size-buffers", 1u, "max-size-bytes", 0u, "max-size-time", G_GUINT64_CONSTANT(0),
               "silent", TRUE, nullptr);
  // One thread: one picture per interval needs no parallelism, and frame threads add a frame of
  // delay per thread. Errors stay warnings (max-errors=-1), and a keyframe that does not decode
  // cleanly (say a non-IDR "keyframe") is dropped, not shown grey.
  g_object_set(decoder, "max-threads", 1, "max-errors", -1, "output-corrupt", FALSE, "discard-corrupted-frames", TRUE,
               nullptr);
  g_object_set(encoder, "quality", kJpegQuality, nullptr);
  // Not synchronised and not prerolling: it must never hold a pipeline's state change or clock.
  g_object_set(sink, "sync", FALSE, "async", FALSE, "max-buffers", 1u, "drop", TRUE, "enable-last-sample", FALSE,
               nullptr);
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = on_new_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, self, nullptr);

  gst_bin_add_many(GST_BIN(self), GST_ELEMENT(impl.gate), queue, decoder, convert, scale, impl.capsfilter, encoder,
                   sink, nullptr);
  if (!gst_element_link_many(GST_ELEMENT(impl.gate), queue, decoder, convert, scale, impl.capsfilter, encoder, sink,
                             nullptr))
    GST_ERROR_OBJECT(self, "could not link the thumbnail branch");

  g_autoptr(GstPad) convert_sink = gst_element_get_static_pad(convert, "sink");
  gst_pad_add_probe(convert_sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_decoded_caps, self, nullptr);

  g_autoptr(GstPad) target = gst_element_get_static_pad(GST_ELEMENT(impl.gate), "sink");
  GstPadTemplate* templ = gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(self), "sink");
  GstPad* ghost = gst_ghost_pad_new_from_template("sink", target, templ);
  gst_element_add_pad(GST_ELEMENT(self), ghost);
}

static void kek_thumbnail_sink_finalize(GObject* object) {
  KEK_THUMBNAIL_SINK(object)->impl.~Impl();
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
      if (impl.gate) impl.gate->interval_ns.store(static_cast<guint64>(impl.interval) * GST_SECOND);
      break;
    case PROP_WIDTH:
      impl.width = g_value_get_uint(value) & ~1u;  // even, for 4:2:0 JPEG
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
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_thumbnail_sink_class_init(KekThumbnailSinkClass* klass) {
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  object_class->finalize = kek_thumbnail_sink_finalize;
  object_class->set_property = kek_thumbnail_sink_set_property;
  object_class->get_property = kek_thumbnail_sink_get_property;
  GST_BIN_CLASS(klass)->handle_message = kek_thumbnail_sink_handle_message;

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

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(element_class, "KEK thumbnail sink", "Sink/Video",
                                        "A JPEG of one H.264 keyframe per interval, written atomically", "KEK");
  GST_DEBUG_CATEGORY_INIT(kek_thumbnail_sink_debug, "kekthumbnailsink", 0, "KEK thumbnail sink");
}
