// The LL-HLS hold's rules (RFC 8216bis 6.2.5.2 blocking playlist reload, preload hints) with
// notices fired as kekdashsink fires them (from another thread) and the main context run here;
// the host side of hold_media is tested in core (HeldMediaRequest*) and against kek serve.
#include "ll_hold.h"

#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using kek::HttpRequest;
using kek::HttpResponse;
using kek::MediaRelease;
using kek::dash::LlHold;
using kek::dash::LlHoldLimits;
using kek::dash::LlPlaylistState;

namespace {

constexpr uint64_t kMs = 1'000'000;

// What a held request was answered: nullopt = the file server's answer (the file as it is).
struct Answer {
  bool given = false;
  std::optional<HttpResponse> response;
  int times = 0;
  int status() const { return response ? response->status : 200; }
};

class LlHoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_autofree char* dir = g_dir_make_tmp("ll-hold-XXXXXX", nullptr);
    media_ = dir;
    hold_ = std::make_unique<LlHold>(media_, limits_);
  }
  void TearDown() override {
    hold_.reset();
    g_rmdir(media_.c_str());
  }

  std::string playlist_path() const { return media_ + "/live/cam/source/index.m3u8"; }
  std::string part_path(uint64_t n, int p) const {
    return media_ + "/live/cam/source/1700000000000-" + std::to_string(n) + "." + std::to_string(p) + ".m4s";
  }
  static std::string part_url(uint64_t n, int p) {
    return "/media/live/cam/source/1700000000000-" + std::to_string(n) + "." + std::to_string(p) + ".m4s";
  }

  // A playlist rewrite as the sink reports it, from a streaming thread.
  void notice(uint64_t msn, int64_t part, bool ended = false, uint64_t target_ns = 1000 * kMs) {
    LlPlaylistState s;
    s.path = playlist_path();
    s.msn = msn;
    s.part = part;
    s.target_ns = target_ns;
    s.part_target_ns = 250 * kMs;
    s.ended = ended;
    std::thread([&] { hold_->playlist_written(s); }).join();
    settle();
  }
  void written(const std::string& path) {
    std::thread([&] { hold_->file_written(path); }).join();
    settle();
  }
  // Runs what is due on the main context now (the notices handed over).
  static void settle() {
    for (int i = 0; i < 5; ++i)
      while (g_main_context_iteration(nullptr, FALSE)) {
      }
  }
  static bool run_until(const std::function<bool()>& done, int timeout_ms) {
    const int64_t deadline = g_get_monotonic_time() + int64_t{timeout_ms} * 1000;
    while (!done()) {
      if (g_get_monotonic_time() > deadline) return false;
      g_main_context_iteration(nullptr, FALSE);
      g_usleep(2000);
    }
    return true;
  }

  // Offers a GET to the hold; true if held (or answered by it). The answer lands in `a`.
  bool get(const std::string& path, std::map<std::string, std::string> query, std::shared_ptr<Answer> a,
           const std::string& remote = "127.0.0.1") {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.query = std::move(query);
    r.remote = remote;
    return hold_->hold(r, [a](std::optional<HttpResponse> response) {
      ++a->times;
      a->given = true;
      a->response = std::move(response);
    });
  }
  bool get_playlist(std::map<std::string, std::string> query, std::shared_ptr<Answer> a, const std::string& remote = "127.0.0.1") {
    return get("/media/live/cam/source/index.m3u8", std::move(query), a, remote);
  }

  std::string media_;
  LlHoldLimits limits_;
  std::unique_ptr<LlHold> hold_;
};

std::shared_ptr<Answer> answer() { return std::make_shared<Answer>(); }

}  // namespace

TEST_F(LlHoldTest, PlaylistsTheNoticesNeverSpokeOfAreNotHeld) {
  auto a = answer();
  EXPECT_FALSE(get_playlist({{"_HLS_msn", "3"}}, a));
  EXPECT_FALSE(get_playlist({{"_HLS_part", "1"}}, a));  // not LL: not ours to refuse either
  EXPECT_FALSE(get("/media/live/other/index.m3u8", {{"_HLS_msn", "1"}}, a));
  EXPECT_FALSE(get(part_url(1, 0), {}, a));
  EXPECT_FALSE(a->given);
  EXPECT_EQ(hold_->held(), 0u);
}

TEST_F(LlHoldTest, APlainReloadOfAnLlPlaylistIsServedAtOnce) {
  notice(4, 1);
  auto a = answer();
  EXPECT_FALSE(get_playlist({}, a));
  EXPECT_FALSE(get("/media/live/cam/index.m3u8", {{"_HLS_msn", "9"}}, a));  // the master: never held
  EXPECT_FALSE(a->given);
}

TEST_F(LlHoldTest, BadRequestsAreAnswered400AtOnce) {
  notice(4, 1);
  struct Case {
    std::map<std::string, std::string> query;
    const char* why;
  };
  for (const auto& c : std::vector<Case>{{{{"_HLS_part", "2"}}, "_HLS_part needs _HLS_msn"},
                                         {{{"_HLS_msn", "x"}}, "Media Sequence Number"},
                                         {{{"_HLS_msn", ""}}, "Media Sequence Number"},
                                         {{{"_HLS_msn", "-1"}}, "Media Sequence Number"},
                                         {{{"_HLS_msn", "5"}, {"_HLS_part", "1.5"}}, "part index"},
                                         {{{"_HLS_msn", "7"}}, "more than two segments"},
                                         {{{"_HLS_msn", "7"}, {"_HLS_part", "0"}}, "more than two segments"},
                                         // 0.25 s parts: the limit is 3 / 0.25 = 12 parts ahead.
                                         {{{"_HLS_msn", "4"}, {"_HLS_part", "14"}}, "Advance Part Limit"}}) {
    auto a = answer();
    EXPECT_TRUE(get_playlist(c.query, a)) << c.why;
    ASSERT_TRUE(a->given) << c.why;
    EXPECT_EQ(a->status(), 400) << c.why;
    EXPECT_NE(a->response->body.find(c.why), std::string::npos) << a->response->body;
  }
  EXPECT_EQ(hold_->held(), 0u);
  // Two segments ahead is still allowed: held.
  auto ahead = answer();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "6"}}, ahead));
  EXPECT_FALSE(ahead->given);
  EXPECT_EQ(hold_->held(), 1u);
}

TEST_F(LlHoldTest, ARequestTheCurrentPlaylistSatisfiesIsNotHeld) {
  notice(4, 2);  // segments 0..3 whole, parts 0..2 of 4
  auto a = answer();
  EXPECT_FALSE(get_playlist({{"_HLS_msn", "3"}}, a));
  EXPECT_FALSE(get_playlist({{"_HLS_msn", "4"}, {"_HLS_part", "2"}}, a));
  EXPECT_FALSE(get_playlist({{"_HLS_msn", "2"}, {"_HLS_part", "0"}}, a));
  EXPECT_FALSE(a->given);
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "4"}}, a));  // segment 4 is not whole yet
  EXPECT_FALSE(a->given);
}

TEST_F(LlHoldTest, AHeldPlaylistRequestGoesWhenThePartIsListed) {
  notice(4, 1);
  auto next = answer(), after = answer(), segment = answer();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "4"}, {"_HLS_part", "2"}}, next));
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "4"}, {"_HLS_part", "3"}}, after));
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "4"}}, segment));
  EXPECT_EQ(hold_->held(), 3u);
  notice(4, 2);
  EXPECT_TRUE(next->given);
  EXPECT_FALSE(next->response) << "served the playlist file as written";
  EXPECT_FALSE(after->given);
  EXPECT_FALSE(segment->given);
  notice(4, 3);
  EXPECT_TRUE(after->given);
  EXPECT_FALSE(segment->given);
  notice(4, -1);  // segment 4 is whole now
  EXPECT_TRUE(segment->given);
  EXPECT_FALSE(segment->response);
  EXPECT_EQ(hold_->held(), 0u);
  EXPECT_EQ(next->times, 1);
}

TEST_F(LlHoldTest, APartPastTheLastOfItsSegmentMeansPartZeroOfTheNext) {
  notice(4, 3);
  notice(4, -1);  // segment 4 ended with part 3
  auto a = answer();
  EXPECT_FALSE(get_playlist({{"_HLS_msn", "4"}, {"_HLS_part", "3"}}, a));
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "4"}, {"_HLS_part", "4"}}, a));
  EXPECT_FALSE(a->given);
  notice(5, 0);
  EXPECT_TRUE(a->given);
  EXPECT_FALSE(a->response);
}

TEST_F(LlHoldTest, NotSatisfiedWithinThreeTargetDurationsIs503) {
  notice(4, 1, false, 100 * kMs);  // a 0.1 s target: gives up after 0.3 s
  auto a = answer();
  const int64_t start = g_get_monotonic_time();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "5"}}, a));
  ASSERT_TRUE(run_until([&] { return a->given; }, 10000));
  EXPECT_GE(g_get_monotonic_time() - start, 300 * 1000);
  EXPECT_EQ(a->status(), 503);
  EXPECT_EQ(hold_->held(), 0u) << "the entry goes with its timer";
  notice(5, -1);  // a late notice finds nothing to release twice
  EXPECT_EQ(a->times, 1);
}

TEST_F(LlHoldTest, AnEndedPlaylistAnswersEveryHeldRequestAndHoldsNoMore) {
  notice(4, 1);
  written(part_path(5, 1));
  auto playlist = answer(), part = answer();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "5"}}, playlist));
  EXPECT_TRUE(get(part_url(5, 2), {}, part));
  notice(4, -1, true);
  EXPECT_TRUE(playlist->given);
  EXPECT_FALSE(playlist->response) << "the final playlist, from the file server";
  EXPECT_TRUE(part->given);
  EXPECT_FALSE(part->response);
  auto later = answer();
  EXPECT_FALSE(get_playlist({{"_HLS_msn", "6"}}, later));
  EXPECT_FALSE(get_playlist({{"_HLS_part", "1"}}, later));
  EXPECT_FALSE(get(part_url(5, 3), {}, later));
  EXPECT_FALSE(later->given);
  EXPECT_EQ(hold_->held(), 0u);
}

TEST_F(LlHoldTest, APreloadHintedPartIsServedWhenWritten) {
  written(part_path(5, 0));
  notice(4, 0);  // n = MSN + 1: the file of MSN 4 part 0 is -5.0.m4s
  auto hinted = answer(), next_segment = answer(), done = answer();
  EXPECT_TRUE(get(part_url(5, 1), {}, hinted));
  EXPECT_TRUE(get(part_url(6, 0), {}, next_segment));
  EXPECT_FALSE(get(part_url(5, 0), {}, done)) << "already written: the file server's";
  EXPECT_FALSE(get(part_url(8, 0), {}, done)) << "too far: will not be written soon";
  EXPECT_FALSE(get("/media/live/cam/source/1700000000000-6.m4s", {}, done)) << "whole segments are never hinted";
  EXPECT_FALSE(get("/media/live/cam/source/1600000000000-5.1.m4s", {}, done)) << "another run";
  EXPECT_FALSE(done->given);
  written(part_path(5, 1));
  EXPECT_TRUE(hinted->given);
  EXPECT_FALSE(hinted->response);
  EXPECT_FALSE(next_segment->given);
  written(part_path(6, 0));
  EXPECT_TRUE(next_segment->given);
  EXPECT_EQ(hold_->held(), 0u);
}

TEST_F(LlHoldTest, AHintedPartThatWillNeverComeIsLetGoOnceThePlaylistMovedPast) {
  written(part_path(5, 2));
  notice(4, 2);
  auto hinted = answer();
  EXPECT_TRUE(get(part_url(5, 3), {}, hinted));
  // A keyframe closed segment 5 after part 2: the whole segment, then part 0 of the next.
  written(media_ + "/live/cam/source/1700000000000-5.m4s");
  EXPECT_TRUE(hinted->given);
  EXPECT_FALSE(hinted->response) << "the file server answers (404: it does not exist)";
}

TEST_F(LlHoldTest, AHintedPartNotWrittenInTimeIs503) {
  written(part_path(5, 0));
  notice(4, 0, false, 100 * kMs);
  auto hinted = answer();
  EXPECT_TRUE(get(part_url(5, 1), {}, hinted));
  ASSERT_TRUE(run_until([&] { return hinted->given; }, 10000));
  EXPECT_EQ(hinted->status(), 503);
  EXPECT_EQ(hold_->held(), 0u);
}

TEST_F(LlHoldTest, HeldRequestsAreBoundedPerClientAndPerPlaylist) {
  hold_.reset();
  limits_ = {.per_playlist = 3, .per_client = 2};
  hold_ = std::make_unique<LlHold>(media_, limits_);
  notice(4, 1);
  std::vector<std::shared_ptr<Answer>> answers;
  for (int i = 0; i < 2; ++i) {
    answers.push_back(answer());
    EXPECT_TRUE(get_playlist({{"_HLS_msn", "5"}}, answers.back(), "10.0.0.1"));
    EXPECT_FALSE(answers.back()->given);
  }
  auto third = answer();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "5"}}, third, "10.0.0.1"));
  EXPECT_EQ(third->status(), 503) << "a third from one address";
  auto other = answer();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "5"}}, other, "10.0.0.2"));
  EXPECT_FALSE(other->given);
  auto fourth = answer();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "5"}}, fourth, "10.0.0.3"));
  EXPECT_EQ(fourth->status(), 503) << "a fourth on the playlist";
  EXPECT_EQ(hold_->held(), 3u);
  notice(5, -1);
  for (const auto& a : answers) EXPECT_FALSE(a->response);
  EXPECT_EQ(hold_->held(), 0u);
}

TEST_F(LlHoldTest, AClientGoneIsDroppedByTheHostAndItsEntryByTheNotice) {
  // hold_media drops a client that went away and ignores its late release; here the release
  // belongs to nobody any more, and the entry still goes with the notice.
  notice(4, 1);
  {
    HttpRequest r;
    r.method = "GET";
    r.path = "/media/live/cam/source/index.m3u8";
    r.query = {{"_HLS_msn", "5"}};
    int calls = 0;
    EXPECT_TRUE(hold_->hold(r, [&calls](std::optional<HttpResponse>) { ++calls; }));
    notice(5, 0);
    notice(5, -1);
    EXPECT_EQ(calls, 1);
  }
  EXPECT_EQ(hold_->held(), 0u);
}

TEST_F(LlHoldTest, DestroyedWithRequestsHeldItsTimersGoToo) {
  notice(4, 1, false, 50 * kMs);
  auto a = answer();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "5"}}, a));
  LlPlaylistState late;
  late.path = playlist_path();
  late.msn = 5;
  std::thread([&] { hold_->playlist_written(late); }).join();  // queued, then the object goes
  hold_.reset();
  g_usleep(300 * 1000);
  settle();
  EXPECT_FALSE(a->given) << "no timer and no notice ran after it was destroyed";
}

TEST_F(LlHoldTest, TheRequestPathIsMappedUnderTheMediaFolderAsTheNoticesNameIt) {
  // The media folder as the config spells it (relative to the working directory, with a
  // trailing slash), the playlist as the sink's location spells it: the same file.
  hold_.reset();
  hold_ = std::make_unique<LlHold>(std::string(media_) + "/live/../", limits_);
  LlPlaylistState s;
  s.path = media_ + "/live/cam/./source//index.m3u8";
  s.msn = 4;
  s.part = 1;
  s.target_ns = 1000 * kMs;
  std::thread([&] { hold_->playlist_written(s); }).join();
  settle();
  auto a = answer();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "5"}}, a));
  EXPECT_EQ(hold_->held(), 1u);
}

TEST_F(LlHoldTest, NoticesFromManyThreadsReachTheMainLoopInOrderPerThread) {
  notice(0, 0);
  auto a = answer();
  EXPECT_TRUE(get_playlist({{"_HLS_msn", "2"}}, a));
  std::vector<std::thread> writers;
  writers.emplace_back([&] {
    for (uint64_t msn = 1; msn <= 41; ++msn) {
      LlPlaylistState s;
      s.path = playlist_path();
      s.msn = msn;
      s.part = -1;
      s.target_ns = 1000 * kMs;
      hold_->playlist_written(s);
    }
  });
  writers.emplace_back([&] {
    for (uint64_t n = 1; n <= 200; ++n) hold_->file_written(part_path(n, 0));
  });
  for (auto& t : writers) t.join();
  ASSERT_TRUE(run_until([&] { return a->given; }, 10000));
  EXPECT_FALSE(a->response);
  EXPECT_EQ(hold_->held(), 0u);
}
