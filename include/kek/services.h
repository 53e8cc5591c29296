// Services one plugin provides and others look up by name, never by file. Each well-known
// interface carries its name, versioned, as kName.
#pragma once

#include <string>

namespace kek {

class Services {
 public:
  virtual ~Services() = default;
  // The provider keeps the object alive for as long as the host runs.
  virtual void provide(const std::string& name, void* service) = 0;
  virtual void* lookup(const std::string& name) const = 0;

  template <class T>
  T* get() const { return static_cast<T*>(lookup(T::kName)); }
  template <class T>
  void provide(T* service) { provide(T::kName, static_cast<void*>(service)); }
};

// How an element inside a kek pipeline reaches the services plugins provide: the pipeline
// manager sets a GstContext of this type on every pipeline, holding the kek::Services* under the
// field "services" (G_TYPE_POINTER). Outside kek (plain gst-launch-1.0) there is no such context.
// kek/services_context.h makes and gives one.
inline constexpr const char* kServicesContextType = "kek.services";
inline constexpr const char* kServicesContextField = "services";

}  // namespace kek
