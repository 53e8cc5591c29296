// The ordering rule, the watched rule and what a report may say.
#include "rules.h"

#include <gtest/gtest.h>

using namespace kek::history;

namespace {
constexpr int64_t kNow = 1750000000000;  // 2025-06-15, in ms

kek::Result<PositionReport> parse(const std::string& body) { return parse_position_report(body, kNow); }
std::string reason_of(const std::string& body) {
  auto r = parse(body);
  return r ? "ok" : r.error().reason;
}
}  // namespace

TEST(OrderingRule, TheReportSentLastWins) {
  EXPECT_TRUE(supersedes(2000, 1000));
  EXPECT_FALSE(supersedes(1000, 2000)) << "an older report (second device, out of order) never overwrites";
  EXPECT_FALSE(supersedes(1000, 1000)) << "the same report twice changes nothing";
}

TEST(WatchedRule, LastFivePercentOfALongFilm) {
  const double film = 90 * 60;  // 90 min: 5 % is 4.5 min, more than 2 min
  EXPECT_DOUBLE_EQ(end_zone_s(film), 270);
  EXPECT_FALSE(counts_as_watched(film - 271, film));
  EXPECT_TRUE(counts_as_watched(film - 270, film));
  EXPECT_TRUE(counts_as_watched(film, film));
}

TEST(WatchedRule, LastTwoMinutesOfAShorterOne) {
  const double episode = 20 * 60;  // 5 % is 1 min: the last 2 minutes count
  EXPECT_DOUBLE_EQ(end_zone_s(episode), 120);
  EXPECT_FALSE(counts_as_watched(episode - 121, episode));
  EXPECT_TRUE(counts_as_watched(episode - 119, episode));
}

TEST(WatchedRule, ShortClipsAreNotWatchedInTheirFirstMinutes) {
  // A 3-minute clip: the last 2 minutes would be two thirds of it; the last quarter counts.
  EXPECT_DOUBLE_EQ(end_zone_s(180), 45);
  EXPECT_FALSE(counts_as_watched(60, 180));
  EXPECT_TRUE(counts_as_watched(136, 180));
  EXPECT_FALSE(counts_as_watched(15, 60));
  EXPECT_TRUE(counts_as_watched(46, 60));
  EXPECT_FALSE(counts_as_watched(10, 0)) << "no duration, no verdict";
}

TEST(WatchedRule, ResumeFromTheMiddleNotFromTheEndOrTheOpening) {
  EXPECT_DOUBLE_EQ(resume_position(4354, 7200), 4354);  // "Resume from 1:12:34"
  EXPECT_DOUBLE_EQ(resume_position(7100, 7200), 0) << "watched: next time from the beginning";
  EXPECT_DOUBLE_EQ(resume_position(5, 7200), 0) << "the opening seconds are not worth resuming";
  EXPECT_DOUBLE_EQ(resume_position(15, 60), 15);
  EXPECT_TRUE(in_progress(4354, 7200));
  EXPECT_FALSE(in_progress(7190, 7200));
  EXPECT_FALSE(in_progress(0, 7200));
}

TEST(Reports, AGoodOneIsRead) {
  auto r = parse(R"({"position_s": 15.25, "duration_s": 60, "sent_at": 1750000000000})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_DOUBLE_EQ(r->position_s, 15.25);
  EXPECT_DOUBLE_EQ(r->duration_s, 60);
  EXPECT_EQ(r->sent_at_ms, 1750000000000);
  // performance.timeOrigin + performance.now() has a fraction: it is cut to the millisecond.
  auto f = parse(R"({"position_s": 0, "duration_s": 1, "sent_at": 1749999999999.75})");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->sent_at_ms, 1749999999999);
}

TEST(Reports, BadInputIsRefusedWithAClearReason) {
  EXPECT_EQ(reason_of("not json"), "invalid_json");
  EXPECT_EQ(reason_of("[1, 2]"), "invalid_json");
  EXPECT_EQ(reason_of(R"({"position_s": -1, "duration_s": 60, "sent_at": 1750000000000})"), "invalid_field");
  // JSON.stringify(NaN) is null; a string "NaN" is no number either; NaN itself is not JSON.
  EXPECT_EQ(reason_of(R"({"position_s": null, "duration_s": 60, "sent_at": 1750000000000})"), "invalid_field");
  EXPECT_EQ(reason_of(R"({"position_s": "NaN", "duration_s": 60, "sent_at": 1750000000000})"), "invalid_field");
  EXPECT_EQ(reason_of(R"({"position_s": NaN, "duration_s": 60, "sent_at": 1750000000000})"), "invalid_json");
  EXPECT_EQ(reason_of(R"({"position_s": 61.5, "duration_s": 60, "sent_at": 1750000000000})"), "position_past_end");
  EXPECT_EQ(reason_of(R"({"position_s": 10, "duration_s": 0, "sent_at": 1750000000000})"), "invalid_field");
  EXPECT_EQ(reason_of(R"({"position_s": 10, "duration_s": 60})"), "invalid_field");
  EXPECT_EQ(reason_of(R"({"position_s": 10, "duration_s": 60, "sent_at": 1750})"), "invalid_field")
      << "seconds instead of milliseconds";
  EXPECT_EQ(reason_of(R"({"position_s": 10, "duration_s": 60, "sent_at": 1750007200000})"), "sent_at_in_future");
  // Found by history-fuzz-bodies: a sent_at past int64's range was cast before it was compared
  // (undefined behaviour); it is in the future like any other.
  EXPECT_EQ(reason_of(R"({"position_s": 1, "duration_s": 60, "sent_at": 9223372036854775807})"), "sent_at_in_future");
  EXPECT_EQ(reason_of(R"({"position_s": 1, "duration_s": 60, "sent_at": 1e308})"), "sent_at_in_future");
  auto msg = parse(R"({"position_s": -1, "duration_s": 60, "sent_at": 1750000000000})");
  EXPECT_NE(msg.error().message.find("position_s"), std::string::npos) << msg.error().message;
  EXPECT_EQ(msg.error().code, 400);
}

TEST(Reports, ThePositionIsCheckedAgainstTheCatalogue) {
  PositionReport r{100, 200, kNow};  // the player thinks the film is longer than it is
  auto d = check_against_catalogue(r, 60);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().reason, "position_past_end");
  r.position_s = 61;  // a second past the end: players overshoot a little
  ASSERT_TRUE(check_against_catalogue(r, 60));
  EXPECT_DOUBLE_EQ(*check_against_catalogue(r, 60), 60) << "the catalogue's duration is stored";
  EXPECT_DOUBLE_EQ(*check_against_catalogue(r, 0), 200) << "not probed yet: the player's";
}

TEST(Reports, LiveReportsSayHowLongThePlayerPlayed) {
  auto r = parse_live_report(R"({"played_s": 10.2, "sent_at": 1750000000000})", kNow);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_DOUBLE_EQ(r->played_s, 10.2);
  EXPECT_FALSE(parse_live_report(R"({"played_s": -3, "sent_at": 1750000000000})", kNow));
  EXPECT_FALSE(parse_live_report(R"({"played_s": 3600, "sent_at": 1750000000000})", kNow));
  EXPECT_FALSE(parse_live_report(R"({"sent_at": 1750000000000})", kNow));
}
