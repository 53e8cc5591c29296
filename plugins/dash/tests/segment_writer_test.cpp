// The segment writer in a real temporary folder: the files' names and bytes (header, then the
// payload vectors), nothing half-written left behind, the window kept on disk with the init of a
// Period left once none of its segments remains, and a failed write naming the file and reason.
#include "segment_writer.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <gtest/gtest.h>

#include "support/wait.h"

#include <set>
#include <string>
#include <vector>

using namespace kek::dash;
using kek::test::read_file;

namespace {

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    while (const char* name = g_dir_read_name(d)) out.insert(name);
    g_dir_close(d);
  }
  return out;
}

class SegmentWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_autoptr(GError) error = nullptr;
    char* dir = g_dir_make_tmp("kekdashw-XXXXXX", &error);
    ASSERT_NE(dir, nullptr);
    dir_ = dir;
    g_free(dir);
    writer.start(dir_, 17, 3);
  }
  void TearDown() override {
    for (const auto& name : names_in(dir_)) g_unlink((dir_ + "/" + name).c_str());
    g_rmdir(dir_.c_str());
  }
  std::optional<WriteError> segment(uint64_t number, unsigned period, const std::string& payload) {
    const uint8_t header[] = {'H', 'D', 'R'};
    std::vector<iovec> iov;
    // Two vectors, as two samples' memories would be.
    size_t half = payload.size() / 2;
    iov.push_back({const_cast<char*>(payload.data()), half});
    iov.push_back({const_cast<char*>(payload.data()) + half, payload.size() - half});
    return writer.write_segment(number, period, header, iov);
  }

  std::string dir_;
  SegmentWriter writer;
};

}  // namespace

TEST_F(SegmentWriterTest, NamesAreThoseOfTheRun) {
  EXPECT_EQ(SegmentWriter::init_name(17, 0), "17-init.mp4");
  EXPECT_EQ(SegmentWriter::init_name(17, 2), "17-init-2.mp4");
  EXPECT_EQ(writer.segment_path(5), dir_ + "/17-5.m4s");
}

TEST_F(SegmentWriterTest, ASegmentIsItsHeaderThenItsPayloadAndNothingElseIsLeft) {
  const uint8_t init[] = {'I', 'N', 'I', 'T'};
  EXPECT_FALSE(writer.has_init(0));
  ASSERT_FALSE(writer.write_init(0, init));
  EXPECT_TRUE(writer.has_init(0));
  ASSERT_FALSE(segment(1, 0, "payload-bytes"));
  EXPECT_EQ(read_file(dir_ + "/17-init.mp4"), "INIT");
  EXPECT_EQ(read_file(dir_ + "/17-1.m4s"), "HDRpayload-bytes");
  EXPECT_EQ(names_in(dir_), (std::set<std::string>{"17-init.mp4", "17-1.m4s"}));  // no .tmp
}

TEST_F(SegmentWriterTest, TheWindowIsKeptAndALeftPeriodsInitGoesWithItsLastSegment) {
  const uint8_t init[] = {'I'};
  ASSERT_FALSE(writer.write_init(0, init));
  ASSERT_FALSE(segment(1, 0, "a"));
  ASSERT_FALSE(segment(2, 0, "b"));
  ASSERT_FALSE(writer.write_init(1, init));
  EXPECT_FALSE(writer.has_init(0));
  ASSERT_FALSE(segment(3, 1, "c"));
  ASSERT_FALSE(segment(4, 1, "d"));
  EXPECT_EQ(names_in(dir_), (std::set<std::string>{"17-init.mp4", "17-init-1.mp4", "17-2.m4s", "17-3.m4s", "17-4.m4s"}));
  ASSERT_FALSE(segment(5, 1, "e"));  // segment 2, Period 0's last, leaves: its init too
  EXPECT_EQ(names_in(dir_), (std::set<std::string>{"17-init-1.mp4", "17-3.m4s", "17-4.m4s", "17-5.m4s"}));
}

TEST_F(SegmentWriterTest, AFailedWriteNamesTheFileAndTheReason) {
  writer.start(dir_ + "/missing", 17, 3);
  auto error = segment(1, 0, "x");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->path, dir_ + "/missing/17-1.m4s");
  EXPECT_EQ(error->reason, g_strerror(ENOENT));
  const uint8_t init[] = {'I'};
  auto init_error = writer.write_init(0, init);
  ASSERT_TRUE(init_error.has_value());
  EXPECT_EQ(init_error->path, dir_ + "/missing/17-init.mp4");
  EXPECT_FALSE(writer.has_init(0));
}

TEST_F(SegmentWriterTest, PartsAreFilesOfTheirOwnKeptForTheLastSegments) {
  writer.start(dir_, 17, 100, 2);  // the parts of the last 2 segments stay
  EXPECT_EQ(SegmentWriter::part_name(17, 5, 2), "17-5.2.m4s");
  EXPECT_EQ(writer.part_path(5, 0), dir_ + "/17-5.0.m4s");
  auto part = [&](uint64_t number, unsigned index, std::string payload) {
    const uint8_t header[] = {'M', 'O', 'O', 'F'};
    std::vector<iovec> iov = {{payload.data(), payload.size()}};
    return writer.write_part(number, index, header, iov);
  };
  for (uint64_t n = 1; n <= 3; ++n) {
    ASSERT_FALSE(part(n, 0, "a"));
    ASSERT_FALSE(part(n, 1, "b"));
    ASSERT_FALSE(segment(n, 0, "ab"));
  }
  ASSERT_FALSE(part(4, 0, "c"));  // the open segment's part
  EXPECT_EQ(read_file(dir_ + "/17-3.1.m4s"), "MOOFb");
  EXPECT_EQ(names_in(dir_), (std::set<std::string>{"17-1.m4s", "17-2.m4s", "17-3.m4s", "17-2.0.m4s", "17-2.1.m4s",
                                                   "17-3.0.m4s", "17-3.1.m4s", "17-4.0.m4s"}));
  ASSERT_FALSE(segment(4, 0, "c"));
  EXPECT_FALSE(g_file_test((dir_ + "/17-2.0.m4s").c_str(), G_FILE_TEST_EXISTS));
  EXPECT_TRUE(g_file_test((dir_ + "/17-4.0.m4s").c_str(), G_FILE_TEST_EXISTS));
  auto error = [&] {
    writer.start(dir_ + "/missing", 17, 3);
    return part(1, 0, "x");
  }();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->path, dir_ + "/missing/17-1.0.m4s");
}
