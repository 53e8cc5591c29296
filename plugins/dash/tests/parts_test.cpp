// Where LL-HLS parts are cut: never past the part target, whatever the frame rate, with one
// frame of rounding allowed for; the sample that would overrun starts the next part.
#include "parts.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

using kek::dash::part_is_full;

namespace {

// Cuts a stream of `count` samples `step` ns apart into parts of part_ns: their sample counts.
std::vector<int> cut(int64_t step, int count, uint64_t part_ns) {
  std::vector<int> parts = {1};
  int64_t start = 0, last = 0;
  for (int i = 1; i < count; ++i) {
    const int64_t dts = i * step;
    if (part_is_full(start, last, dts, part_ns)) {
      parts.push_back(0);
      start = dts;
    }
    ++parts.back();
    last = dts;
  }
  return parts;
}

}  // namespace

TEST(Parts, VideoPartsStayWithinThePartTarget) {
  // 25 fps, 0.5 s parts: 12 frames (0.48 s), never 13 (0.52 s).
  EXPECT_EQ(cut(40000000, 48, 500000000), (std::vector<int>{12, 12, 12, 12}));
  // 30 fps (33.33 ms, rounded down in ns): 15 frames make 0.5 s exactly.
  EXPECT_EQ(cut(33333333, 60, 500000000), (std::vector<int>{15, 15, 15, 15}));
  // 0.2 s parts at 25 fps: 5 frames.
  EXPECT_EQ(cut(40000000, 20, 200000000), (std::vector<int>{5, 5, 5, 5}));
}

TEST(Parts, AudioPartsOfWholeFrames) {
  // 1024-sample AAC frames at 48 kHz (21.33 ms): 23 frames (0.491 s) per 0.5 s part.
  const int64_t frame = 1024 * 1000000000LL / 48000;
  auto parts = cut(frame, 92, 500000000);
  EXPECT_EQ(parts, (std::vector<int>{23, 23, 23, 23}));
}

TEST(Parts, NoPartsWithoutAPartDurationAndOneSampleAtLeast) {
  EXPECT_FALSE(part_is_full(0, 0, 3000000000, 0));
  EXPECT_FALSE(part_is_full(100, 100, 100, 500000000)) << "the part's first sample";
  // A sample longer than a part: each part holds one.
  EXPECT_EQ(cut(600000000, 3, 500000000), (std::vector<int>{1, 1, 1}));
}
