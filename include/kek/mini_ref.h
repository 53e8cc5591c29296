// RAII for GStreamer mini objects (GstBuffer, GstCaps, GstEvent, GstSample, ...), as kek::Ref is
// for GObjects: one reference owned, released at scope end, copied by taking another.
//
//   auto buf = kek::MiniRef<GstBuffer>::adopt(gst_buffer_new());
//   auto caps = kek::MiniRef<GstCaps>::share(borrowed_caps);
#pragma once

#include <gst/gst.h>

#include <utility>

namespace kek {

template <class T>
class MiniRef {
 public:
  MiniRef() = default;
  // Takes over a reference the caller owns.
  static MiniRef adopt(T* p) { MiniRef r; r.p_ = p; return r; }
  // Adds a reference of our own to a borrowed pointer.
  static MiniRef share(T* p) {
    MiniRef r;
    r.p_ = p ? reinterpret_cast<T*>(gst_mini_object_ref(GST_MINI_OBJECT_CAST(p))) : nullptr;
    return r;
  }

  MiniRef(const MiniRef& o) : p_(o.p_ ? reinterpret_cast<T*>(gst_mini_object_ref(GST_MINI_OBJECT_CAST(o.p_))) : nullptr) {}
  MiniRef(MiniRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  MiniRef& operator=(MiniRef o) noexcept { std::swap(p_, o.p_); return *this; }
  ~MiniRef() { reset(); }

  void reset() { if (p_) gst_mini_object_unref(GST_MINI_OBJECT_CAST(std::exchange(p_, nullptr))); }
  T* release() { return std::exchange(p_, nullptr); }
  T* get() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

}  // namespace kek
