#include "kekpace.h"

GST_DEBUG_CATEGORY_STATIC(kek_pace_debug);
#define GST_CAT_DEFAULT kek_pace_debug

namespace {

enum { PROP_0, PROP_ORIGIN };

GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

}  // namespace

struct _KekPace {
  GstElement parent;
  GstPad* sinkpad;
  GstPad* srcpad;
  // Guards everything below: the streaming thread against state changes and flushes.
  GMutex lock;
  GCond playing;              // signalled when PLAYING gives a clock and a base time
  gint64 origin_us;           // wall clock (unix us) of film position 0
  GstSegment in_segment;      // the demuxer's, to read film positions
  gboolean have_offset;
  gint64 offset_ns;           // running time = film position + offset
  gboolean need_keyframe;     // something was dropped: video waits for its next keyframe
  gboolean flushing;
  gboolean playing_now;        // PLAYING: the clock and base time are this run's
  GstClockID wait_id;
};

G_DEFINE_TYPE(KekPace, kek_pace, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(kekpace, "kekpace", GST_RANK_NONE, KEK_TYPE_PACE)

namespace {

// Film position of a timestamp in the demuxer's segment; -1 when unknown.
gint64 film_position(KekPace* self, GstClockTime ts) {
  if (!GST_CLOCK_TIME_IS_VALID(ts)) return -1;
  guint64 st = gst_segment_to_stream_time(&self->in_segment, GST_FORMAT_TIME, ts);
  return GST_CLOCK_TIME_IS_VALID(st) ? static_cast<gint64>(st) : static_cast<gint64>(ts);
}

// The running time that maps to origin + 0 on the wall clock, taken once per run from the
// element's clock and base time (both set in PLAYING, which a live source waits for).
bool ensure_offset(KekPace* self) {
  if (self->have_offset) return true;
  if (!self->playing_now) return false;
  GstClock* clock = GST_ELEMENT_CLOCK(self);
  GstClockTime base = GST_ELEMENT_CAST(self)->base_time;
  if (!clock || !GST_CLOCK_TIME_IS_VALID(base)) return false;
  const GstClockTime now = gst_clock_get_time(clock);
  const gint64 wall_now_us = g_get_real_time();
  // Wall clock at running time 0.
  const gint64 wall_rt0_us = wall_now_us - static_cast<gint64>((now - base) / 1000);
  self->offset_ns = (self->origin_us - wall_rt0_us) * 1000;
  self->have_offset = TRUE;
  GST_INFO_OBJECT(self, "film position 0 is running time %" G_GINT64_FORMAT " ns", self->offset_ns);
  return true;
}

GstFlowReturn chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  KekPace* self = KEK_PACE(parent);
  if (self->origin_us < 0) return gst_pad_push(self->srcpad, buffer);
  GstClockID id = nullptr;
  {
    g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
    if (self->flushing) {
      gst_buffer_unref(buffer);
      return GST_FLOW_FLUSHING;
    }
    // Data can come before PLAYING gave this element its clock (a source that starts early):
    // it waits for PLAYING rather than leave unpaced with its film position as a timestamp.
    while (!ensure_offset(self) && !self->flushing) g_cond_wait(&self->playing, &self->lock);
    if (self->flushing) {
      gst_buffer_unref(buffer);
      return GST_FLOW_FLUSHING;
    }
    const gint64 pts = film_position(self, GST_BUFFER_PTS(buffer));
    const gint64 dts = film_position(self, GST_BUFFER_DTS(buffer));
    const gint64 rt_pts = pts < 0 ? -1 : pts + self->offset_ns;
    const gint64 rt_dts = dts < 0 ? -1 : dts + self->offset_ns;
    const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    // Past already (a resumed premiere), or after a drop and not the keyframe that ends it.
    if ((pts >= 0 && rt_pts < 0) || (dts >= 0 && rt_dts < 0) || (self->need_keyframe && !keyframe)) {
      self->need_keyframe = TRUE;
      gst_buffer_unref(buffer);
      return GST_FLOW_OK;
    }
    if (self->need_keyframe) {
      self->need_keyframe = FALSE;
      buffer = gst_buffer_make_writable(buffer);
      GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
    } else {
      buffer = gst_buffer_make_writable(buffer);
    }
    GST_BUFFER_PTS(buffer) = rt_pts < 0 ? GST_CLOCK_TIME_NONE : static_cast<GstClockTime>(rt_pts);
    GST_BUFFER_DTS(buffer) = rt_dts < 0 ? GST_CLOCK_TIME_NONE : static_cast<GstClockTime>(rt_dts);
    // Leave in decode order at the decode time (the presentation time when there is none).
    const gint64 at = rt_dts >= 0 ? rt_dts : rt_pts;
    if (at >= 0) {
      id = gst_clock_new_single_shot_id(GST_ELEMENT_CLOCK(self), GST_ELEMENT_CAST(self)->base_time + static_cast<GstClockTime>(at));
      self->wait_id = id;
    }
  }
  if (id) {
    GstClockReturn r = gst_clock_id_wait(id, nullptr);
    {
      g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
      self->wait_id = nullptr;
    }
    gst_clock_id_unref(id);
    if (r == GST_CLOCK_UNSCHEDULED) {
      gst_buffer_unref(buffer);
      return GST_FLOW_FLUSHING;
    }
  }
  return gst_pad_push(self->srcpad, buffer);
}

void unschedule(KekPace* self, bool flushing) {
  g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
  self->flushing = flushing;
  if (self->wait_id) gst_clock_id_unschedule(self->wait_id);
  g_cond_broadcast(&self->playing);
}

gboolean sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  KekPace* self = KEK_PACE(parent);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_SEGMENT: {
      if (self->origin_us < 0) break;
      const GstSegment* in = nullptr;
      gst_event_parse_segment(event, &in);
      {
        g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
        gst_segment_copy_into(in, &self->in_segment);
      }
      // Downstream sees running time as the timestamps: one plain segment from 0.
      GstSegment out;
      gst_segment_init(&out, GST_FORMAT_TIME);
      GstEvent* replaced = gst_event_new_segment(&out);
      gst_event_set_seqnum(replaced, gst_event_get_seqnum(event));
      gst_event_unref(event);
      return gst_pad_push_event(self->srcpad, replaced);
    }
    case GST_EVENT_FLUSH_START:
      unschedule(self, true);
      break;
    case GST_EVENT_FLUSH_STOP: {
      g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
      self->flushing = FALSE;
      break;
    }
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  KekPace* self = KEK_PACE(element);
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED: {
      g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
      gst_segment_init(&self->in_segment, GST_FORMAT_TIME);
      self->have_offset = FALSE;
      self->need_keyframe = FALSE;
      self->flushing = FALSE;
      break;
    }
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED: {
      {
        g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
        self->playing_now = FALSE;
      }
      unschedule(self, false);
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      unschedule(self, true);
      break;
    default:
      break;
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(kek_pace_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING) {
    // The parent set this element's base time before asking for PLAYING.
    g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
    self->playing_now = TRUE;
    g_cond_broadcast(&self->playing);
  }
  if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED) {
    // A new base time comes with the next PLAYING.
    g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
    self->have_offset = FALSE;
  }
  return ret;
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  KekPace* self = KEK_PACE(object);
  if (id == PROP_ORIGIN) {
    g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
    self->origin_us = g_value_get_int64(value);
    self->have_offset = FALSE;
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  KekPace* self = KEK_PACE(object);
  if (id == PROP_ORIGIN) {
    g_autoptr(GMutexLocker) guard = g_mutex_locker_new(&self->lock);
    g_value_set_int64(value, self->origin_us);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void finalize(GObject* object) {
  g_mutex_clear(&KEK_PACE(object)->lock);
  g_cond_clear(&KEK_PACE(object)->playing);
  G_OBJECT_CLASS(kek_pace_parent_class)->finalize(object);
}

}  // namespace

static void kek_pace_class_init(KekPaceClass* klass) {
  GObjectClass* gobject = G_OBJECT_CLASS(klass);
  GstElementClass* element = GST_ELEMENT_CLASS(klass);
  gobject->set_property = set_property;
  gobject->get_property = get_property;
  gobject->finalize = finalize;
  g_object_class_install_property(
      gobject, PROP_ORIGIN,
      g_param_spec_int64("origin", "Origin",
                         "Wall-clock time (unix microseconds) at which film position 0 plays; -1: pass through unpaced",
                         -1, G_MAXINT64, -1, static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  element->change_state = change_state;
  gst_element_class_add_static_pad_template(element, &sink_template);
  gst_element_class_add_static_pad_template(element, &src_template);
  gst_element_class_set_static_metadata(element, "KEK film pacer", "Filter/Timing",
                                        "Plays a film's timeline on the wall clock from a given origin", "kek");
  GST_DEBUG_CATEGORY_INIT(kek_pace_debug, "kekpace", 0, "KEK film pacer");
}

static void kek_pace_init(KekPace* self) {
  g_mutex_init(&self->lock);
  g_cond_init(&self->playing);
  self->origin_us = -1;
  gst_segment_init(&self->in_segment, GST_FORMAT_TIME);
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, chain);
  gst_pad_set_event_function(self->sinkpad, sink_event);
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}
