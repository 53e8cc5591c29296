// The HLS playlists over the CMAF segments: what hls.js and ffmpeg read (EXT-X-MAP, EVENT then
// VOD, discontinuities at Periods, the audio group and its languages).
#include "hls_playlists.h"

#include <gtest/gtest.h>

using namespace kek::dash;

namespace {

HlsMediaPlaylist three_segments() {
  HlsMediaPlaylist p;
  p.target_s = 4;
  p.event = true;
  p.segments = {{"17-1.m4s", 4000000000, "17-init.mp4", false},
                {"17-2.m4s", 4000000000, "17-init.mp4", false},
                {"17-3.m4s", 1999600000, "17-init.mp4", false}};
  return p;
}

}  // namespace

TEST(HlsPlaylists, EventPlaylistWhileItGrows) {
  EXPECT_EQ(render_hls_media(three_segments()),
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"17-init.mp4\"\n"
            "#EXTINF:4.000,\n17-1.m4s\n#EXTINF:4.000,\n17-2.m4s\n#EXTINF:2.000,\n17-3.m4s\n");
}

TEST(HlsPlaylists, VodOnceEnded) {
  auto p = three_segments();
  p.ended = true;
  const std::string text = render_hls_media(p);
  EXPECT_NE(text.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos) << text;
  EXPECT_EQ(text.substr(text.size() - 15), "#EXT-X-ENDLIST\n");
}

TEST(HlsPlaylists, LiveWindowHasNoPlaylistType) {
  auto p = three_segments();
  p.event = false;
  p.media_sequence = 41;
  const std::string text = render_hls_media(p);
  EXPECT_EQ(text.find("PLAYLIST-TYPE"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-MEDIA-SEQUENCE:41\n"), std::string::npos);
}

TEST(HlsPlaylists, TargetDurationCoversTheLongestSegment) {
  auto p = three_segments();
  p.segments[1].duration_ns = 5600000000;  // rounds to 6
  EXPECT_NE(render_hls_media(p).find("#EXT-X-TARGETDURATION:6\n"), std::string::npos);
  p.segments[1].duration_ns = 4400000000;  // rounds to 4
  EXPECT_NE(render_hls_media(p).find("#EXT-X-TARGETDURATION:4\n"), std::string::npos);
}

TEST(HlsPlaylists, NewPeriodGetsDiscontinuityAndItsInit) {
  auto p = three_segments();
  p.segments[2].map_uri = "17-init-1.mp4";
  p.segments[2].discontinuity = true;
  const std::string text = render_hls_media(p);
  EXPECT_NE(text.find("17-2.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"17-init-1.mp4\"\n#EXTINF:2.000,\n17-3.m4s\n"),
            std::string::npos)
      << text;
  // Slid out of a window: the first listed segment has its MAP and no DISCONTINUITY tag.
  p.segments.erase(p.segments.begin(), p.segments.begin() + 2);
  p.discontinuity_sequence = 1;
  const std::string slid = render_hls_media(p);
  EXPECT_NE(slid.find("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), std::string::npos);
  EXPECT_EQ(slid.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << slid;
  EXPECT_NE(slid.find("#EXT-X-MAP:URI=\"17-init-1.mp4\"\n#EXTINF"), std::string::npos);
}

TEST(HlsPlaylists, MasterWithAudioRenditions) {
  HlsMaster m;
  m.variants = {{"720p/index.m3u8", 3000000, 2500000, 1280, 720, 30000, 1001, "avc1.64001f"},
                {"360p/index.m3u8", 800000, 0, 640, 360, 30000, 1001, "avc1.64001e"}};
  m.audio = {{"audio_0/index.m3u8", "English", "en", 2, true, "mp4a.40.2", 128000},
             {"audio_1/index.m3u8", "Fran\xc3\xa7" "ais \"VF\"", "fr", 6, false, "mp4a.40.2", 192000}};
  EXPECT_EQ(render_hls_master(m),
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES,AUTOSELECT=YES,"
            "CHANNELS=\"2\",URI=\"audio_0/index.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Fran\xc3\xa7" "ais 'VF'\",LANGUAGE=\"fr\",DEFAULT=NO,"
            "AUTOSELECT=YES,CHANNELS=\"6\",URI=\"audio_1/index.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3192000,AVERAGE-BANDWIDTH=2628000,CODECS=\"avc1.64001f,mp4a.40.2\","
            "RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO=\"audio\"\n720p/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=992000,CODECS=\"avc1.64001e,mp4a.40.2\",RESOLUTION=640x360,"
            "FRAME-RATE=29.970,AUDIO=\"audio\"\n360p/index.m3u8\n");
}

TEST(HlsPlaylists, MasterWithoutAudioOrWithoutVideo) {
  HlsMaster video_only;
  video_only.variants = {{"v/index.m3u8", 500000, 0, 320, 180, 25, 1, "avc1.42c00d"}};
  const std::string v = render_hls_master(video_only);
  EXPECT_EQ(v.find("EXT-X-MEDIA"), std::string::npos);
  EXPECT_NE(v.find("#EXT-X-STREAM-INF:BANDWIDTH=500000,CODECS=\"avc1.42c00d\",RESOLUTION=320x180,FRAME-RATE=25.000\n"
                   "v/index.m3u8\n"),
            std::string::npos)
      << v;

  HlsMaster audio_only;
  audio_only.audio = {{"audio_0/index.m3u8", "Deutsch", "de", 2, false, "mp4a.40.2", 96000},
                      {"audio_1/index.m3u8", "English", "en", 2, false, "mp4a.40.5", 64000}};
  const std::string a = render_hls_master(audio_only);
  // No track marked default: the first is.
  EXPECT_NE(a.find("NAME=\"Deutsch\",LANGUAGE=\"de\",DEFAULT=YES"), std::string::npos) << a;
  EXPECT_NE(a.find("#EXT-X-STREAM-INF:BANDWIDTH=96000,CODECS=\"mp4a.40.2\",AUDIO=\"audio\"\naudio_0/index.m3u8\n"),
            std::string::npos)
      << a;
}

TEST(HlsPlaylists, FrameRate) {
  EXPECT_EQ(hls_frame_rate(30000, 1001), "29.970");
  EXPECT_EQ(hls_frame_rate(25, 1), "25.000");
  EXPECT_EQ(hls_frame_rate(0, 1), "");
  EXPECT_EQ(hls_frame_rate(30, 0), "");
}

// ---- low-latency playlists (RFC 8216bis) ----

namespace {

HlsMediaPlaylist low_latency_playlist() {
  HlsMediaPlaylist p;
  p.target_s = 2;
  p.media_sequence = 4;
  p.segments = {{"17-5.m4s", 2000000000, "17-init.mp4", false,
                 {{"17-p1.m4s", 500000000, true}, {"17-p2.m4s", 500000000, false},
                  {"17-p3.m4s", 500000000, false}, {"17-p4.m4s", 500000000, false}}}};
  p.low_latency.part_target_ns = 500000000;
  p.low_latency.open_parts = {{"17-p5.m4s", 500000000, true}, {"17-p6.m4s", 466700000, false}};
  p.low_latency.open_map_uri = "17-init.mp4";
  p.low_latency.preload_hint_uri = "17-p7.m4s";
  p.low_latency.reports = {{"../audio/index.m3u8", 5, 1}, {"../720p/index.m3u8", 4, -1}};
  return p;
}

}  // namespace

TEST(HlsLowLatency, ServerControlPartsHintAndReports) {
  EXPECT_EQ(render_hls_media(low_latency_playlist()),
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500\n"
            "#EXT-X-PART-INF:PART-TARGET=0.500\n"
            "#EXT-X-MAP:URI=\"17-init.mp4\"\n"
            "#EXT-X-PART:DURATION=0.500,URI=\"17-p1.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PART:DURATION=0.500,URI=\"17-p2.m4s\"\n"
            "#EXT-X-PART:DURATION=0.500,URI=\"17-p3.m4s\"\n"
            "#EXT-X-PART:DURATION=0.500,URI=\"17-p4.m4s\"\n"
            "#EXTINF:2.000,\n17-5.m4s\n"
            "#EXT-X-PART:DURATION=0.500,URI=\"17-p5.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PART:DURATION=0.467,URI=\"17-p6.m4s\"\n"
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"17-p7.m4s\"\n"
            "#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8\",LAST-MSN=5,LAST-PART=1\n"
            "#EXT-X-RENDITION-REPORT:URI=\"../720p/index.m3u8\",LAST-MSN=4\n");
}

TEST(HlsLowLatency, PartHoldBackIsThreePartTargets) {
  auto p = low_latency_playlist();
  p.low_latency.part_target_ns = 200000000;
  const std::string text = render_hls_media(p);
  EXPECT_NE(text.find("PART-HOLD-BACK=0.600\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXT-X-PART-INF:PART-TARGET=0.200\n"), std::string::npos) << text;
}

TEST(HlsLowLatency, LastPositionIsTheOpenSegmentsLastPart) {
  auto p = low_latency_playlist();
  HlsPosition at = hls_last_position(p);
  EXPECT_EQ(at.msn, 5u);  // media sequence 4 + one whole segment: the open one is 5
  EXPECT_EQ(at.part, 1);
  p.low_latency.open_parts.clear();
  at = hls_last_position(p);
  EXPECT_EQ(at.msn, 4u);
  EXPECT_EQ(at.part, 3);
}

TEST(HlsLowLatency, EndedPlaylistHasNoHintAndPlainOneNoLowLatencyTags) {
  auto p = low_latency_playlist();
  p.ended = true;
  std::string text = render_hls_media(p);
  EXPECT_EQ(text.find("PRELOAD-HINT"), std::string::npos) << text;
  EXPECT_EQ(text.find("17-p5.m4s"), std::string::npos) << "an ended stream lists whole segments only";
  EXPECT_EQ(text.substr(text.size() - 15), "#EXT-X-ENDLIST\n");
  p = low_latency_playlist();
  p.low_latency.part_target_ns = 0;
  text = render_hls_media(p);
  EXPECT_EQ(text.find("EXT-X-PART"), std::string::npos) << text;
  EXPECT_EQ(text.find("SERVER-CONTROL"), std::string::npos) << text;
  EXPECT_EQ(text.find("RENDITION-REPORT"), std::string::npos) << text;
}

TEST(HlsLowLatency, OpenSegmentOfANewPeriodGetsDiscontinuityAndItsInit) {
  auto p = low_latency_playlist();
  p.low_latency.open_map_uri = "17-init-1.mp4";
  p.low_latency.open_discontinuity = true;
  const std::string text = render_hls_media(p);
  EXPECT_NE(text.find("17-5.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"17-init-1.mp4\"\n#EXT-X-PART:"),
            std::string::npos)
      << text;
}

TEST(HlsLowLatency, ProgramDateTimeBeforeEachDatedSegmentAndItsParts) {
  auto p = low_latency_playlist();
  p.segments[0].program_date_time_us = 1796305005580123;  // 2026-12-03T13:36:45.580123Z
  const std::string text = render_hls_media(p);
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"17-init.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2026-12-03T13:36:45.580Z\n"
                      "#EXT-X-PART:DURATION=0.500,URI=\"17-p1.m4s\",INDEPENDENT=YES\n"),
            std::string::npos)
      << text;
  // Undated segments (a film being packaged) have none.
  EXPECT_EQ(render_hls_media(low_latency_playlist()).find("PROGRAM-DATE-TIME"), std::string::npos);
}
