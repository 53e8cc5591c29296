// The heartbeat rate limit and the view-counting rules.
#include "rate_limit.h"
#include "views.h"
#include "settings.h"
#include "support/plugin_args.h"

#include <gtest/gtest.h>

using namespace kek::history;

TEST(RateLimit, ABurstThenASteadyRatePerClient) {
  RateLimiter limiter(60, 5);  // one a second, five at once
  const int64_t t0 = 1000000000;
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.take("a", t0)) << i;
  auto wait = limiter.take("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1);
  EXPECT_FALSE(limiter.take("b", t0)) << "another client has its own budget";
  EXPECT_FALSE(limiter.take("a", t0 + 1000000)) << "a second later one more";
  EXPECT_TRUE(limiter.take("a", t0 + 1000000));
}

TEST(Views, CountedAfterThirtySecondsOncePerWindow) {
  ViewCounter views(ViewRules{});
  const int64_t t0 = 1750000000000;
  EXPECT_EQ(views.report("u:1", "10.0.0.1", false, "film:x", 0, t0), ViewCounter::Verdict::started);
  EXPECT_EQ(views.report("u:1", "10.0.0.1", false, "film:x", 29, t0 + 29000), ViewCounter::Verdict::waiting);
  EXPECT_EQ(views.report("u:1", "10.0.0.1", false, "film:x", 30, t0 + 30000), ViewCounter::Verdict::counted);
  EXPECT_EQ(views.report("u:1", "10.0.0.1", false, "film:x", 31, t0 + 31000), ViewCounter::Verdict::already_counted);
  // Another tab of the same user within 30 minutes: still one view.
  EXPECT_EQ(views.report("u:1", "10.0.0.2", false, "film:x", 40, t0 + 20 * 60000), ViewCounter::Verdict::already_counted);
  // After the window, watching again counts again (once it has played 30 s).
  EXPECT_EQ(views.report("u:1", "10.0.0.1", false, "film:x", 0, t0 + 31 * 60000), ViewCounter::Verdict::started);
  EXPECT_EQ(views.report("u:1", "10.0.0.1", false, "film:x", 30, t0 + 31 * 60000 + 30000), ViewCounter::Verdict::counted);
}

TEST(Views, APlayerThatClaimsThirtySecondsAtOnceWaitsForThem) {
  ViewCounter views(ViewRules{});
  const int64_t t0 = 1750000000000;
  EXPECT_EQ(views.report("c:abcdefgh", "10.0.0.1", true, "film:x", 30, t0), ViewCounter::Verdict::waiting);
  EXPECT_EQ(views.report("c:abcdefgh", "10.0.0.1", true, "film:x", 30, t0 + 10000), ViewCounter::Verdict::waiting);
  EXPECT_EQ(views.report("c:abcdefgh", "10.0.0.1", true, "film:x", 30, t0 + 30000), ViewCounter::Verdict::counted);
}

TEST(Views, MadeUpClientIdsFromOneAddressCountOnlySoOften) {
  ViewRules rules;
  rules.anonymous_per_address = 3;
  ViewCounter views(rules);
  const int64_t t0 = 1750000000000;
  int counted = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string client = "c:client" + std::to_string(i);
    views.report(client, "10.0.0.9", true, "live:cam", 0, t0);
    if (views.report(client, "10.0.0.9", true, "live:cam", 31, t0 + 31000) == ViewCounter::Verdict::counted) ++counted;
  }
  EXPECT_EQ(counted, 3);
  // An account is not an anonymous client: it is counted by itself.
  views.report("u:5", "10.0.0.9", false, "live:cam", 0, t0);
  EXPECT_EQ(views.report("u:5", "10.0.0.9", false, "live:cam", 31, t0 + 31000), ViewCounter::Verdict::counted);
}

namespace {

kek::Result<kek::history::Settings> settings_of(const std::string& json) { return kek::history::read_settings(kek::test::plugin_args(json)); }

}  // namespace

TEST(HistorySettings, ViewRulesAreConfiguredInSecondsAndKeptInMilliseconds) {
  auto defaults = settings_of("{}");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->views.window_ms, 30 * 60 * 1000);
  EXPECT_EQ(defaults->views.after_ms, 30 * 1000);
  EXPECT_EQ(defaults->heartbeats_per_minute, 60);
  auto given = settings_of(R"({"view_window_s":60,"view_after_s":0,"live_gap_s":45,"anonymous_views_per_address":2})");
  ASSERT_TRUE(given.ok()) << given.error().message;
  EXPECT_EQ(given->views.window_ms, 60000);
  EXPECT_EQ(given->views.after_ms, 0);
  EXPECT_EQ(given->live_gap_s, 45);
  EXPECT_EQ(given->views.anonymous_per_address, 2);
  auto short_gap = settings_of(R"({"live_gap_s":29})");
  ASSERT_FALSE(short_gap.ok());
  EXPECT_EQ(short_gap.error().message, "args.live_gap_s: must be between 30 and 86400");
  EXPECT_FALSE(settings_of(R"({"view_window":60})").ok()) << "unknown keys are refused";
}
