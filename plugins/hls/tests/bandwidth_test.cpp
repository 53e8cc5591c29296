#include "bandwidth.h"

#include <gtest/gtest.h>

using namespace kek::hls;

constexpr uint64_t kMs = 1000000;
constexpr uint64_t kSecond = 1000 * kMs;

TEST(MpegTs, PacketizesIntoWholePackets) {
  EXPECT_EQ(mpegts_bytes(0, 0), 0u);
  EXPECT_EQ(mpegts_bytes(1, 0), 188u);
  EXPECT_EQ(mpegts_bytes(184, 0), 188u);
  EXPECT_EQ(mpegts_bytes(185, 0), 376u);
  EXPECT_EQ(mpegts_bytes(370, kAudioPesOverhead), 564u);  // a 128 kb/s AAC frame: +52%
}

TEST(Meter, SteadyStreamHasPeakEqualToAverage) {
  BandwidthMeter m(2 * kSecond);
  // 100 kB/s in 10 ms buffers of 1000 bytes for 5 s.
  int closes = 0;
  for (uint64_t t = 0; t < 5 * kSecond; t += 10 * kMs) closes += m.add(t, 10 * kMs, 1000);
  EXPECT_EQ(closes, 2);
  EXPECT_TRUE(m.rates().measured);
  EXPECT_EQ(m.rates().peak_bps, 800000u);
  EXPECT_EQ(m.rates().average_bps, 800000u);
  EXPECT_TRUE(m.finish());  // the last second: long enough to count for the peak too
  EXPECT_EQ(m.rates().average_bps, 800000u);
}

TEST(Meter, PeakIsTheBusiestWindow) {
  BandwidthMeter m(1 * kSecond);
  for (uint64_t t = 0; t < 1 * kSecond; t += 100 * kMs) m.add(t, 100 * kMs, 1000);   // 80 kb/s
  for (uint64_t t = kSecond; t < 2 * kSecond; t += 100 * kMs) m.add(t, 100 * kMs, 3000);  // 240 kb/s
  m.add(2 * kSecond, 100 * kMs, 1000);
  EXPECT_EQ(m.rates().peak_bps, 240000u);
  EXPECT_EQ(m.rates().average_bps, 160000u);
}

TEST(Meter, NothingMeasuredBeforeTheFirstWindowCloses) {
  BandwidthMeter m(2 * kSecond);
  EXPECT_FALSE(m.add(0, 0, 5000));
  EXPECT_FALSE(m.add(kSecond, 0, 5000));
  EXPECT_FALSE(m.rates().measured);
}

TEST(Meter, ShortStreamIsMeasuredAtTheEnd) {
  BandwidthMeter m(2 * kSecond);
  m.add(0, 250 * kMs, 1000);
  m.add(250 * kMs, 250 * kMs, 1000);
  EXPECT_TRUE(m.finish());
  EXPECT_TRUE(m.rates().measured);
  EXPECT_EQ(m.rates().average_bps, 32000u);  // 2000 bytes in 0.5 s
  EXPECT_EQ(m.rates().peak_bps, 32000u);
  EXPECT_FALSE(m.finish());
}

TEST(Meter, ShortTailDoesNotSetThePeak) {
  BandwidthMeter m(2 * kSecond);
  for (uint64_t t = 0; t < 10 * kSecond; t += 100 * kMs) m.add(t, 100 * kMs, 1000);
  m.add(10 * kSecond, 100 * kMs, 50000);  // 4 Mb/s for a twentieth of a window
  m.finish();
  // The tail raises the average (all bytes count) but is no window of its own; the peak is
  // never below the average, as RFC 8216 has BANDWIDTH >= AVERAGE-BANDWIDTH.
  EXPECT_EQ(m.rates().average_bps, 118811u);
  EXPECT_EQ(m.rates().peak_bps, m.rates().average_bps);
}

TEST(Meter, RestartedWindowSurvivesATimestampJump) {
  BandwidthMeter m(1 * kSecond);
  for (uint64_t t = 0; t < 1500 * kMs; t += 100 * kMs) m.add(t, 100 * kMs, 1000);
  m.restart_window();
  for (uint64_t t = 0; t < 1500 * kMs; t += 100 * kMs) m.add(t, 100 * kMs, 1000);
  EXPECT_EQ(m.rates().peak_bps, 80000u);
}
