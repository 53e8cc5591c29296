#include "kekswscale.h"

extern "C" {
#include <libswscale/swscale.h>
}

#include <memory>

GST_DEBUG_CATEGORY_STATIC(kek_swscale_debug);
#define GST_CAT_DEFAULT kek_swscale_debug

namespace {

// libswscale's interpolations (SWS_* flags); bicubic is what FFmpeg's scale filter uses.
enum Method { kFastBilinear = SWS_FAST_BILINEAR, kBilinear = SWS_BILINEAR, kBicubic = SWS_BICUBIC };
constexpr Method kDefaultMethod = kBicubic;

enum { PROP_0, PROP_METHOD };

struct SwsFree {
  void operator()(SwsContext* c) const { sws_freeContext(c); }
};
using SwsPtr = std::unique_ptr<SwsContext, SwsFree>;

}  // namespace

struct _KekSwscale {
  GstVideoFilter parent;
  int method;   // property (object lock)
  SwsPtr sws;   // for the negotiated sizes (streaming thread, set_info)
};

G_DEFINE_TYPE(KekSwscale, kek_swscale, GST_TYPE_VIDEO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(kekswscale, "kekswscale", GST_RANK_NONE, KEK_TYPE_SWSCALE)

GType kek_swscale_method_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {kFastBilinear, "Fast bilinear (SWS_FAST_BILINEAR)", "fast-bilinear"},
      {kBilinear, "Bilinear (SWS_BILINEAR)", "bilinear"},
      {kBicubic, "Bicubic (SWS_BICUBIC, FFmpeg's scale filter's default)", "bicubic"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) g_once_init_leave(&type, g_enum_register_static("KekSwscaleMethod", values));
  return type;
}

#define SWSCALE_CAPS GST_VIDEO_CAPS_MAKE("I420")

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(SWSCALE_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(SWSCALE_CAPS));

// Either side may take any size and pixel aspect ratio; the rest (format, rate) passes as is.
static GstCaps* kek_swscale_transform_caps(GstBaseTransform*, GstPadDirection, GstCaps* caps, GstCaps* filter) {
  GstCaps* out = gst_caps_new_empty();
  for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
    GstStructure* s = gst_caps_get_structure(caps, i);
    GstCapsFeatures* f = gst_caps_get_features(caps, i);
    if (i > 0 && gst_caps_is_subset_structure_full(out, s, f)) continue;
    s = gst_structure_copy(s);
    if (!gst_caps_features_is_any(f) && gst_caps_features_is_equal(f, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY)) {
      gst_structure_set(s, "width", GST_TYPE_INT_RANGE, 1, G_MAXINT, "height", GST_TYPE_INT_RANGE, 1, G_MAXINT, nullptr);
      if (gst_structure_has_field(s, "pixel-aspect-ratio"))
        gst_structure_set(s, "pixel-aspect-ratio", GST_TYPE_FRACTION_RANGE, 1, G_MAXINT, G_MAXINT, 1, nullptr);
    }
    gst_caps_append_structure_full(out, s, gst_caps_features_copy(f));
  }
  if (filter) {
    GstCaps* both = gst_caps_intersect_full(filter, out, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(out);
    out = both;
  }
  return out;
}

// The other side's size: what it fixes, else the input's; its pixel aspect ratio keeps the
// input's display aspect ratio (1920x1080 1:1 -> 854x480 1280:1281), unless it is fixed too; its
// colorimetry is the input's (below).
static GstCaps* kek_swscale_fixate_caps(GstBaseTransform*, GstPadDirection, GstCaps* caps, GstCaps* othercaps) {
  othercaps = gst_caps_make_writable(gst_caps_truncate(othercaps));
  GstStructure* in = gst_caps_get_structure(caps, 0);
  GstStructure* out = gst_caps_get_structure(othercaps, 0);
  int in_w = 0, in_h = 0, par_n = 1, par_d = 1;
  gst_structure_get_int(in, "width", &in_w);
  gst_structure_get_int(in, "height", &in_h);
  gst_structure_get_fraction(in, "pixel-aspect-ratio", &par_n, &par_d);
  if (in_w > 0) gst_structure_fixate_field_nearest_int(out, "width", in_w);
  if (in_h > 0) gst_structure_fixate_field_nearest_int(out, "height", in_h);
  int out_w = 0, out_h = 0;
  if (in_w > 0 && in_h > 0 && gst_structure_get_int(out, "width", &out_w) && gst_structure_get_int(out, "height", &out_h)) {
    int n = 1, d = 1;  // display ratio in_w*par / in_h, divided by out_w / out_h
    if (gst_util_fraction_multiply(in_w, in_h, par_n, par_d, &n, &d) &&
        gst_util_fraction_multiply(n, d, out_h, out_w, &n, &d)) {
      if (!gst_structure_has_field(out, "pixel-aspect-ratio"))
        gst_structure_set(out, "pixel-aspect-ratio", GST_TYPE_FRACTION, n, d, nullptr);
      else
        gst_structure_fixate_field_nearest_fraction(out, "pixel-aspect-ratio", n, d);
    }
  }
  // libswscale keeps the values as they are (no matrix conversion): the output says it carries
  // the input's colorimetry. Without it, caps that leave it out would mean another one at another
  // size (BT.709 at 1080p, BT.601 at 480p) and players would show shifted colours; videoscale
  // converts instead.
  GstVideoInfo in_info;
  if (gst_video_info_from_caps(&in_info, caps)) {
    if (gchar* colorimetry = gst_video_colorimetry_to_string(&in_info.colorimetry)) {
      if (gst_structure_has_field(out, "colorimetry"))
        gst_structure_fixate_field_string(out, "colorimetry", colorimetry);
      else
        gst_structure_set(out, "colorimetry", G_TYPE_STRING, colorimetry, nullptr);
      g_free(colorimetry);
    }
  }
  return gst_caps_fixate(othercaps);
}

static gboolean kek_swscale_set_info(GstVideoFilter* filter, GstCaps*, GstVideoInfo* in, GstCaps*, GstVideoInfo* out) {
  auto* self = KEK_SWSCALE(filter);
  GST_OBJECT_LOCK(self);
  const int method = self->method;
  GST_OBJECT_UNLOCK(self);
  const bool same = GST_VIDEO_INFO_WIDTH(in) == GST_VIDEO_INFO_WIDTH(out) &&
                    GST_VIDEO_INFO_HEIGHT(in) == GST_VIDEO_INFO_HEIGHT(out);
  // Same size: nothing to do, buffers pass untouched.
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(filter), same);
  self->sws.reset();
  if (same) return TRUE;
  self->sws.reset(sws_getContext(GST_VIDEO_INFO_WIDTH(in), GST_VIDEO_INFO_HEIGHT(in), AV_PIX_FMT_YUV420P,
                                 GST_VIDEO_INFO_WIDTH(out), GST_VIDEO_INFO_HEIGHT(out), AV_PIX_FMT_YUV420P, method,
                                 nullptr, nullptr, nullptr));
  if (!self->sws) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("libswscale cannot scale %dx%d to %dx%d", GST_VIDEO_INFO_WIDTH(in),
                                                 GST_VIDEO_INFO_HEIGHT(in), GST_VIDEO_INFO_WIDTH(out),
                                                 GST_VIDEO_INFO_HEIGHT(out)), (nullptr));
    return FALSE;
  }
  GST_DEBUG_OBJECT(self, "%dx%d -> %dx%d, method %d", GST_VIDEO_INFO_WIDTH(in), GST_VIDEO_INFO_HEIGHT(in),
                   GST_VIDEO_INFO_WIDTH(out), GST_VIDEO_INFO_HEIGHT(out), method);
  return TRUE;
}

static GstFlowReturn kek_swscale_transform_frame(GstVideoFilter* filter, GstVideoFrame* in, GstVideoFrame* out) {
  auto* self = KEK_SWSCALE(filter);
  if (!self->sws) return GST_FLOW_NOT_NEGOTIATED;
  const uint8_t* src[4] = {};
  int src_stride[4] = {};
  uint8_t* dst[4] = {};
  int dst_stride[4] = {};
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(in) && p < 4; ++p) {
    src[p] = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(in, p));
    src_stride[p] = GST_VIDEO_FRAME_PLANE_STRIDE(in, p);
    dst[p] = static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(out, p));
    dst_stride[p] = GST_VIDEO_FRAME_PLANE_STRIDE(out, p);
  }
  sws_scale(self->sws.get(), src, src_stride, 0, GST_VIDEO_FRAME_HEIGHT(in), dst, dst_stride);
  return GST_FLOW_OK;
}

static gboolean kek_swscale_stop(GstBaseTransform* trans) {
  KEK_SWSCALE(trans)->sws.reset();
  return TRUE;
}

static void kek_swscale_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = KEK_SWSCALE(object);
  if (id != PROP_METHOD) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  GST_OBJECT_LOCK(self);
  self->method = g_value_get_enum(value);
  GST_OBJECT_UNLOCK(self);
  // A new method applies when the caps are next set (the context is made for them).
}

static void kek_swscale_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = KEK_SWSCALE(object);
  if (id != PROP_METHOD) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  GST_OBJECT_LOCK(self);
  g_value_set_enum(value, self->method);
  GST_OBJECT_UNLOCK(self);
}

static void kek_swscale_finalize(GObject* object) {
  KEK_SWSCALE(object)->sws.~SwsPtr();
  G_OBJECT_CLASS(kek_swscale_parent_class)->finalize(object);
}

static void kek_swscale_init(KekSwscale* self) {
  new (&self->sws) SwsPtr();  // GObject zeroes the instance; the member still wants its constructor
  self->method = kDefaultMethod;
}

static void kek_swscale_class_init(KekSwscaleClass* klass) {
  GST_DEBUG_CATEGORY_INIT(kek_swscale_debug, "kekswscale", 0, "KEK libswscale scaler");
  auto* gobject = G_OBJECT_CLASS(klass);
  gobject->set_property = kek_swscale_set_property;
  gobject->get_property = kek_swscale_get_property;
  gobject->finalize = kek_swscale_finalize;
  g_object_class_install_property(
      gobject, PROP_METHOD,
      g_param_spec_enum("method", "Method", "libswscale's interpolation", KEK_TYPE_SWSCALE_METHOD, kDefaultMethod,
                        static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  auto* element = GST_ELEMENT_CLASS(klass);
  gst_element_class_set_static_metadata(element, "KEK libswscale scaler", "Filter/Converter/Video/Scaler",
                                        "Scales I420 video with FFmpeg's libswscale", "kek");
  gst_element_class_add_static_pad_template(element, &sink_template);
  gst_element_class_add_static_pad_template(element, &src_template);
  auto* trans = GST_BASE_TRANSFORM_CLASS(klass);
  trans->transform_caps = kek_swscale_transform_caps;
  trans->fixate_caps = kek_swscale_fixate_caps;
  trans->stop = kek_swscale_stop;
  auto* video = GST_VIDEO_FILTER_CLASS(klass);
  video->set_info = kek_swscale_set_info;
  video->transform_frame = kek_swscale_transform_frame;
}
