#include "kekplaylistsrc.h"

#include "segment_list.h"

#include <optional>
#include <string>

GST_DEBUG_CATEGORY_STATIC(kek_playlist_src_debug);
#define GST_CAT_DEFAULT kek_playlist_src_debug

namespace {

enum { PROP_0, PROP_LOCATION, PROP_FROM, PROP_IS_LIVE };

GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/quicktime; audio/x-m4a; application/octet-stream"));

}  // namespace

struct _KekPlaylistSrc {
  GstBaseSrc parent;
  gchar* location;
  gint64 from_ns;
  // Streaming thread only, between start and stop.
  struct Run {
    std::optional<kek::schedule::SegmentList> list;
    std::string folder;
    size_t next = 0;          // the next segment to hand out
    std::string current_map;  // the init segment in force (a new one is sent before its segments)
  };
  Run run;  // constructed in init, destroyed in finalize
};

G_DEFINE_TYPE(KekPlaylistSrc, kek_playlist_src, GST_TYPE_BASE_SRC)
GST_ELEMENT_REGISTER_DEFINE(kekplaylistsrc, "kekplaylistsrc", GST_RANK_NONE, KEK_TYPE_PLAYLIST_SRC)

namespace {

void clear_run(KekPlaylistSrc* self) { self->run = {}; }

// The whole file as one buffer over its mapping (a segment is a few MB at most).
GstBuffer* mapped_file(KekPlaylistSrc* self, const std::string& name) {
  g_autofree char* path = g_build_filename(self->run.folder.c_str(), name.c_str(), nullptr);
  GError* error = nullptr;
  GMappedFile* file = g_mapped_file_new(path, FALSE, &error);
  if (!file) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not read film segment %s", path),
                      ("%s", error ? error->message : "unknown error"));
    g_clear_error(&error);
    return nullptr;
  }
  const gsize size = g_mapped_file_get_length(file);
  if (size == 0) {
    g_mapped_file_unref(file);
    return gst_buffer_new();
  }
  return gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, g_mapped_file_get_contents(file), size, 0, size, file,
                                     reinterpret_cast<GDestroyNotify>(g_mapped_file_unref));
}

// Streaming thread: the playlist is read here, not in start() (which runs where the state
// change was asked, the main loop in kek).
bool load(KekPlaylistSrc* self) {
  if (self->run.list) return true;
  if (!self->location) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No playlist given"), ("set location"));
    return false;
  }
  g_autofree char* text = nullptr;
  gsize len = 0;
  GError* error = nullptr;
  if (!g_file_get_contents(self->location, &text, &len, &error)) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not read playlist %s", self->location),
                      ("%s", error ? error->message : "unknown error"));
    g_clear_error(&error);
    return false;
  }
  auto parsed = kek::schedule::parse_segment_list(std::string_view(text, len));
  if (!parsed) {
    GST_ELEMENT_ERROR(self, STREAM, WRONG_TYPE, ("Playlist %s: %s", self->location, parsed.error().message.c_str()),
                      (nullptr));
    return false;
  }
  auto& run = self->run;
  run.list = std::move(*parsed);
  g_autofree char* folder = g_path_get_dirname(self->location);
  run.folder = folder;
  run.next = kek::schedule::segment_at(*run.list, self->from_ns);
  GST_INFO_OBJECT(self, "%s: %zu segments, starting at %zu (film position %" G_GINT64_FORMAT " ns)", self->location,
                  run.list->segments.size(), run.next, self->from_ns);
  return true;
}

GstFlowReturn create(GstBaseSrc* base, guint64, guint, GstBuffer** out) {
  KekPlaylistSrc* self = KEK_PLAYLIST_SRC(base);
  if (!load(self)) return GST_FLOW_ERROR;
  auto& run = self->run;
  if (run.next >= run.list->segments.size()) return GST_FLOW_EOS;
  const auto& segment = run.list->segments[run.next];
  // The init segment first, and again whenever the playlist names another.
  const bool new_map = segment.map_uri != run.current_map;
  GstBuffer* buffer = mapped_file(self, new_map ? segment.map_uri : segment.uri);
  if (!buffer) return GST_FLOW_ERROR;
  if (new_map) run.current_map = segment.map_uri;
  else ++run.next;
  *out = buffer;
  return GST_FLOW_OK;
}

gboolean start(GstBaseSrc* base) {
  clear_run(KEK_PLAYLIST_SRC(base));
  return TRUE;
}

gboolean stop(GstBaseSrc* base) {
  clear_run(KEK_PLAYLIST_SRC(base));
  return TRUE;
}

gboolean is_seekable(GstBaseSrc*) { return FALSE; }

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  KekPlaylistSrc* self = KEK_PLAYLIST_SRC(object);
  switch (id) {
    case PROP_LOCATION:
      g_free(self->location);
      self->location = g_value_dup_string(value);
      break;
    case PROP_FROM:
      self->from_ns = g_value_get_int64(value);
      break;
    case PROP_IS_LIVE:
      gst_base_src_set_live(GST_BASE_SRC(self), g_value_get_boolean(value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  KekPlaylistSrc* self = KEK_PLAYLIST_SRC(object);
  switch (id) {
    case PROP_LOCATION: g_value_set_string(value, self->location); break;
    case PROP_FROM: g_value_set_int64(value, self->from_ns); break;
    case PROP_IS_LIVE: g_value_set_boolean(value, gst_base_src_is_live(GST_BASE_SRC(self))); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void finalize(GObject* object) {
  KekPlaylistSrc* self = KEK_PLAYLIST_SRC(object);
  self->run.~Run();
  g_free(self->location);
  G_OBJECT_CLASS(kek_playlist_src_parent_class)->finalize(object);
}

}  // namespace

static void kek_playlist_src_class_init(KekPlaylistSrcClass* klass) {
  GObjectClass* gobject = G_OBJECT_CLASS(klass);
  GstElementClass* element = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass* src = GST_BASE_SRC_CLASS(klass);
  gobject->set_property = set_property;
  gobject->get_property = get_property;
  gobject->finalize = finalize;
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(gobject, PROP_LOCATION,
                                  g_param_spec_string("location", "Location", "The rendition's HLS media playlist (fMP4)",
                                                      nullptr, flags));
  g_object_class_install_property(gobject, PROP_FROM,
                                  g_param_spec_int64("from", "From", "Film position (ns) to start at: its segment is the first",
                                                     0, G_MAXINT64, 0, flags));
  g_object_class_install_property(gobject, PROP_IS_LIVE,
                                  g_param_spec_boolean("is-live", "Is live", "Act as a live source (no preroll)", FALSE, flags));
  src->create = create;
  src->start = start;
  src->stop = stop;
  src->is_seekable = is_seekable;
  gst_element_class_add_static_pad_template(element, &src_template);
  gst_element_class_set_static_metadata(element, "KEK film rendition source", "Source/File",
                                        "Reads a fragmented-MP4 HLS rendition from disk as one stream", "kek");
  GST_DEBUG_CATEGORY_INIT(kek_playlist_src_debug, "kekplaylistsrc", 0, "KEK film rendition source");
}

static void kek_playlist_src_init(KekPlaylistSrc* self) {
  new (&self->run) _KekPlaylistSrc::Run();
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_BYTES);
}
