// The TS cutter against an in-memory SegmentSink and a listener that records what it hears:
// where segments start and end, what bytes each holds, the audio-only cut with PAT/PMT in front
// of every segment, and failures reported once with no data taken after them.
#include "ts_cutter.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <string>
#include <vector>

using namespace kek::hls;

namespace {

constexpr uint64_t kMs = 1'000'000;

class MemorySink : public SegmentSink {
 public:
  bool open(const std::string& path) override {
    discard();
    if (fail_open) {
      error_ = fail_open;
      return false;
    }
    path_ = path;
    files[path].clear();
    return true;
  }
  bool write(std::span<const uint8_t> bytes) override {
    if (fail_write) {
      error_ = fail_write;
      return false;
    }
    auto& f = files[path_];
    f.insert(f.end(), bytes.begin(), bytes.end());
    return true;
  }
  bool close() override {
    if (fail_close) {
      error_ = fail_close;
      path_.clear();
      return false;
    }
    closed.push_back(path_);
    path_.clear();
    return true;
  }
  void discard() override {
    if (!path_.empty()) discarded.push_back(path_);
    path_.clear();
  }
  bool is_open() const override { return !path_.empty(); }
  int error() const override { return error_; }

  std::map<std::string, std::vector<uint8_t>> files;
  std::vector<std::string> closed, discarded;
  int fail_open = 0, fail_write = 0, fail_close = 0;

 private:
  std::string path_;
  int error_ = 0;
};

// Cuts once a segment reaches `target`, as the playlist writer decides.
class Recorder : public CutListener {
 public:
  void segment_opened(const std::string& path, uint64_t at) override {
    events.push_back("open " + path + " @" + std::to_string(at / kMs));
    start = at;
  }
  void segment_closed(const std::string& path, uint64_t at) override {
    events.push_back("close " + path + " @" + std::to_string(at / kMs));
  }
  bool should_cut(uint64_t at, uint64_t length) override { return at + length >= start + target; }
  void segment_failed(const char* action, const std::string& path, int err) override {
    events.push_back(std::string("failed ") + action + " " + path + " " + std::to_string(err));
  }

  std::vector<std::string> events;
  uint64_t start = 0;
  uint64_t target = 2000 * kMs;
};

std::vector<uint8_t> bytes(uint8_t value, size_t n = kTsPacket) { return std::vector<uint8_t>(n, value); }

// A TS packet: sync byte, PID, payload_unit_start, then `fill`.
std::vector<uint8_t> packet(int pid, bool unit_start, uint8_t fill = 0xab) {
  std::vector<uint8_t> p(kTsPacket, fill);
  p[0] = 0x47;
  p[1] = static_cast<uint8_t>((unit_start ? 0x40 : 0) | ((pid >> 8) & 0x1f));
  p[2] = static_cast<uint8_t>(pid & 0xff);
  p[3] = 0x10;  // payload only
  return p;
}

// A PAT naming program 1 at PMT PID 0x1000.
std::vector<uint8_t> pat() {
  std::vector<uint8_t> p = packet(0, true, 0xff);
  const uint8_t section[] = {0x00,                    // pointer field
                             0x00, 0xb0, 0x0d,        // table id, section length 13
                             0x00, 0x01, 0xc1, 0x00, 0x00,  // ts id, version, section numbers
                             0x00, 0x01, 0xf0, 0x00,  // program 1 -> PID 0x1000
                             0x2a, 0xb1, 0x04, 0xb2};  // CRC (not checked)
  std::copy(std::begin(section), std::end(section), p.begin() + 4);
  return p;
}

class TsCutterTest : public ::testing::Test {
 protected:
  MemorySink sink;
  Recorder listener;
  TsCutter cutter{sink, listener};
};

}  // namespace

TEST_F(TsCutterTest, EachAnnouncedKeyframeLateEnoughStartsASegment) {
  cutter.start("d/7-", false);
  cutter.keyframe_ahead(0);
  ASSERT_TRUE(cutter.push(bytes(1), 0));
  cutter.keyframe_ahead(1000 * kMs);  // too soon: the segment goes on
  ASSERT_TRUE(cutter.push(bytes(2), 1000 * kMs));
  cutter.keyframe_ahead(2000 * kMs);
  ASSERT_TRUE(cutter.push(bytes(3), 2000 * kMs));
  cutter.finish(3000 * kMs);
  EXPECT_EQ(listener.events, (std::vector<std::string>{"open d/7-00000.ts @0", "close d/7-00000.ts @2000",
                                                       "open d/7-00001.ts @2000", "close d/7-00001.ts @3000"}));
  std::vector<uint8_t> first = bytes(1);
  auto two = bytes(2);
  first.insert(first.end(), two.begin(), two.end());
  EXPECT_EQ(sink.files["d/7-00000.ts"], first);
  EXPECT_EQ(sink.files["d/7-00001.ts"], bytes(3));
  EXPECT_EQ(sink.closed, (std::vector<std::string>{"d/7-00000.ts", "d/7-00001.ts"}));
}

TEST_F(TsCutterTest, DataBeforeAnyTimeIsAnnouncedWithTheFirstTime) {
  cutter.start("d/1-", false);
  ASSERT_TRUE(cutter.push(bytes(1), kNoTime));  // PAT/PMT come before the first timestamped packet
  EXPECT_TRUE(listener.events.empty());
  cutter.keyframe_ahead(40 * kMs);  // announces the open segment, does not cut it
  ASSERT_TRUE(cutter.push(bytes(2), 40 * kMs));
  cutter.finish(kNoTime);  // ends at the highest time pushed
  EXPECT_EQ(listener.events, (std::vector<std::string>{"open d/1-00000.ts @40", "close d/1-00000.ts @40"}));
  EXPECT_EQ(sink.files["d/1-00000.ts"].size(), 2 * kTsPacket);
}

// What an RTMP publish from ffmpeg looks like: the AAC priming frame puts the first audio 21 ms
// before the first picture. The segments are measured keyframe to keyframe, the audio ahead of
// the first one goes into the first segment's file, and its EXTINF is the GOP, not 21 ms more.
TEST_F(TsCutterTest, AudioAheadOfTheFirstKeyframeIsWrittenButDoesNotStartTheFirstSegment) {
  cutter.start("d/1-", false);
  ASSERT_TRUE(cutter.push(bytes(1), 0, false));  // audio at 0
  EXPECT_TRUE(listener.events.empty());
  cutter.keyframe_ahead(21 * kMs);
  ASSERT_TRUE(cutter.push(bytes(2), 21 * kMs));
  ASSERT_TRUE(cutter.push(bytes(3), 42 * kMs, false));
  ASSERT_TRUE(cutter.push(bytes(4), 2000 * kMs, false));  // audio before the next keyframe
  cutter.keyframe_ahead(2021 * kMs);
  ASSERT_TRUE(cutter.push(bytes(5), 2021 * kMs));
  cutter.finish(3021 * kMs);
  EXPECT_EQ(listener.events, (std::vector<std::string>{"open d/1-00000.ts @21", "close d/1-00000.ts @2021",
                                                       "open d/1-00001.ts @2021", "close d/1-00001.ts @3021"}));
  EXPECT_EQ(sink.files["d/1-00000.ts"].size(), 4 * kTsPacket);
  EXPECT_EQ(sink.files["d/1-00000.ts"].front(), 1);  // the early audio is kept, first in the file
  EXPECT_EQ(sink.files["d/1-00001.ts"], bytes(5));
}

TEST_F(TsCutterTest, ASegmentWithOnlyAudioOffTheTimelineIsNotListed) {
  cutter.start("d/1-", false);
  ASSERT_TRUE(cutter.push(bytes(1), 0, false));
  ASSERT_TRUE(cutter.push(bytes(1), 500 * kMs, false));
  cutter.finish(kNoTime);
  EXPECT_TRUE(listener.events.empty());
  EXPECT_EQ(sink.closed.size(), 1u);
}

TEST_F(TsCutterTest, ASegmentThatNeverHadATimeIsNotListed) {
  cutter.start("d/1-", false);
  ASSERT_TRUE(cutter.push(bytes(1), kNoTime));
  cutter.finish(kNoTime);
  EXPECT_TRUE(listener.events.empty());
  EXPECT_EQ(sink.closed.size(), 1u);
}

TEST_F(TsCutterTest, FinishEndsAtTheGivenEndNotTheLastPacket) {
  cutter.start("d/1-", false);
  ASSERT_TRUE(cutter.push(bytes(1), 0));
  ASSERT_TRUE(cutter.push(bytes(1), 1900 * kMs));
  cutter.finish(1966 * kMs);  // the video's end: its last frame's PTS + duration
  EXPECT_EQ(listener.events.back(), "close d/1-00000.ts @1966");
}

TEST_F(TsCutterTest, AudioOnlyCutsBeforeTheFrameThatWouldPassTheTargetWithPatAndPmtInFront) {
  listener.target = 100 * kMs;
  cutter.start("a/5-", true);
  auto p = pat();
  auto pmt = packet(0x1000, true, 0x22);
  std::vector<uint8_t> psi = p;
  psi.insert(psi.end(), pmt.begin(), pmt.end());
  ASSERT_TRUE(cutter.push(psi, kNoTime));
  // AAC frames of 21.333 ms: 0, 21, 42, 64, 85 -> the one at 85 would end at 106 > 100: cut there.
  std::vector<uint64_t> times;
  for (int i = 0; i < 8; ++i) times.push_back(static_cast<uint64_t>(i) * 21'333'333);
  for (size_t i = 0; i < times.size(); ++i) {
    auto start = packet(0x41, true, static_cast<uint8_t>(i));
    auto more = packet(0x41, false, static_cast<uint8_t>(i));
    start.insert(start.end(), more.begin(), more.end());
    ASSERT_TRUE(cutter.push(start, times[i]));
  }
  cutter.finish(kNoTime);
  ASSERT_GE(listener.events.size(), 4u);
  EXPECT_EQ(listener.events[0], "open a/5-00000.ts @0");
  EXPECT_EQ(listener.events[1], "close a/5-00000.ts @85");
  EXPECT_EQ(listener.events[2], "open a/5-00001.ts @85");
  const auto& second = sink.files["a/5-00001.ts"];
  ASSERT_GE(second.size(), 3 * kTsPacket);
  // The latest PAT and PMT, byte for byte, then the frame that was cut before.
  EXPECT_TRUE(std::equal(p.begin(), p.end(), second.begin()));
  EXPECT_TRUE(std::equal(pmt.begin(), pmt.end(), second.begin() + kTsPacket));
  EXPECT_EQ(second[2 * kTsPacket + 4], 4);  // frame 4's first packet
  // The first segment holds PAT, PMT and frames 0-3 (two packets each), nothing of frame 4.
  EXPECT_EQ(sink.files["a/5-00000.ts"].size(), (2 + 4 * 2) * kTsPacket);
}

TEST_F(TsCutterTest, AnOpenFailureIsReportedOnceAndNoDataIsTakenAfterIt) {
  sink.fail_open = EACCES;
  cutter.start("d/1-", false);
  EXPECT_FALSE(cutter.push(bytes(1), 0));
  EXPECT_TRUE(cutter.failed());
  EXPECT_FALSE(cutter.push(bytes(1), 40 * kMs));
  cutter.keyframe_ahead(2000 * kMs);
  cutter.finish(kNoTime);
  EXPECT_EQ(listener.events, (std::vector<std::string>{"failed open d/1-00000.ts " + std::to_string(EACCES)}));
}

TEST_F(TsCutterTest, AFullDiskAtCloseIsReportedAndTheSegmentIsNotListed) {
  cutter.start("d/1-", false);
  cutter.keyframe_ahead(0);
  ASSERT_TRUE(cutter.push(bytes(1), 0));
  sink.fail_close = ENOSPC;
  cutter.keyframe_ahead(2000 * kMs);
  EXPECT_EQ(listener.events, (std::vector<std::string>{"open d/1-00000.ts @0",
                                                       "failed write d/1-00000.ts " + std::to_string(ENOSPC)}));
  EXPECT_FALSE(cutter.push(bytes(2), 2000 * kMs));
}

TEST_F(TsCutterTest, AWriteErrorIsReported) {
  cutter.start("d/1-", false);
  cutter.keyframe_ahead(0);
  sink.fail_write = EIO;
  EXPECT_FALSE(cutter.push(bytes(1), 0));
  EXPECT_EQ(listener.events.back(), "failed write d/1-00000.ts " + std::to_string(EIO));
}

TEST_F(TsCutterTest, DiscardDropsTheOpenSegmentAndANewRunStartsItsOwnNames) {
  cutter.start("d/1-", false);
  cutter.keyframe_ahead(0);
  ASSERT_TRUE(cutter.push(bytes(1), 0));
  cutter.discard();
  EXPECT_EQ(sink.discarded, (std::vector<std::string>{"d/1-00000.ts"}));
  cutter.start("d/2-", false);
  cutter.keyframe_ahead(0);
  ASSERT_TRUE(cutter.push(bytes(1), 0));
  cutter.finish(kNoTime);
  EXPECT_EQ(listener.events, (std::vector<std::string>{"open d/1-00000.ts @0", "open d/2-00000.ts @0",
                                                       "close d/2-00000.ts @0"}));
}
