// The kek.services GstContext (kServicesContextType in kek/services.h) made and given in one
// place: kek's pipeline manager sets it on every pipeline; a plugin that runs a pipeline of its
// own (an RTSP media, a WHEP hub) or a test gives it the same way.
#pragma once

#include <kek/mini_ref.h>
#include <kek/services.h>

#include <gst/gst.h>

namespace kek {

// A persistent kek.services context holding `services` (borrowed: it must outlive every element
// the context is set on).
inline MiniRef<GstContext> make_services_context(Services* services) {
  auto context = MiniRef<GstContext>::adopt(gst_context_new(kServicesContextType, TRUE));
  gst_structure_set(gst_context_writable_structure(context.get()), kServicesContextField, G_TYPE_POINTER, services,
                    nullptr);
  return context;
}

// Sets that context on `element` (a pipeline or a bin: its children get it).
inline void give_services(GstElement* element, Services& services) {
  gst_element_set_context(element, make_services_context(&services).get());
}

}  // namespace kek
