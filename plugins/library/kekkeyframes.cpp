#include "kekkeyframes.h"

#include <gst/video/video.h>

#include <algorithm>
#include <new>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(kek_keyframes_debug);
#define GST_CAT_DEFAULT kek_keyframes_debug

namespace {

struct State {
  std::string at;                   // the property, object lock
  std::vector<GstClockTime> times;  // parsed at start, in order
  size_t next = 0;                  // the first time not asked for yet
};

enum { PROP_0, PROP_AT };

// "1,2,4" -> 1 s, 2 s, 4 s (sorted, duplicates dropped); false if an item is not a positive number.
bool parse_times(const std::string& text, std::vector<GstClockTime>& out) {
  out.clear();
  g_auto(GStrv) items = g_strsplit(text.c_str(), ",", -1);
  for (char** i = items; *i; ++i) {
    g_strstrip(*i);
    if (!**i) continue;
    char* end = nullptr;
    const double s = g_ascii_strtod(*i, &end);
    if (*end || !(s > 0) || s > 1e7) return false;
    out.push_back(static_cast<GstClockTime>(s * GST_SECOND));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return true;
}

}  // namespace

struct _KekKeyframes {
  GstBaseTransform parent;
  State state;
};

G_DEFINE_TYPE(KekKeyframes, kek_keyframes, GST_TYPE_BASE_TRANSFORM)
GST_ELEMENT_REGISTER_DEFINE(kekkeyframes, "kekkeyframes", GST_RANK_NONE, KEK_TYPE_KEYFRAMES)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));

static gboolean kek_keyframes_start(GstBaseTransform* trans) {
  auto* self = KEK_KEYFRAMES(trans);
  GST_OBJECT_LOCK(self);
  const std::string at = self->state.at;
  GST_OBJECT_UNLOCK(self);
  if (!parse_times(at, self->state.times)) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad at '%s'", at.c_str()), ("seconds, comma-separated, more than 0"));
    return FALSE;
  }
  self->state.next = 0;
  return TRUE;
}

static GstFlowReturn kek_keyframes_transform_ip(GstBaseTransform* trans, GstBuffer* buf) {
  auto* self = KEK_KEYFRAMES(trans);
  State& st = self->state;
  if (st.next >= st.times.size() || !GST_BUFFER_PTS_IS_VALID(buf)) return GST_FLOW_OK;
  const GstSegment& segment = trans->segment;
  const GstClockTime stream = gst_segment_to_stream_time(&segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
  if (!GST_CLOCK_TIME_IS_VALID(stream) || stream < st.times[st.next]) return GST_FLOW_OK;
  // Every time this buffer reaches is asked for once, at this buffer.
  while (st.next < st.times.size() && st.times[st.next] <= stream) ++st.next;
  GST_DEBUG_OBJECT(self, "keyframe at %" GST_TIME_FORMAT, GST_TIME_ARGS(stream));
  // "As soon as possible": the next frame, which is this buffer. (A running time would be
  // compared with the encoder's own, which x264enc shifts by 1000 hours.)
  gst_pad_push_event(GST_BASE_TRANSFORM_SRC_PAD(trans),
                     gst_video_event_new_downstream_force_key_unit(GST_BUFFER_PTS(buf), stream, GST_CLOCK_TIME_NONE,
                                                                   TRUE, static_cast<guint>(st.next)));
  return GST_FLOW_OK;
}

static void kek_keyframes_init(KekKeyframes* self) {
  new (&self->state) State();
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
}

static void kek_keyframes_finalize(GObject* object) {
  KEK_KEYFRAMES(object)->state.~State();
  G_OBJECT_CLASS(kek_keyframes_parent_class)->finalize(object);
}

static void kek_keyframes_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = KEK_KEYFRAMES(object);
  if (id != PROP_AT) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  const char* v = g_value_get_string(value);
  GST_OBJECT_LOCK(self);
  self->state.at = v ? v : "";
  GST_OBJECT_UNLOCK(self);
}

static void kek_keyframes_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = KEK_KEYFRAMES(object);
  if (id != PROP_AT) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  GST_OBJECT_LOCK(self);
  g_value_set_string(value, self->state.at.c_str());
  GST_OBJECT_UNLOCK(self);
}

static void kek_keyframes_class_init(KekKeyframesClass* klass) {
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  object_class->finalize = kek_keyframes_finalize;
  object_class->set_property = kek_keyframes_set_property;
  object_class->get_property = kek_keyframes_get_property;
  g_object_class_install_property(
      object_class, PROP_AT,
      g_param_spec_string("at", "At", "Comma-separated stream times in seconds where downstream encoders make a keyframe",
                          "", static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  trans_class->start = kek_keyframes_start;
  trans_class->transform_ip = kek_keyframes_transform_ip;
  trans_class->transform_ip_on_passthrough = TRUE;
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "KEK keyframes", "Filter/Video",
                                        "Asks downstream encoders for keyframes at given times", "KEK");
  GST_DEBUG_CATEGORY_INIT(kek_keyframes_debug, "kekkeyframes", 0, "KEK keyframes");
}
