#include "kekspritesheet.h"

#include <gst/video/video.h>

#include <cstring>

GST_DEBUG_CATEGORY_STATIC(kek_sprite_sheet_debug);
#define GST_CAT_DEFAULT kek_sprite_sheet_debug

namespace {
constexpr guint kDefaultColumns = 10;
constexpr guint kDefaultRows = 10;
enum { PROP_0, PROP_COLUMNS, PROP_ROWS };
}  // namespace

struct _KekSpriteSheet {
  GstElement parent;
  GstPad* sinkpad;
  GstPad* srcpad;
  guint columns, rows;       // properties (object lock; read when caps arrive)
  // Streaming thread.
  GstVideoInfo tile;         // input
  GstVideoInfo sheet_info;   // output
  guint cols, rws;           // as of the caps
  GstBuffer* sheet;          // the sheet being filled, or null
  guint filled;              // tiles in it
  guint sheets;              // pushed so far (its timestamp: sheet number, 1 s apart)
};

G_DEFINE_TYPE(KekSpriteSheet, kek_sprite_sheet, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(kekspritesheet, "kekspritesheet", GST_RANK_NONE, KEK_TYPE_SPRITE_SHEET)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE("I420")));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE("I420")));

namespace {

// A black I420 sheet.
GstBuffer* new_sheet(const GstVideoInfo& info) {
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, const_cast<GstVideoInfo*>(&info), buf, GST_MAP_WRITE)) return buf;
  for (guint p = 0; p < 3; ++p) {
    auto* data = static_cast<guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, p));
    const size_t size = static_cast<size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&frame, p)) * GST_VIDEO_FRAME_COMP_HEIGHT(&frame, p);
    std::memset(data, p == 0 ? 16 : 128, size);
  }
  gst_video_frame_unmap(&frame);
  return buf;
}

GstFlowReturn push_sheet(KekSpriteSheet* self) {
  GstBuffer* sheet = self->sheet;
  self->sheet = nullptr;
  self->filled = 0;
  GST_BUFFER_PTS(sheet) = GST_BUFFER_DTS(sheet) = self->sheets * GST_SECOND;
  GST_BUFFER_DURATION(sheet) = GST_SECOND;
  ++self->sheets;
  return gst_pad_push(self->srcpad, sheet);
}

gboolean set_caps(KekSpriteSheet* self, GstCaps* caps) {
  if (!gst_video_info_from_caps(&self->tile, caps)) return FALSE;
  GST_OBJECT_LOCK(self);
  self->cols = self->columns;
  self->rws = self->rows;
  GST_OBJECT_UNLOCK(self);
  gst_video_info_set_format(&self->sheet_info, GST_VIDEO_FORMAT_I420, GST_VIDEO_INFO_WIDTH(&self->tile) * self->cols,
                            GST_VIDEO_INFO_HEIGHT(&self->tile) * self->rws);
  GST_VIDEO_INFO_FPS_N(&self->sheet_info) = 0;
  GST_VIDEO_INFO_FPS_D(&self->sheet_info) = 1;
  g_autoptr(GstCaps) out = gst_video_info_to_caps(&self->sheet_info);
  return gst_pad_push_event(self->srcpad, gst_event_new_caps(out));
}

}  // namespace

static GstFlowReturn kek_sprite_sheet_chain(GstPad*, GstObject* parent, GstBuffer* buf) {
  auto* self = KEK_SPRITE_SHEET(parent);
  if (!GST_VIDEO_INFO_WIDTH(&self->tile)) {
    gst_buffer_unref(buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (!self->sheet) self->sheet = new_sheet(self->sheet_info);
  GstVideoFrame in, out;
  if (gst_video_frame_map(&in, &self->tile, buf, GST_MAP_READ)) {
    if (gst_video_frame_map(&out, &self->sheet_info, self->sheet, GST_MAP_WRITE)) {
      const guint col = self->filled % self->cols, row = self->filled / self->cols;
      for (guint p = 0; p < 3; ++p) {
        const int h = GST_VIDEO_FRAME_COMP_HEIGHT(&in, p), w = GST_VIDEO_FRAME_COMP_WIDTH(&in, p);
        const int in_stride = GST_VIDEO_FRAME_PLANE_STRIDE(&in, p), out_stride = GST_VIDEO_FRAME_PLANE_STRIDE(&out, p);
        auto* src = static_cast<const guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&in, p));
        auto* dst = static_cast<guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&out, p)) + static_cast<size_t>(row) * h * out_stride +
                    static_cast<size_t>(col) * w;
        for (int y = 0; y < h; ++y) std::memcpy(dst + static_cast<size_t>(y) * out_stride, src + static_cast<size_t>(y) * in_stride, w);
      }
      gst_video_frame_unmap(&out);
    }
    gst_video_frame_unmap(&in);
  }
  gst_buffer_unref(buf);
  if (++self->filled < self->cols * self->rws) return GST_FLOW_OK;
  return push_sheet(self);
}

static gboolean kek_sprite_sheet_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = KEK_SPRITE_SHEET(parent);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps* caps;
      gst_event_parse_caps(event, &caps);
      gboolean ok = set_caps(self, caps);
      gst_event_unref(event);
      return ok;
    }
    case GST_EVENT_SEGMENT: {
      // Sheets are numbered pictures, not a timeline of the film.
      gst_event_unref(event);
      GstSegment segment;
      gst_segment_init(&segment, GST_FORMAT_TIME);
      return gst_pad_push_event(self->srcpad, gst_event_new_segment(&segment));
    }
    case GST_EVENT_EOS:
      if (self->sheet && self->filled > 0) push_sheet(self);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_clear_buffer(&self->sheet);
      self->filled = 0;
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static GstStateChangeReturn kek_sprite_sheet_change_state(GstElement* element, GstStateChange transition) {
  auto* self = KEK_SPRITE_SHEET(element);
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(kek_sprite_sheet_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    gst_clear_buffer(&self->sheet);
    self->filled = 0;
    self->sheets = 0;
    gst_video_info_init(&self->tile);
  }
  return ret;
}

static void kek_sprite_sheet_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = KEK_SPRITE_SHEET(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_COLUMNS: self->columns = g_value_get_uint(value); break;
    case PROP_ROWS: self->rows = g_value_get_uint(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_sprite_sheet_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = KEK_SPRITE_SHEET(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_COLUMNS: g_value_set_uint(value, self->columns); break;
    case PROP_ROWS: g_value_set_uint(value, self->rows); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_sprite_sheet_finalize(GObject* object) {
  gst_clear_buffer(&KEK_SPRITE_SHEET(object)->sheet);
  G_OBJECT_CLASS(kek_sprite_sheet_parent_class)->finalize(object);
}

static void kek_sprite_sheet_class_init(KekSpriteSheetClass* klass) {
  auto* object_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = kek_sprite_sheet_set_property;
  object_class->get_property = kek_sprite_sheet_get_property;
  object_class->finalize = kek_sprite_sheet_finalize;
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(object_class, PROP_COLUMNS,
      g_param_spec_uint("columns", "Columns", "Tiles per row of a sheet", 1, 64, kDefaultColumns, flags));
  g_object_class_install_property(object_class, PROP_ROWS,
      g_param_spec_uint("rows", "Rows", "Rows of tiles per sheet", 1, 64, kDefaultRows, flags));
  element_class->change_state = kek_sprite_sheet_change_state;
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "KEK sprite sheet", "Filter/Video",
                                        "Tiles pictures into sheets of columns x rows (seek-bar previews)", "kek");
  GST_DEBUG_CATEGORY_INIT(kek_sprite_sheet_debug, "kekspritesheet", 0, "KEK sprite sheet");
}

static void kek_sprite_sheet_init(KekSpriteSheet* self) {
  self->columns = kDefaultColumns;
  self->rows = kDefaultRows;
  self->sheet = nullptr;
  self->filled = 0;
  self->sheets = 0;
  gst_video_info_init(&self->tile);
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, kek_sprite_sheet_chain);
  gst_pad_set_event_function(self->sinkpad, kek_sprite_sheet_sink_event);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_use_fixed_caps(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}
