#include "kekposterpick.h"

#include <cmath>

GST_DEBUG_CATEGORY_STATIC(kek_poster_pick_debug);
#define GST_CAT_DEFAULT kek_poster_pick_debug

namespace {

constexpr guint64 kDefaultWindow = 60 * GST_SECOND;
constexpr double kDefaultMinLuma = 24;    // mean luma (0..255) below this: a black frame
constexpr double kMaxLuma = 235;          // above: a white flash
constexpr double kDefaultMinDetail = 12;  // luma standard deviation below this: a flat frame

enum { PROP_0, PROP_AT, PROP_WINDOW, PROP_MIN_LUMA, PROP_MIN_DETAIL };

}  // namespace

struct _KekPosterPick {
  GstVideoFilter parent;
  // Properties (object lock).
  guint64 at;
  guint64 window;
  double min_luma;
  double min_detail;
  // Streaming thread.
  bool chosen;
  GstBuffer* best;  // the most detailed candidate so far (a ref)
  double best_detail;
  bool best_after_at;
};

G_DEFINE_TYPE(KekPosterPick, kek_poster_pick, GST_TYPE_VIDEO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(kekposterpick, "kekposterpick", GST_RANK_NONE, KEK_TYPE_POSTER_PICK)

#define POSTER_CAPS GST_VIDEO_CAPS_MAKE("{ I420, YV12, NV12, Y42B, Y444, GRAY8 }")

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(POSTER_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(POSTER_CAPS));

namespace {

// Mean and standard deviation of the luma plane, sampled on a grid (about 4000 points).
void luma_stats(GstVideoFrame* frame, double& mean, double& stddev) {
  const int w = GST_VIDEO_FRAME_COMP_WIDTH(frame, 0), h = GST_VIDEO_FRAME_COMP_HEIGHT(frame, 0);
  const int stride = GST_VIDEO_FRAME_COMP_STRIDE(frame, 0);
  const auto* y = static_cast<const guint8*>(GST_VIDEO_FRAME_COMP_DATA(frame, 0));
  const int step = std::max(1, static_cast<int>(std::sqrt(static_cast<double>(w) * h / 4000.0)));
  double sum = 0, sq = 0;
  long n = 0;
  for (int row = step / 2; row < h; row += step)
    for (int col = step / 2; col < w; col += step) {
      double v = y[static_cast<size_t>(row) * stride + col];
      sum += v;
      sq += v * v;
      ++n;
    }
  mean = n ? sum / n : 0;
  stddev = n ? std::sqrt(std::max(0.0, sq / n - mean * mean)) : 0;
}

void reset(KekPosterPick* self) {
  self->chosen = false;
  gst_clear_buffer(&self->best);
  self->best_detail = -1;
  self->best_after_at = false;
}

}  // namespace

static GstFlowReturn kek_poster_pick_transform_frame_ip(GstVideoFilter* filter, GstVideoFrame* frame) {
  auto* self = KEK_POSTER_PICK(filter);
  if (self->chosen) return GST_BASE_TRANSFORM_FLOW_DROPPED;
  GST_OBJECT_LOCK(self);
  const guint64 at = self->at, window = self->window;
  const double min_luma = self->min_luma, min_detail = self->min_detail;
  GST_OBJECT_UNLOCK(self);
  GstBaseTransform* trans = GST_BASE_TRANSFORM(filter);
  const GstClockTime pts = GST_BUFFER_PTS(frame->buffer);
  // Running time: a film from 0, and the same across a concatenation of parts.
  const GstClockTime rt = GST_CLOCK_TIME_IS_VALID(pts) ? gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, pts)
                                                       : GST_CLOCK_TIME_NONE;
  const guint64 t = GST_CLOCK_TIME_IS_VALID(rt) ? rt : 0;
  double mean = 0, detail = 0;
  luma_stats(frame, mean, detail);
  const bool usable = mean >= min_luma && mean <= kMaxLuma;
  const bool after_at = t >= at;
  // Keep the most detailed usable frame (after `at` once there is one there).
  const double score = usable ? detail : detail / 4;
  if ((after_at && !self->best_after_at) || score > self->best_detail) {
    gst_buffer_replace(&self->best, frame->buffer);
    self->best_detail = score;
    self->best_after_at = after_at;
  }
  if (after_at && usable && detail >= min_detail) {
    GST_INFO_OBJECT(self, "poster at %" GST_TIME_FORMAT " (luma %.0f, detail %.1f)", GST_TIME_ARGS(t), mean, detail);
    self->chosen = true;
    gst_clear_buffer(&self->best);
    return GST_FLOW_OK;
  }
  if (after_at && t >= at + window && self->best) {
    self->chosen = true;
    GstBuffer* best = self->best;
    self->best = nullptr;
    GST_INFO_OBJECT(self, "no clear frame within the window: the most detailed one");
    GstFlowReturn ret = gst_pad_push(GST_BASE_TRANSFORM_SRC_PAD(trans), best);
    return ret == GST_FLOW_OK ? GST_BASE_TRANSFORM_FLOW_DROPPED : ret;
  }
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

static gboolean kek_poster_pick_sink_event(GstBaseTransform* trans, GstEvent* event) {
  auto* self = KEK_POSTER_PICK(trans);
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && !self->chosen && self->best) {
    // Shorter than `at`, or nothing clear after it: the best there was.
    self->chosen = true;
    GstBuffer* best = self->best;
    self->best = nullptr;
    gst_pad_push(GST_BASE_TRANSFORM_SRC_PAD(trans), best);
  } else if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
    reset(self);
  }
  return GST_BASE_TRANSFORM_CLASS(kek_poster_pick_parent_class)->sink_event(trans, event);
}

static gboolean kek_poster_pick_start(GstBaseTransform* trans) {
  reset(KEK_POSTER_PICK(trans));
  return TRUE;
}

static gboolean kek_poster_pick_stop(GstBaseTransform* trans) {
  reset(KEK_POSTER_PICK(trans));
  return TRUE;
}

static void kek_poster_pick_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = KEK_POSTER_PICK(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_AT: self->at = g_value_get_uint64(value); break;
    case PROP_WINDOW: self->window = g_value_get_uint64(value); break;
    case PROP_MIN_LUMA: self->min_luma = g_value_get_double(value); break;
    case PROP_MIN_DETAIL: self->min_detail = g_value_get_double(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_poster_pick_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = KEK_POSTER_PICK(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_AT: g_value_set_uint64(value, self->at); break;
    case PROP_WINDOW: g_value_set_uint64(value, self->window); break;
    case PROP_MIN_LUMA: g_value_set_double(value, self->min_luma); break;
    case PROP_MIN_DETAIL: g_value_set_double(value, self->min_detail); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_poster_pick_finalize(GObject* object) {
  gst_clear_buffer(&KEK_POSTER_PICK(object)->best);
  G_OBJECT_CLASS(kek_poster_pick_parent_class)->finalize(object);
}

static void kek_poster_pick_class_init(KekPosterPickClass* klass) {
  auto* object_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  object_class->set_property = kek_poster_pick_set_property;
  object_class->get_property = kek_poster_pick_get_property;
  object_class->finalize = kek_poster_pick_finalize;
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(object_class, PROP_AT,
      g_param_spec_uint64("at", "At", "Running time (ns) from which a frame may be the poster", 0, G_MAXUINT64, 0, flags));
  g_object_class_install_property(object_class, PROP_WINDOW,
      g_param_spec_uint64("window", "Window", "How long (ns) after `at` to wait for a clear frame", 0, G_MAXUINT64,
                          kDefaultWindow, flags));
  g_object_class_install_property(object_class, PROP_MIN_LUMA,
      g_param_spec_double("min-luma", "Minimum luma", "Mean luma (0-255) below which a frame is black", 0, 255,
                          kDefaultMinLuma, flags));
  g_object_class_install_property(object_class, PROP_MIN_DETAIL,
      g_param_spec_double("min-detail", "Minimum detail", "Luma standard deviation below which a frame is flat", 0,
                          128, kDefaultMinDetail, flags));
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "KEK poster frame picker", "Filter/Video",
                                        "Lets one frame through: the first clear one (not black, not flat) after a time",
                                        "kek");
  trans_class->sink_event = kek_poster_pick_sink_event;
  trans_class->start = kek_poster_pick_start;
  trans_class->stop = kek_poster_pick_stop;
  GST_VIDEO_FILTER_CLASS(klass)->transform_frame_ip = kek_poster_pick_transform_frame_ip;
  GST_DEBUG_CATEGORY_INIT(kek_poster_pick_debug, "kekposterpick", 0, "KEK poster frame picker");
}

static void kek_poster_pick_init(KekPosterPick* self) {
  self->at = 0;
  self->window = kDefaultWindow;
  self->min_luma = kDefaultMinLuma;
  self->min_detail = kDefaultMinDetail;
  self->chosen = false;
  self->best = nullptr;
  self->best_detail = -1;
  self->best_after_at = false;
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), FALSE);
}
