// The period logic: a track opens a Period or joins the one another opened, when it joins (at once
// after a format change, two target durations late after a seam if its own never comes, video at
// a keyframe), and when a Period is settled enough to list.
#include "periods.h"

#include <gtest/gtest.h>

#include <vector>

using namespace kek::dash;

namespace {

constexpr uint64_t kSecond = 1'000'000'000;

RepresentationState rep(bool video) {
  RepresentationState r;
  r.name = video ? "v0" : "audio";
  r.video = video;
  r.have_first = true;
  return r;
}

void wrote_in(RepresentationState& r, unsigned period) {
  r.add_segment({r.listed.size() + 1, 0, 90000, period}, "init.mp4", std::make_shared<TrackConfig>(), 0, kSecond,
                1000, 6);
}

}  // namespace

TEST(Periods, TheFirstTrackOpensTheNextPeriodAndTheOtherJoinsIt) {
  std::vector<PeriodState> periods(1);
  RepresentationState video = rep(true), audio = rep(false);
  EXPECT_TRUE(enter_next_period(periods, video, 5 * kSecond, true));
  EXPECT_EQ(periods.size(), 2u);
  EXPECT_EQ(video.period, 1u);
  EXPECT_EQ(periods[1].requested_at, static_cast<int64_t>(5 * kSecond));
  EXPECT_TRUE(periods[1].by_seam);
  EXPECT_FALSE(enter_next_period(periods, audio, 5 * kSecond + 10, false));  // joins, opens nothing
  EXPECT_EQ(periods.size(), 2u);
  EXPECT_EQ(audio.period, 1u);
}

TEST(Periods, AFormatChangeIsJoinedAtOnceASeamTwoTargetsLate) {
  PeriodState caps{10 * kSecond, false, false, 0};
  EXPECT_EQ(join_time(caps, 2 * kSecond), static_cast<int64_t>(10 * kSecond));
  PeriodState seam{10 * kSecond, true, false, 0};
  EXPECT_EQ(join_time(seam, 2 * kSecond), static_cast<int64_t>(14 * kSecond));
  EXPECT_FALSE(joins_now(seam, 2 * kSecond, 13 * kSecond, false, true));
  EXPECT_TRUE(joins_now(seam, 2 * kSecond, 14 * kSecond, false, true));
  // Video joins only at a keyframe, audio at any frame.
  EXPECT_FALSE(joins_now(caps, 2 * kSecond, 10 * kSecond, true, false));
  EXPECT_TRUE(joins_now(caps, 2 * kSecond, 10 * kSecond, true, true));
  EXPECT_TRUE(joins_now(caps, 2 * kSecond, 10 * kSecond, false, false));
}

TEST(Periods, APeriodIsSettledOnceEveryTrackWroteInItMovedPastItOrEnded) {
  std::vector<PeriodState> periods(1);
  RepresentationState video = rep(true), audio = rep(false), silent = rep(true);
  silent.have_first = false;  // never sent anything: not waited for
  std::vector<const RepresentationState*> reps{&video, &audio, &silent};
  EXPECT_FALSE(period_settled(reps, 0));
  wrote_in(video, 0);
  EXPECT_FALSE(period_settled(reps, 0));  // audio has not decided
  wrote_in(audio, 0);
  EXPECT_TRUE(period_settled(reps, 0));

  enter_next_period(periods, video, kSecond, true);
  wrote_in(video, 1);
  EXPECT_FALSE(period_settled(reps, 1));
  audio.ended = true;  // ended before it
  EXPECT_TRUE(period_settled(reps, 1));
}

TEST(Periods, ATrackThatMovedPastAPeriodWithoutWritingInItDoesNotHoldItBack) {
  std::vector<PeriodState> periods(1);
  RepresentationState video = rep(true), audio = rep(false);
  std::vector<const RepresentationState*> reps{&video, &audio};
  wrote_in(video, 0);
  wrote_in(audio, 0);
  enter_next_period(periods, video, kSecond, false);
  enter_next_period(periods, video, 2 * kSecond, false);  // two format changes in a row
  wrote_in(video, 2);
  enter_next_period(periods, audio, kSecond, false);
  EXPECT_FALSE(period_settled(reps, 1));  // audio is in it and has not written
  enter_next_period(periods, audio, 2 * kSecond, false);
  EXPECT_TRUE(period_settled(reps, 1));   // nobody wrote in 1: both moved past
}

TEST(Presentation, TheWindowKeepsTheLatestAndThePeakTheHighest) {
  RepresentationState r = rep(true);
  EXPECT_EQ(r.bandwidth(), 1000000u);  // a placeholder before anything is known
  r.declared_bps = 2500000;
  EXPECT_EQ(r.bandwidth(), 2500000u);
  auto config = std::make_shared<TrackConfig>();
  for (uint64_t n = 1; n <= 8; ++n)
    r.add_segment({n, n * 180000, 180000, 0}, "1-init.mp4", config, n * 2 * kSecond, (n + 1) * 2 * kSecond,
                  n == 3 ? 4000000 : 3000000, 6);
  ASSERT_EQ(r.listed.size(), 6u);
  EXPECT_EQ(r.listed.front().number, 3u);
  EXPECT_EQ(r.bandwidth(), 4000000u);  // measured wins
  EXPECT_EQ(r.end_ns, 18 * kSecond);
  ASSERT_EQ(r.periods.size(), 1u);
  EXPECT_EQ(r.periods[0].first_ept_ns, 2 * kSecond);
}

TEST(Presentation, Timescales) {
  TrackConfig c;
  EXPECT_EQ(timescale_of(true, c), 90000u);
  EXPECT_EQ(timescale_of(false, c), 48000u);
  c.rate = 44100;
  EXPECT_EQ(timescale_of(false, c), 44100u);
}
