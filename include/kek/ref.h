// One small owner for GObject-derived handles (GstElement, SoupServer, GSocket...). For other C
// handles use g_autoptr / g_autofree, which GLib and GStreamer define for their types.
#pragma once

#include <glib-object.h>

#include <utility>

namespace kek {

template <class T>
class Ref {
 public:
  Ref() = default;
  // Takes over a reference the caller owns (a "transfer full" return value).
  static Ref adopt(T* p) { Ref r; r.p_ = p; return r; }
  // Adds a reference of our own to a borrowed pointer.
  static Ref share(T* p) { Ref r; r.p_ = p ? static_cast<T*>(g_object_ref(p)) : nullptr; return r; }

  Ref(const Ref& o) : p_(o.p_ ? static_cast<T*>(g_object_ref(o.p_)) : nullptr) {}
  Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Ref& operator=(Ref o) noexcept { std::swap(p_, o.p_); return *this; }
  ~Ref() { reset(); }

  void reset() { if (p_) g_object_unref(std::exchange(p_, nullptr)); }
  T* release() { return std::exchange(p_, nullptr); }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

}  // namespace kek
