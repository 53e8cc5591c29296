#include "kekrtmpsrc.h"

#include "stream_registry.h"

#include <kek/host.h>
#include <kek/services.h>
#include <kek/stream_seam.h>

#include <gst/app/gstappsrc.h>

#include <new>
#include <string>

GST_DEBUG_CATEGORY_STATIC(kek_rtmp_src_debug);
#define GST_CAT_DEFAULT kek_rtmp_src_debug

namespace {

// The C++ side of the element: receives tags from the registry and hands them to the appsrc.
struct Receiver : kek::rtmp::TagSink {
  GstElement* appsrc = nullptr;  // owned by the bin
  void push_tag(GstBuffer* tag) override { gst_app_src_push_buffer(GST_APP_SRC(appsrc), tag); }
  void end_of_stream() override { gst_app_src_end_of_stream(GST_APP_SRC(appsrc)); }
  // appsrc queues serialized events in order with the buffers, so the seam lands exactly
  // between the old publisher's last tag and the new one's first.
  void seam() override { gst_element_send_event(appsrc, kek::new_stream_seam_event()); }
};

struct Impl {
  std::string stream;
  kek::Services* services = nullptr;
  kek::rtmp::StreamRegistry* attached_to = nullptr;
  Receiver receiver;
};

enum { PROP_0, PROP_STREAM };

constexpr int64_t kMaxQueuedBytes = 64 * 1024 * 1024;

}  // namespace

struct _KekRtmpSrc {
  GstBin parent;
  Impl impl;  // constructed in init, destroyed in finalize
};

G_DEFINE_TYPE(KekRtmpSrc, kek_rtmp_src, GST_TYPE_BIN)
GST_ELEMENT_REGISTER_DEFINE(kekrtmpsrc, "kekrtmpsrc", GST_RANK_NONE, KEK_TYPE_RTMP_SRC)

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-flv"));

static void kek_rtmp_src_init(KekRtmpSrc* self) {
  new (&self->impl) Impl();
  GstElement* appsrc = gst_element_factory_make("appsrc", "flv");
  g_object_set(appsrc, "is-live", TRUE, "format", GST_FORMAT_BYTES, "stream-type", GST_APP_STREAM_TYPE_STREAM,
               "block", FALSE, "max-bytes", static_cast<guint64>(kMaxQueuedBytes), nullptr);
  // A pipeline that falls behind drops the oldest tags instead of growing without bound.
  g_object_set(appsrc, "leaky-type", 2 /* GST_APP_LEAKY_TYPE_DOWNSTREAM */, nullptr);
  g_autoptr(GstCaps) caps = gst_caps_new_empty_simple("video/x-flv");
  gst_app_src_set_caps(GST_APP_SRC(appsrc), caps);
  gst_bin_add(GST_BIN(self), appsrc);
  self->impl.receiver.appsrc = appsrc;
  g_autoptr(GstPad) target = gst_element_get_static_pad(appsrc, "src");
  GstPad* ghost = gst_ghost_pad_new_from_template("src", target, gst_static_pad_template_get(&src_template));
  gst_element_add_pad(GST_ELEMENT(self), ghost);
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
}

static void kek_rtmp_src_finalize(GObject* object) {
  KEK_RTMP_SRC(object)->impl.~Impl();
  G_OBJECT_CLASS(kek_rtmp_src_parent_class)->finalize(object);
}

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
  if (!registry) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("the rtmp plugin is not loaded"), (nullptr));
    return false;
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

static void detach(KekRtmpSrc* self) {
  Impl& impl = self->impl;
  if (impl.attached_to) impl.attached_to->detach(impl.stream, &impl.receiver);
  impl.attached_to = nullptr;
}

static GstStateChangeReturn kek_rtmp_src_change_state(GstElement* element, GstStateChange transition) {
  auto* self = KEK_RTMP_SRC(element);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) detach(self);
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(kek_rtmp_src_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  // The appsrc accepts buffers only once it is started (READY -> PAUSED).
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !attach(self)) return GST_STATE_CHANGE_FAILURE;
  return ret;
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
