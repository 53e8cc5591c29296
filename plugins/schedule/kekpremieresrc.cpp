#include "kekpremieresrc.h"

#include <algorithm>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(kek_premiere_src_debug);
#define GST_CAT_DEFAULT kek_premiere_src_debug

namespace {

enum { PROP_0, PROP_LOCATION, PROP_RENDITIONS, PROP_AUDIO, PROP_ORIGIN };

GstStaticPadTemplate video_template =
    GST_STATIC_PAD_TEMPLATE("video_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS("video/x-h264"));
GstStaticPadTemplate audio_template =
    GST_STATIC_PAD_TEMPLATE("audio", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS("audio/mpeg"));

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return g_ascii_isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

}  // namespace

struct _KekPremiereSrc {
  GstBin parent;
  struct Chain {
    GstElement* source = nullptr;  // owned by the bin
    GstElement* pace = nullptr;
  };
  struct State {
    std::string location;
    std::vector<std::string> renditions;
    std::string audio;
    gint64 origin_us = -1;
    std::vector<Chain> chains;
    bool built = false;
  };
  State state;  // constructed in init, destroyed in finalize; properties only in NULL
};

G_DEFINE_TYPE(KekPremiereSrc, kek_premiere_src, GST_TYPE_BIN)
GST_ELEMENT_REGISTER_DEFINE(kekpremieresrc, "kekpremieresrc", GST_RANK_NONE, KEK_TYPE_PREMIERE_SRC)

namespace {

// The demuxer's one stream goes to the chain's pacer.
void demux_pad_added(GstElement*, GstPad* pad, gpointer pace) {
  g_autoptr(GstPad) sink = gst_element_get_static_pad(GST_ELEMENT(pace), "sink");
  if (gst_pad_is_linked(sink)) return;  // a second track in one rendition: not ours
  if (gst_pad_link(pad, sink) != GST_PAD_LINK_OK) GST_WARNING("could not link %s", GST_PAD_NAME(pad));
}

bool add_chain(KekPremiereSrc* self, const std::string& folder, const std::string& pad_name, GstPadTemplate* templ) {
  auto& st = self->state;
  g_autofree char* playlist = g_build_filename(st.location.c_str(), folder.c_str(), "index.m3u8", nullptr);
  GstElement* source = gst_element_factory_make("kekplaylistsrc", nullptr);
  GstElement* demux = gst_element_factory_make("qtdemux", nullptr);
  GstElement* pace = gst_element_factory_make("kekpace", nullptr);
  if (!source || !demux || !pace) {
    for (GstElement* e : {source, demux, pace})
      if (e) gst_object_unref(gst_object_ref_sink(e));
    GST_ELEMENT_ERROR(self, CORE, MISSING_PLUGIN, ("kekpremieresrc needs kekplaylistsrc, qtdemux and kekpace"), (nullptr));
    return false;
  }
  g_object_set(source, "location", playlist, "is-live", TRUE, nullptr);
  g_object_set(pace, "origin", st.origin_us, nullptr);
  gst_bin_add_many(GST_BIN(self), source, demux, pace, nullptr);
  gst_element_link(source, demux);
  g_signal_connect(demux, "pad-added", G_CALLBACK(demux_pad_added), pace);
  g_autoptr(GstPad) target = gst_element_get_static_pad(pace, "src");
  GstPad* ghost = gst_ghost_pad_new_from_template(pad_name.c_str(), target, templ);
  gst_pad_set_active(ghost, TRUE);
  gst_element_add_pad(GST_ELEMENT(self), ghost);
  st.chains.push_back({source, pace});
  return true;
}

bool build(KekPremiereSrc* self) {
  auto& st = self->state;
  if (st.built) return true;
  if (st.location.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("kekpremieresrc: no location"), ("set location to the film's folder"));
    return false;
  }
  if (st.renditions.empty() && st.audio.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("kekpremieresrc: no renditions and no audio"), (nullptr));
    return false;
  }
  GstElementClass* klass = GST_ELEMENT_GET_CLASS(self);
  for (size_t i = 0; i < st.renditions.size(); ++i)
    if (!add_chain(self, st.renditions[i], "video_" + std::to_string(i), gst_element_class_get_pad_template(klass, "video_%u")))
      return false;
  if (!st.audio.empty() && !add_chain(self, st.audio, "audio", gst_element_class_get_pad_template(klass, "audio")))
    return false;
  gst_element_no_more_pads(GST_ELEMENT(self));
  st.built = true;
  return true;
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  KekPremiereSrc* self = KEK_PREMIERE_SRC(element);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !build(self)) return GST_STATE_CHANGE_FAILURE;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    // Where the film is now: every chain starts at the segment that holds it.
    const gint64 now_us = g_get_real_time();
    const gint64 from_ns = self->state.origin_us >= 0 ? std::max<gint64>(0, now_us - self->state.origin_us) * 1000 : 0;
    for (auto& c : self->state.chains) g_object_set(c.source, "from", from_ns, nullptr);
    if (from_ns > 0) GST_INFO_OBJECT(self, "resuming at film position %" G_GINT64_FORMAT " ms", from_ns / 1000000);
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(kek_premiere_src_parent_class)->change_state(element, transition);
  // A live source: no preroll.
  if (ret == GST_STATE_CHANGE_SUCCESS &&
      (transition == GST_STATE_CHANGE_READY_TO_PAUSED || transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED))
    ret = GST_STATE_CHANGE_NO_PREROLL;
  return ret;
}

std::vector<std::string> split(const char* text) {
  std::vector<std::string> out;
  if (!text) return out;
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);
  for (char** p = parts; *p; ++p) {
    g_strstrip(*p);
    if (**p) out.emplace_back(*p);
  }
  return out;
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  KekPremiereSrc* self = KEK_PREMIERE_SRC(object);
  auto& st = self->state;
  if (st.built) {
    GST_WARNING_OBJECT(self, "properties are set before the element leaves NULL");
    return;
  }
  switch (id) {
    case PROP_LOCATION: {
      const char* v = g_value_get_string(value);
      st.location = v ? v : "";
      break;
    }
    case PROP_RENDITIONS: {
      std::vector<std::string> names = split(g_value_get_string(value));
      for (const auto& n : names)
        if (!valid_name(n)) {
          GST_WARNING_OBJECT(self, "rendition name '%s' refused ([A-Za-z0-9._-])", n.c_str());
          return;
        }
      st.renditions = std::move(names);
      break;
    }
    case PROP_AUDIO: {
      const char* v = g_value_get_string(value);
      std::string name = v ? v : "";
      if (!name.empty() && !valid_name(name)) {
        GST_WARNING_OBJECT(self, "audio folder '%s' refused ([A-Za-z0-9._-])", name.c_str());
        return;
      }
      st.audio = name;
      break;
    }
    case PROP_ORIGIN:
      st.origin_us = g_value_get_int64(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto& st = KEK_PREMIERE_SRC(object)->state;
  switch (id) {
    case PROP_LOCATION: g_value_set_string(value, st.location.c_str()); break;
    case PROP_RENDITIONS: g_value_set_string(value, join(st.renditions).c_str()); break;
    case PROP_AUDIO: g_value_set_string(value, st.audio.c_str()); break;
    case PROP_ORIGIN: g_value_set_int64(value, st.origin_us); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void finalize(GObject* object) {
  KEK_PREMIERE_SRC(object)->state.~State();
  G_OBJECT_CLASS(kek_premiere_src_parent_class)->finalize(object);
}

}  // namespace

static void kek_premiere_src_class_init(KekPremiereSrcClass* klass) {
  GObjectClass* gobject = G_OBJECT_CLASS(klass);
  GstElementClass* element = GST_ELEMENT_CLASS(klass);
  gobject->set_property = set_property;
  gobject->get_property = get_property;
  gobject->finalize = finalize;
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(gobject, PROP_LOCATION,
                                  g_param_spec_string("location", "Location",
                                                      "The film's packaged folder (one folder per rendition)", nullptr, flags));
  g_object_class_install_property(gobject, PROP_RENDITIONS,
                                  g_param_spec_string("renditions", "Renditions",
                                                      "Comma-separated video rendition folders, top first: pads video_0, video_1...",
                                                      nullptr, flags));
  g_object_class_install_property(gobject, PROP_AUDIO,
                                  g_param_spec_string("audio", "Audio", "The audio rendition's folder (pad audio); empty: none",
                                                      nullptr, flags));
  g_object_class_install_property(gobject, PROP_ORIGIN,
                                  g_param_spec_int64("origin", "Origin", "Wall-clock time (unix microseconds) of film position 0",
                                                     -1, G_MAXINT64, -1, flags));
  element->change_state = change_state;
  gst_element_class_add_static_pad_template(element, &video_template);
  gst_element_class_add_static_pad_template(element, &audio_template);
  gst_element_class_set_static_metadata(element, "KEK premiere source", "Source/Video",
                                        "A library film's renditions played live on the wall clock", "kek");
  GST_DEBUG_CATEGORY_INIT(kek_premiere_src_debug, "kekpremieresrc", 0, "KEK premiere source");
}

static void kek_premiere_src_init(KekPremiereSrc* self) { new (&self->state) _KekPremiereSrc::State(); }
