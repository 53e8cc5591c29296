// The MPD text: the attributes dash.js and ffmpeg read, timelines collapsed into repeats, and the
// static manifest at the end starting at its first segment.
#include "mpd.h"

#include <gtest/gtest.h>

using namespace kek::dash;

namespace {

Manifest two_tracks() {
  Manifest m;
  m.availability_start_us = 1714564800123000;  // 2024-05-01T12:00:00.123Z
  m.publish_us = 1714564810000000;
  m.window = 6;
  Period p;
  p.id = "p0";
  Representation v;
  v.id = "720p";
  v.codecs = "avc1.64001f";
  v.bandwidth = 3000000;
  v.width = 1280;
  v.height = 720;
  v.fps_num = 30000;
  v.fps_den = 1001;
  v.timescale = 90000;
  v.initialization = "720p/init.mp4";
  v.media = "720p/17-$Number$.m4s";
  v.segments = {{1, 0, 180000}, {2, 180000, 180000}, {3, 360000, 180000}, {4, 540000, 90000}};
  Representation a;
  a.id = "audio";
  a.video = false;
  a.codecs = "mp4a.40.2";
  a.bandwidth = 128000;
  a.sample_rate = 48000;
  a.channels = 2;
  a.timescale = 48000;
  a.initialization = "audio/init.mp4";
  a.media = "audio/17-$Number$.m4s";
  a.segments = {{1, 0, 96256}, {2, 96256, 95232}};
  p.representations = {v, a};
  m.periods = {p};
  return m;
}

}  // namespace

TEST(Mpd, Formats) {
  EXPECT_EQ(iso_duration(2000000000), "PT2S");
  EXPECT_EQ(iso_duration(12345678901), "PT12.346S");
  EXPECT_EQ(iso_datetime(1714564800123000), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(frame_rate(25, 1), "25");
  EXPECT_EQ(frame_rate(50, 2), "25");
  EXPECT_EQ(frame_rate(30000, 1001), "30000/1001");
  EXPECT_EQ(frame_rate(0, 1), "");
}

TEST(Mpd, DynamicManifest) {
  std::string mpd = render_mpd(two_tracks());
  for (const char* expected : {
           "type=\"dynamic\"", "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\"",
           "availabilityStartTime=\"2024-05-01T12:00:00.123Z\"", "publishTime=\"2024-05-01T12:00:10.000Z\"",
           "minimumUpdatePeriod=\"PT2S\"", "timeShiftBufferDepth=\"PT12S\"", "suggestedPresentationDelay=\"PT6S\"",
           "maxSegmentDuration=\"PT2S\"", "minBufferTime=\"PT2S\"", "<Period id=\"p0\" start=\"PT0S\">",
           "contentType=\"video\" mimeType=\"video/mp4\"",
           "<Representation id=\"720p\" bandwidth=\"3000000\" codecs=\"avc1.64001f\" width=\"1280\" height=\"720\" "
           "sar=\"1:1\" frameRate=\"30000/1001\">",
           "<SegmentTemplate timescale=\"90000\" presentationTimeOffset=\"0\" startNumber=\"1\" "
           "initialization=\"720p/init.mp4\" media=\"720p/17-$Number$.m4s\">",
           "<S t=\"0\" d=\"180000\" r=\"2\"/>\n            <S d=\"90000\"/>",
           "contentType=\"audio\" mimeType=\"audio/mp4\"", "audioSamplingRate=\"48000\"",
           "audio_channel_configuration:2011\" value=\"2\"", "<S t=\"0\" d=\"96256\"/>\n            <S d=\"95232\"/>",
           "urn:mpeg:dash:utc:direct:2014"}) {
    EXPECT_NE(mpd.find(expected), std::string::npos) << expected << "\n" << mpd;
  }
  EXPECT_EQ(mpd.find("mediaPresentationDuration"), std::string::npos);
  EXPECT_LT(mpd.find("contentType=\"video\""), mpd.find("contentType=\"audio\""));
}

TEST(Mpd, GapsGetAnExplicitTime) {
  Manifest m = two_tracks();
  auto& segs = m.periods[0].representations[0].segments;
  segs = {{7, 900000, 180000}, {8, 1170000, 180000}};
  std::string mpd = render_mpd(m);
  EXPECT_NE(mpd.find("startNumber=\"7\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("<S t=\"900000\" d=\"180000\"/>\n            <S t=\"1170000\" d=\"180000\"/>"), std::string::npos)
      << mpd;
}

TEST(Mpd, StaticManifestEndsTheStreamAndStartsAtItsFirstSegment) {
  Manifest m = two_tracks();
  m.live = false;
  m.periods[0].start_ns = 10000000000;  // the window dropped the first 10 s
  m.end_ns = 16000000000;
  Period second = m.periods[0];
  second.id = "p1";
  second.start_ns = 14000000000;
  m.periods.push_back(second);
  std::string mpd = render_mpd(m);
  EXPECT_NE(mpd.find("type=\"static\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("mediaPresentationDuration=\"PT6S\""), std::string::npos) << mpd;
  EXPECT_EQ(mpd.find("minimumUpdatePeriod"), std::string::npos);
  EXPECT_EQ(mpd.find("availabilityStartTime"), std::string::npos);
  EXPECT_NE(mpd.find("<Period id=\"p0\" start=\"PT0S\">"), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("<Period id=\"p1\" start=\"PT4S\">"), std::string::npos) << mpd;
  // Each Period's own start, in each timescale, is where its media timeline begins.
  EXPECT_NE(mpd.find("presentationTimeOffset=\"900000\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("presentationTimeOffset=\"672000\""), std::string::npos) << mpd;
}

TEST(Mpd, NamesAreEscaped) {
  Manifest m = two_tracks();
  m.periods[0].representations[0].id = "a\"b<c";
  EXPECT_NE(render_mpd(m).find("id=\"a&quot;b&lt;c\""), std::string::npos);
}

TEST(Mpd, EveryAudioTrackIsAnAdaptationSetWithItsLanguage) {
  Manifest m = two_tracks();
  auto& reps = m.periods[0].representations;
  reps[1].id = "audio_0";
  reps[1].language = "en";
  Representation fr = reps[1];
  fr.id = "audio_1";
  fr.language = "fr";
  fr.label = "Fran\xc3\xa7" "ais & co";
  fr.is_default = true;
  reps.push_back(fr);
  const std::string mpd = render_mpd(m);
  const size_t en = mpd.find("<AdaptationSet id=\"2\" contentType=\"audio\" mimeType=\"audio/mp4\" startWithSAP=\"1\" lang=\"en\">");
  const size_t frs = mpd.find("<AdaptationSet id=\"3\" contentType=\"audio\" mimeType=\"audio/mp4\" startWithSAP=\"1\" lang=\"fr\">");
  ASSERT_NE(en, std::string::npos) << mpd;
  ASSERT_NE(frs, std::string::npos) << mpd;
  EXPECT_NE(mpd.find("<Label>Fran\xc3\xa7" "ais &amp; co</Label>", frs), std::string::npos) << mpd;
  // The default track is the main one, the others alternates.
  EXPECT_NE(mpd.find("value=\"alternate\"/>\n      <Representation id=\"audio_0\"", en), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("value=\"main\"/>\n      <Representation id=\"audio_1\"", frs), std::string::npos) << mpd;
}

TEST(Mpd, AudioWithoutLanguageIsUndetermined) {
  const std::string mpd = render_mpd(two_tracks());
  EXPECT_NE(mpd.find("lang=\"und\">\n      <Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"main\"/>"),
            std::string::npos)
      << mpd;
  EXPECT_EQ(mpd.find("<Label>"), std::string::npos);
}

TEST(Mpd, WindowZeroKeepsTheWholePresentationSeekable) {
  Manifest m = two_tracks();
  m.window = 0;
  const std::string mpd = render_mpd(m);
  EXPECT_EQ(mpd.find("timeShiftBufferDepth"), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("type=\"dynamic\""), std::string::npos);
}
