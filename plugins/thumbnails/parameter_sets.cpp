#include "parameter_sets.h"

#include <cstring>

namespace kek::thumbnails {

namespace {

// Calls fn(type, begin, end) for each NAL unit of an Annex B access unit (begin: its header
// byte, end: before the trailing zeros and the next start code) until fn returns false.
template <class F>
void for_each_nal(const uint8_t* d, size_t n, F fn) {
  auto next_start = [&](size_t from) {
    for (size_t k = from; k + 2 < n; ++k)
      if (d[k] == 0 && d[k + 1] == 0 && d[k + 2] == 1) return k;
    return n;
  };
  for (size_t sc = next_start(0); sc < n;) {
    const size_t begin = sc + 3;
    const size_t next = next_start(begin);
    size_t end = next;
    while (end > begin && d[end - 1] == 0) --end;
    if (begin < end && !fn(d[begin] & 0x1f, begin, end)) return;
    sc = next;
  }
}

}  // namespace

kek::MiniRef<GstBuffer> ParameterSets::complete(GstBuffer* buf) {
  GstMapInfo map;
  if (!gst_buffer_map(buf, &map, GST_MAP_READ)) return kek::MiniRef<GstBuffer>::share(buf);
  bool has_sps = false, has_pps = false;
  for_each_nal(map.data, map.size, [&](int type, size_t begin, size_t end) {
    if (type != 7 && type != 8) return type != 1 && type != 5;  // no parameter set after the picture
    std::vector<uint8_t>& keep = type == 7 ? sps_ : pps_;
    const size_t len = end - begin;
    if (keep.size() != len + 4 || std::memcmp(keep.data() + 4, map.data + begin, len) != 0) {
      keep.assign({0, 0, 0, 1});
      keep.insert(keep.end(), map.data + begin, map.data + end);
    }
    (type == 7 ? has_sps : has_pps) = true;
    return true;
  });
  gst_buffer_unmap(buf, &map);
  if ((has_sps && has_pps) || sps_.empty() || pps_.empty()) return kek::MiniRef<GstBuffer>::share(buf);
  GstBuffer* out = gst_buffer_new();
  auto add = [out](const std::vector<uint8_t>& bytes) {
    gpointer copy = g_memdup2(bytes.data(), bytes.size());
    gst_buffer_append_memory(out, gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, copy, bytes.size(), 0,
                                                         bytes.size(), copy, g_free));
  };
  if (!has_sps) add(sps_);
  if (!has_pps) add(pps_);
  gst_buffer_copy_into(out, buf, static_cast<GstBufferCopyFlags>(GST_BUFFER_COPY_METADATA | GST_BUFFER_COPY_MEMORY), 0, -1);
  return kek::MiniRef<GstBuffer>::adopt(out);
}

}  // namespace kek::thumbnails
