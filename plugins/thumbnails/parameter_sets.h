// The SPS and PPS of a byte-stream H.264 stream, remembered from its keyframes and put back in
// front of a keyframe that comes without them. A publisher may send them once, at the start;
// such a keyframe cannot be decoded alone, and a pool decoder has just decoded another stream's.
// Scans only the keyframes handed over (one per interval) and copies only new sets.
#pragma once

#include <kek/mini_ref.h>

#include <gst/gst.h>

#include <cstdint>
#include <vector>

namespace kek::thumbnails {

class ParameterSets {
 public:
  void reset() { sps_.clear(), pps_.clear(); }
  // `buf` as it should be decoded alone: itself, or a new buffer with the remembered sets first.
  kek::MiniRef<GstBuffer> complete(GstBuffer* buf);

 private:
  std::vector<uint8_t> sps_, pps_;  // with their start codes
};

}  // namespace kek::thumbnails
