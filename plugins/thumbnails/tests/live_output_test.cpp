// The `thumbnail` output of live layouts: it joins every layout with video unless the template
// says thumbnails: "false", its branch and interval, and the URL /api/live gives: the picture's,
// versioned by its time, and none while the picture there is an older session's.
#include "live_output.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <utime.h>

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace {

kek::LiveLayoutContext context(std::map<std::string, std::string>& vars) {
  kek::LiveLayoutContext c;
  c.lookup = [&vars](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
  c.output_dir = "/m/live/cam";
  c.video_tee = "srcv";
  c.audio_tee = "srca";
  return c;
}

}  // namespace

TEST(ThumbnailLiveOutput, JoinsEveryStreamWithVideoUnlessTurnedOff) {
  std::map<std::string, std::string> vars;
  kek::LiveOutput out = kek::thumbnails::live_output();
  EXPECT_EQ(out.name, "thumbnail");
  ASSERT_TRUE(out.joins_unlisted);
  kek::LiveLayoutContext c = context(vars);
  EXPECT_TRUE(out.joins_unlisted(c));
  vars["thumbnails"] = "false";
  EXPECT_FALSE(out.joins_unlisted(c));
  vars.erase("thumbnails");
  c.has_video = false;
  EXPECT_FALSE(out.joins_unlisted(c));
}

TEST(ThumbnailLiveOutput, OneKeyframePerIntervalStraightFromTheTee) {
  std::map<std::string, std::string> vars;
  kek::LiveLayoutContext c = context(vars);
  auto b = kek::thumbnails::live_output().branch(c);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->launch, " srcv. ! kekthumbnailsink location=/m/live/cam/thumb.jpg interval=10 on-demand=true");
  EXPECT_EQ(b->directories, std::vector<std::string>{"/m/live/cam"});
  vars["thumbnail_interval"] = "3";
  EXPECT_NE(kek::thumbnails::live_output().branch(c)->launch.find("interval=3"), std::string::npos);
  vars["thumbnail_interval"] = "fast";
  EXPECT_NE(kek::thumbnails::live_output().branch(c)->launch.find("interval=10"), std::string::npos);
  c.video_tee.clear();  // listed for an audio-only stream: nothing to add
  EXPECT_TRUE(kek::thumbnails::live_output().branch(c)->launch.empty());
}

TEST(ThumbnailLiveOutput, TheUrlIsThePicturesOnlyWhenItIsThisSessions) {
  g_autoptr(GError) error = nullptr;
  g_autofree char* dir = g_dir_make_tmp("kekthumbout-XXXXXX", &error);
  ASSERT_NE(dir, nullptr);
  kek::LiveOutputPlace place;
  place.dir = dir;
  place.url = "/media/live/cam/";
  place.since_us = g_get_real_time();
  kek::LiveOutput out = kek::thumbnails::live_output();
  EXPECT_EQ(out.url_keys, std::vector<std::string>{"thumbnail"});
  EXPECT_TRUE(out.urls(place).empty()) << "no picture yet";
  g_autofree char* path = g_build_filename(dir, "thumb.jpg", nullptr);
  ASSERT_TRUE(g_file_set_contents(path, "jpeg", 4, nullptr));
  auto urls = out.urls(place);
  ASSERT_EQ(urls.size(), 1u);
  GStatBuf st;
  ASSERT_EQ(g_stat(path, &st), 0);
  EXPECT_EQ(urls[0].url, "/media/live/cam/thumb.jpg?v=" + std::to_string(static_cast<int64_t>(st.st_mtime)));
  // A picture from an earlier session of the stream is not this one's.
  struct utimbuf old {st.st_atime - 3600, st.st_mtime - 3600};
  ASSERT_EQ(utime(path, &old), 0);
  EXPECT_TRUE(out.urls(place).empty());
  g_unlink(path);
  g_rmdir(dir);
}

TEST(ThumbnailLiveOutput, ListingAStreamAsksForItsPicture) {
  // /api/live calls urls() for every stream it lists: that asks the board for the picture the
  // stream's sink writes (<dir>/thumb.jpg, however the folder is spelt), whether a picture is
  // there yet or not, and for no other stream's.
  auto demand = std::make_shared<kek::thumbnails::Demand>();
  auto cam = demand->watch("/m/live/cam/thumb.jpg");
  auto other = demand->watch("/m/live/other/thumb.jpg");
  kek::LiveOutput out = kek::thumbnails::live_output(demand);
  kek::LiveOutputPlace place;
  place.dir = "/m/live//cam/";
  place.url = "/media/live/cam/";
  const int64_t before = g_get_monotonic_time();
  EXPECT_TRUE(out.urls(place).empty()) << "no picture there";
  EXPECT_GE(cam->load(), before);
  EXPECT_EQ(other->load(), 0);
  // Not under the media root (no URL): nobody can look at it.
  cam->store(0);
  place.url.clear();
  out.urls(place);
  EXPECT_EQ(cam->load(), 0);
}

TEST(ThumbnailDemand, SinksOfOneFileShareASlotThatGoesWithTheLast) {
  kek::thumbnails::Demand demand;
  demand.ask("/m/a/thumb.jpg");  // nobody watches it: nothing is kept
  auto a = demand.watch("/m/a/thumb.jpg");
  EXPECT_EQ(a->load(), 0);
  auto again = demand.watch("/m/./a/thumb.jpg");
  EXPECT_EQ(a.get(), again.get());
  demand.ask("/m/a/thumb.jpg");
  EXPECT_GT(again->load(), 0);
  a.reset();
  again.reset();
  EXPECT_EQ(demand.watch("/m/a/thumb.jpg")->load(), 0) << "a new watcher after the last: asked for again";
}
