// The vod-abr line and its parts: which rungs a source gets, what the line holds, the sprite
// index. Pure functions; the line itself is run by the transcode integration tests.
#include "job_runner.h"
#include "kekkeyframes.h"
#include "vod_abr.h"

#include <gst/gst.h>

#include <gtest/gtest.h>

#include <map>

using namespace kek;
using namespace kek::library;

namespace {

// GStreamer with this plugin's own element, as the line looks for it.
class WithElements : public ::testing::Environment {
 public:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    // Under meson the build's plugins are on the path: the plugin's own factory then.
    if (GstElementFactory* f = gst_element_factory_find("kekkeyframes")) gst_object_unref(f);
    else gst_element_register(nullptr, "kekkeyframes", GST_RANK_NONE, KEK_TYPE_KEYFRAMES);
  }
};
[[maybe_unused]] auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new WithElements);

VarLookup vars(std::map<std::string, std::string> m) {
  auto t = vod_abr_template();
  return [m, t](const std::string& name) {
    if (auto a = m.find(name); a != m.end()) return a->second;
    if (auto b = t.defaults.find(name); b != t.defaults.end()) return b->second;
    return std::string();
  };
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(VodLadder, ParsesSortsAndRefusesBadRungs) {
  auto l = parse_vod_ladder("360p:360:800, 1080p:1080:5000,720p:720:3000");
  ASSERT_TRUE(l.ok()) << l.error().message;
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ((*l)[0].name, "1080p");
  EXPECT_EQ((*l)[2].bitrate_kbps, 800);
  EXPECT_EQ(format_vod_ladder(default_vod_ladder()), "1080p:1080:5000,720p:720:3000,480p:480:1400,360p:360:800");
  EXPECT_FALSE(parse_vod_ladder("").ok());
  EXPECT_FALSE(parse_vod_ladder("720p:720").ok());
  EXPECT_FALSE(parse_vod_ladder("../x:720:3000").ok());
  EXPECT_FALSE(parse_vod_ladder("a:721:3000").ok()) << "odd height";
  EXPECT_FALSE(parse_vod_ladder("a:720:3000,a:360:800").ok()) << "a name twice";
  EXPECT_NE(parse_vod_ladder("a:720:1").error().message.find("bitrate"), std::string::npos);
}

TEST(VodLadder, RungsAboveTheSourceAreLeftOutAndTheSameSizeIsCopied) {
  VodSource src{"quicktime", 1280, 720, 30, 1, "h264", "aac"};
  auto rungs = plan_rungs(src, default_vod_ladder(), true);
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(rungs[0].name, "720p");
  EXPECT_TRUE(rungs[0].copy);
  EXPECT_EQ(rungs[0].bitrate_kbps, 0) << "a copied rung's rate is measured";
  EXPECT_EQ(rungs[1].width, 854);
  EXPECT_EQ(rungs[1].height, 480);
  EXPECT_FALSE(rungs[1].copy);
  EXPECT_EQ(rungs[2].width, 640);
  // Not H.264, or copying turned off: every rung is encoded.
  src.video_codec = "other";
  EXPECT_FALSE(plan_rungs(src, default_vod_ladder(), true)[0].copy);
  src.video_codec = "h264";
  EXPECT_FALSE(plan_rungs(src, default_vod_ladder(), false)[0].copy);
  // An odd width at 720 lines (not 16:9) is not the rung's size: encoded.
  VodSource wide{"quicktime", 1280, 536, 24, 1, "h264", "aac"};
  auto w = plan_rungs(wide, default_vod_ladder(), true);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].name, "480p");
  EXPECT_EQ(w[0].width, 1146);
}

TEST(VodLadder, ASourceSmallerThanEveryRungGetsOneRungAtItsOwnSize) {
  VodSource src{"quicktime", 320, 180, 25, 1, "h264", "aac"};
  auto rungs = plan_rungs(src, default_vod_ladder(), true);
  ASSERT_EQ(rungs.size(), 1u);
  EXPECT_EQ(rungs[0].name, "180p");
  EXPECT_EQ(rungs[0].width, 320);
  EXPECT_TRUE(rungs[0].copy);
  src.video_codec = "vp9";
  rungs = plan_rungs(src, default_vod_ladder(), true);
  EXPECT_FALSE(rungs[0].copy);
  EXPECT_GE(rungs[0].bitrate_kbps, 150);
  EXPECT_TRUE(plan_rungs({"matroska", 0, 0, 0, 1, "", "opus"}, default_vod_ladder(), true).empty()) << "audio only";
}

TEST(VodAbrLine, DecodesOnceEncodesEachRungWithAlignedKeyframesAndPackagesBoth) {
  auto line = vod_abr_launch(vars({{"source", "/films/a.mp4"}, {"out", "/m/vod/x"}, {"width", "1920"},
                                   {"height", "1080"}, {"fps", "30/1"}, {"video_codec", "h264"},
                                   {"audio_codec", "aac"}, {"segment_s", "4"}, {"pictures", "false"}}));
  ASSERT_TRUE(line.ok()) << line.error().message;
  const std::string& l = *line;
  EXPECT_TRUE(l.starts_with("filesrc location=${source} ! qtdemux name=demux")) << l;
  EXPECT_EQ(count(l, "avdec_h264"), 1u) << "decoded once";
  EXPECT_EQ(count(l, "x264enc"), 3u) << "1080p copied, 720p/480p/360p encoded: " << l;
  EXPECT_EQ(count(l, "key-int-max=120"), 3u) << "4 s at 30 fps on every rung";
  EXPECT_EQ(count(l, "scenecut=0:min-keyint=120"), 3u);
  // One packaging for both manifests, every segment kept.
  EXPECT_NE(l.find("kekdashsink name=cmaf location=\"${out}/stream\" window=0 target-duration=4 mpd-name=packaged.mpd "
                   "hls-master-name=packaged.m3u8 startup-durations=1,1,2 representations=1080p,720p,480p,360p "
                   "bitrates=0,3000000,1400000,800000"),
            std::string::npos)
      << l;
  EXPECT_EQ(l.find("kekhlssink"), std::string::npos);
  EXPECT_EQ(count(l, "cmaf.video_"), 4u);
  EXPECT_NE(l.find("srcv. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! cmaf.video_0"),
            std::string::npos)
      << "the copied rung goes in as it is";
  EXPECT_NE(l.find("width=854,height=480"), std::string::npos);
  EXPECT_NE(l.find("demux.audio_0"), std::string::npos);
  EXPECT_NE(l.find("aacparse ! cmaf.audio_0"), std::string::npos) << l;
  EXPECT_EQ(l.find("avenc_aac"), std::string::npos) << "AAC is copied";
  EXPECT_EQ(l.find("sync=true"), std::string::npos);
}

TEST(VodAbrLine, EncodersShareTheCores) {
  EXPECT_EQ(encoder_threads(0, 4, 2), 2) << "2 cores: 3 threads for 4 encoders, at least 2 each";
  EXPECT_EQ(encoder_threads(0, 4, 16), 6);
  EXPECT_EQ(encoder_threads(0, 1, 8), 12);
  EXPECT_EQ(encoder_threads(3, 4, 16), 3) << "the configured number";
  auto line = vod_abr_launch(vars({{"source", "/a.mp4"}, {"out", "/o"}, {"threads", "3"}}));
  EXPECT_EQ(count(*line, "threads=3 "), 3u) << *line;
  EXPECT_EQ(count(*line, "sync-lookahead=0"), 3u) << "no pictures held for a lookahead thread";
}

TEST(VodAbrLine, AFilmStartsWithShortSegments) {
  EXPECT_EQ(startup_durations(4), (std::vector<int>{1, 1, 2}));
  EXPECT_EQ(startup_durations(6), (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(startup_durations(2), (std::vector<int>{1, 1}));
  EXPECT_TRUE(startup_durations(1).empty());
  auto line = vod_abr_launch(vars({{"source", "/a.mp4"}, {"out", "/o"}, {"width", "1280"}, {"height", "720"},
                                   {"segment_s", "4"}, {"pictures", "false"}}));
  ASSERT_TRUE(line.ok()) << line.error().message;
  // Every encoder gets its keyframes at 1, 2 and 4 s (then every 4 s again); the packager cuts
  // 1, 1, 2, then 4 s segments.
  EXPECT_NE(line->find("avdec_h264 ! videoconvert ! kekkeyframes at=1,2,4 ! tee name=raw"), std::string::npos) << *line;
  EXPECT_NE(line->find("startup-durations=1,1,2"), std::string::npos) << *line;
  auto plain = vod_abr_launch(vars({{"source", "/a.mp4"}, {"out", "/o"}, {"width", "1280"}, {"height", "720"},
                                    {"segment_s", "4"}, {"fast_start", "false"}}));
  EXPECT_EQ(plain->find("kekkeyframes"), std::string::npos);
  EXPECT_EQ(plain->find("startup-durations"), std::string::npos);
  // Only copied rungs: nothing to make keyframes in.
  auto copy = vod_abr_launch(vars({{"source", "/a.mp4"}, {"out", "/o"}, {"width", "640"}, {"height", "360"},
                                   {"ladder", "360p:360:800"}}));
  EXPECT_EQ(copy->find("startup-durations"), std::string::npos) << *copy;
}

TEST(VodAbrLine, EveryAudioTrackIsARendition) {
  auto line = vod_abr_launch(vars({{"source", "/films/a.mkv"}, {"out", "/o"}, {"container", "matroska"},
                                   {"width", "640"}, {"height", "360"}, {"audio_tracks", "aac,ac3,aac"}}));
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_NE(line->find("demux.audio_0 ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=5000000000 ! aacparse "
                       "! cmaf.audio_0"),
            std::string::npos)
      << *line;
  EXPECT_NE(line->find("demux.audio_1 ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=5000000000 ! decodebin "
                       "! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=128000 ! "
                       "aacparse ! cmaf.audio_1"),
            std::string::npos)
      << "AC-3 becomes AAC: " << *line;
  EXPECT_NE(line->find("demux.audio_2"), std::string::npos);
  EXPECT_EQ(count(*line, "cmaf.audio_"), 3u);
  // decodebin gives one audio track only.
  auto avi = vod_abr_launch(vars({{"source", "/a.avi"}, {"out", "/o"}, {"container", "other"},
                                  {"video_codec", "other"}, {"audio_tracks", "mp3,mp3"}}));
  ASSERT_TRUE(avi.ok());
  EXPECT_EQ(count(*avi, "cmaf.audio_"), 1u) << *avi;
}

TEST(VodAbrLine, OtherCodecsAndContainersAreDecodedByDecodebin) {
  auto mkv = vod_abr_launch(vars({{"source", "/a.mkv"}, {"out", "/o"}, {"container", "matroska"}, {"width", "640"},
                                  {"height", "360"}, {"video_codec", "other"}, {"audio_codec", "other"}}));
  ASSERT_TRUE(mkv.ok());
  EXPECT_NE(mkv->find("matroskademux name=demux demux.video_0"), std::string::npos) << *mkv;
  EXPECT_NE(mkv->find("avenc_aac"), std::string::npos);
  EXPECT_EQ(mkv->find("avdec_h264"), std::string::npos);
  auto avi = vod_abr_launch(vars({{"source", "/a.avi"}, {"out", "/o"}, {"container", "other"}, {"width", "640"},
                                  {"height", "360"}, {"video_codec", "other"}, {"audio_codec", "other"}}));
  ASSERT_TRUE(avi.ok());
  EXPECT_NE(avi->find("decodebin name=demux demux. ! video/x-raw"), std::string::npos) << *avi;
  auto audio = vod_abr_launch(vars({{"source", "/a.m4a"}, {"out", "/o"}, {"video_codec", ""}, {"audio_codec", "aac"}}));
  ASSERT_TRUE(audio.ok());
  EXPECT_EQ(audio->find("representations="), std::string::npos) << "audio only";
  EXPECT_NE(audio->find("cmaf.audio_0"), std::string::npos) << *audio;
  EXPECT_EQ(audio->find("x264enc"), std::string::npos);
  EXPECT_FALSE(vod_abr_launch(vars({{"source", "/a"}, {"out", "/o"}, {"video_codec", ""}, {"audio_codec", ""}})).ok());
  EXPECT_FALSE(vod_abr_launch(vars({{"out", "/o"}})).ok()) << "no source";
}

TEST(SpriteIndex, CuesPointAtTheirTile) {
  EXPECT_EQ(sprite_interval_s(8), 1);
  EXPECT_EQ(sprite_interval_s(7200), 10);
  std::string vtt = sprite_vtt(2.5, 1, 160, 90, 2, 1, 2);
  EXPECT_EQ(vtt,
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nsheet-000.jpg#xywh=0,0,160,90\n"
            "\n00:00:01.000 --> 00:00:02.000\nsheet-000.jpg#xywh=160,0,160,90\n"
            "\n00:00:02.000 --> 00:00:02.500\nsheet-001.jpg#xywh=0,0,160,90\n");
  EXPECT_EQ(sprite_tile_height(1920, 1080), 90);
  EXPECT_EQ(sprite_tile_height(1920, 800), 66);
}
