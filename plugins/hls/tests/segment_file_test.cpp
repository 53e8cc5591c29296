// SegmentFile on real files: small and large units (the buffer, a write through it, the buffer
// filled past its size) land in the file in order; a full disk (/dev/full) is reported with its
// errno and the file is closed.
#include "segment_file.h"

#include "support/wait.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

using kek::hls::SegmentFile;
using kek::test::read_file;

namespace {

std::vector<uint8_t> unit(size_t size, uint8_t seed) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 7);
  return out;
}

}  // namespace

TEST(SegmentFile, SmallAndLargeUnitsLandInOrder) {
  char* dir = g_dir_make_tmp("kek-segment-file-XXXXXX", nullptr);
  ASSERT_NE(dir, nullptr);
  const std::string path = std::string(dir) + "/0-00001.ts";
  // 188-byte packets, a keyframe-sized unit, units that fill the buffer past its size, a unit
  // just at the direct size, and the buffer left with bytes at close.
  const std::vector<size_t> sizes = {188, 376, 100 * 188, 188 * 300, SegmentFile::kCapacity - 10, 188 * 20,
                                     SegmentFile::kDirectBytes, SegmentFile::kDirectBytes - 1, 188};
  std::string expected;
  SegmentFile file;
  ASSERT_TRUE(file.open(path));
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto bytes = unit(sizes[i], static_cast<uint8_t>(i));
    expected.append(bytes.begin(), bytes.end());
    ASSERT_TRUE(file.write(bytes)) << i;
  }
  ASSERT_TRUE(file.close());
  EXPECT_FALSE(file.is_open());
  EXPECT_EQ(read_file(path), expected);
  g_remove(path.c_str());
  g_rmdir(dir);
  g_free(dir);
}

TEST(SegmentFile, AFullDiskIsReportedWithItsErrno) {
  for (size_t size : {size_t{188}, size_t{SegmentFile::kDirectBytes * 2}}) {
    SegmentFile file;
    ASSERT_TRUE(file.open("/dev/full"));
    auto bytes = unit(size, 1);
    // A small unit waits in the buffer and fails at close; a large one fails at once.
    const bool wrote = file.write(bytes);
    const bool closed = file.close();
    EXPECT_FALSE(wrote && closed) << size;
    EXPECT_EQ(file.error(), ENOSPC) << size;
    EXPECT_FALSE(file.is_open());
  }
}
