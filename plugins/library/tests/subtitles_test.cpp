// Subtitle files as WebVTT, their one-segment playlists, and the published manifests with them.
#include "subtitles.h"

#include <gtest/gtest.h>

using namespace kek::library;

TEST(Subtitles, SrtBecomesWebVtt) {
  auto vtt = to_webvtt(
      "1\r\n00:00:00,500 --> 00:00:02,000\r\nHello <i>one</i> & <font color=\"#ff0000\">two</font>\r\n\r\n"
      "2\r\n00:01:02,250 --> 00:01:04,000 X1:0\r\n{\\an8}Line a\r\n1 < 2\r\n\r\n\r\n");
  ASSERT_TRUE(vtt) << vtt.error().message;
  EXPECT_EQ(*vtt,
            "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello <i>one</i> &amp; two\n\n"
            "00:01:02.250 --> 00:01:04.000\nLine a\n1 &lt; 2\n");
}

TEST(Subtitles, SrtWithoutNumbersOrHoursAndInWindows1252) {
  // "Café" in Windows-1252 (0xE9), no cue numbers, a writer that left the hours out.
  auto vtt = to_webvtt("00:01,000 --> 00:02,500\nCaf\xe9\n");
  ASSERT_TRUE(vtt) << vtt.error().message;
  EXPECT_EQ(*vtt, "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nCaf\xc3\xa9\n");
}

TEST(Subtitles, Utf16WithBom) {
  const std::string text = "1\n00:00:01,000 --> 00:00:02,000\nHi\n";
  std::string utf16 = "\xff\xfe";
  for (char c : text) {
    utf16 += c;
    utf16 += '\0';
  }
  auto vtt = to_webvtt(utf16);
  ASSERT_TRUE(vtt) << vtt.error().message;
  EXPECT_EQ(*vtt, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n");
}

TEST(Subtitles, WebVttIsKeptAsWritten) {
  auto vtt = to_webvtt("\xef\xbb\xbfWEBVTT - a film\r\n\r\nNOTE made by hand\r\n\r\n00:01.000 --> 00:02.000 align:start\r\n"
                       "<v Bob>Hi &amp; bye\r\n\r\n\r\n");
  ASSERT_TRUE(vtt) << vtt.error().message;
  EXPECT_EQ(*vtt, "WEBVTT - a film\n\nNOTE made by hand\n\n00:01.000 --> 00:02.000 align:start\n<v Bob>Hi &amp; bye\n");
}

TEST(Subtitles, WhatIsNotSubtitlesIsRefusedWithAReason) {
  auto binary = to_webvtt(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  ASSERT_FALSE(binary);
  EXPECT_NE(binary.error().message.find("not a subtitle file"), std::string::npos) << binary.error().message;
  auto prose = to_webvtt("Just some text\nwithout any times\n");
  ASSERT_FALSE(prose);
  EXPECT_NE(prose.error().message.find("no cues"), std::string::npos);
  EXPECT_FALSE(to_webvtt("WEBVTT\n\nNOTE nothing here\n"));
  EXPECT_EQ(to_webvtt(std::string(kMaxSubtitleBytes + 1, 'a')).error().code, 400);
}

TEST(Subtitles, OneSegmentPlaylist) {
  EXPECT_EQ(subtitle_playlist(6.02, "3.vtt"),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:7\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXTINF:6.020,\n3.vtt\n#EXT-X-ENDLIST\n");
}

TEST(Subtitles, MasterGetsTheSubtitleGroup) {
  const std::string master =
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",DEFAULT=YES,AUTOSELECT=YES,URI=\"audio_0/index.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.64001e,mp4a.40.2\",RESOLUTION=640x360,AUDIO=\"audio\"\n"
      "360p/index.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS=\"avc1.64000d,mp4a.40.2\",RESOLUTION=320x180,AUDIO=\"audio\"\n"
      "180p/index.m3u8\n";
  EXPECT_EQ(add_subtitles_to_master(master, {}), master);
  const std::string out =
      add_subtitles_to_master(master, {{"English", "en", "../subtitles/1.m3u8", "../subtitles/1.vtt", false},
                                       {"Fran\xc3\xa7" "ais \"forc\xc3\xa9\"", "fr", "../subtitles/2.m3u8", "", true}});
  EXPECT_EQ(out,
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",DEFAULT=YES,AUTOSELECT=YES,URI=\"audio_0/index.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=NO,AUTOSELECT=NO,"
            "FORCED=NO,URI=\"../subtitles/1.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"Fran\xc3\xa7" "ais 'forc\xc3\xa9'\",LANGUAGE=\"fr\","
            "DEFAULT=NO,AUTOSELECT=YES,FORCED=YES,URI=\"../subtitles/2.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.64001e,mp4a.40.2\",RESOLUTION=640x360,AUDIO=\"audio\","
            "SUBTITLES=\"subs\"\n360p/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS=\"avc1.64000d,mp4a.40.2\",RESOLUTION=320x180,AUDIO=\"audio\","
            "SUBTITLES=\"subs\"\n180p/index.m3u8\n");
}

TEST(Subtitles, MpdGetsTextAdaptationSets) {
  const std::string mpd =
      "<?xml version=\"1.0\"?>\n<MPD type=\"static\">\n  <Period id=\"p0\" start=\"PT0S\">\n"
      "    <AdaptationSet id=\"1\" contentType=\"video\">\n    </AdaptationSet>\n  </Period>\n</MPD>\n";
  EXPECT_EQ(add_subtitles_to_mpd(mpd, {}), mpd);
  const std::string out = add_subtitles_to_mpd(mpd, {{"English & more", "en", "", "../subtitles/1.vtt", false}});
  EXPECT_EQ(out,
            "<?xml version=\"1.0\"?>\n<MPD type=\"static\">\n  <Period id=\"p0\" start=\"PT0S\">\n"
            "    <AdaptationSet id=\"1\" contentType=\"video\">\n    </AdaptationSet>\n"
            "    <AdaptationSet id=\"100\" contentType=\"text\" mimeType=\"text/vtt\" lang=\"en\">\n"
            "      <Label>English &amp; more</Label>\n"
            "      <Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"subtitle\"/>\n"
            "      <Representation id=\"subtitles-0\" bandwidth=\"256\">\n"
            "        <BaseURL>../subtitles/1.vtt</BaseURL>\n      </Representation>\n    </AdaptationSet>\n"
            "  </Period>\n</MPD>\n");
}

TEST(Subtitles, UniqueNames) {
  EXPECT_EQ(unique_names({"English", "", "English", "French", ""}),
            (std::vector<std::string>{"English", "Subtitles", "English 2", "French", "Subtitles 2"}));
}
