// Unit tests of the schedule plugin's pure parts: the agenda and month spans in a viewer's zone
// across DST changes, ISO-8601 reading, the iCalendar writer, the playlist reader, event phases.
#include "event.h"
#include "ics.h"
#include "premiere_template.h"
#include "segment_list.h"
#include "settings.h"
#include "support/plugin_args.h"
#include "time_ranges.h"

#include <gtest/gtest.h>

using namespace kek::schedule;

namespace {

int64_t at(const char* iso) {
  auto t = parse_iso8601(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(0);
}

}  // namespace

TEST(TimeSpans, ReadsIsoTimesWithTheirOffsetOnly) {
  EXPECT_EQ(parse_iso8601("2026-03-29T01:30:00Z"), 1774747800);
  EXPECT_EQ(parse_iso8601("2026-03-29T04:30:00+03:00"), 1774747800);
  EXPECT_EQ(parse_iso8601("2026-03-28T21:30:00-04:00"), 1774747800);
  EXPECT_EQ(parse_iso8601("2026-03-29T01:30:00.250Z"), 1774747800) << "fractions are dropped";
  EXPECT_FALSE(parse_iso8601("2026-03-29T01:30:00")) << "a local time means nothing on a server";
  EXPECT_FALSE(parse_iso8601("2026-03-29"));
  EXPECT_FALSE(parse_iso8601("yesterday"));
  EXPECT_FALSE(parse_iso8601("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601(""));
  EXPECT_EQ(iso8601_utc(1774747800), "2026-03-29T01:30:00Z");
}

TEST(TimeSpans, ZonesByNameOnly) {
  EXPECT_TRUE(time_zone("Europe/Moscow"));
  EXPECT_TRUE(time_zone("America/New_York"));
  EXPECT_TRUE(time_zone("UTC"));
  EXPECT_FALSE(time_zone("Mars/Olympus_Mons"));
  EXPECT_FALSE(time_zone(""));
  EXPECT_FALSE(time_zone("/etc/passwd"));
  EXPECT_FALSE(time_zone("../../etc/localtime"));
  EXPECT_FALSE(time_zone("+03:00")) << "an offset is not a zone: its DST rules are unknown";
}

TEST(TimeSpans, TheAgendaRunsFromLocalMidnightToTheSameDayNextMonth) {
  auto moscow = time_zone("Europe/Moscow");  // UTC+3, no DST
  // 23:30 UTC on 14 May is already 15 May in Moscow.
  TimeSpan s = agenda_span(at("2026-05-14T23:30:00Z"), moscow.get());
  EXPECT_EQ(iso8601_utc(s.from), "2026-05-14T21:00:00Z");
  EXPECT_EQ(iso8601_utc(s.to), "2026-06-14T21:00:00Z");
  auto ny = time_zone("America/New_York");
  // The same instant in New York is still 14 May (19:30 EDT).
  s = agenda_span(at("2026-05-14T23:30:00Z"), ny.get());
  EXPECT_EQ(iso8601_utc(s.from), "2026-05-14T04:00:00Z");
  EXPECT_EQ(iso8601_utc(s.to), "2026-06-14T04:00:00Z");
  // 31 January runs to 28 February.
  s = agenda_span(at("2027-01-31T12:00:00Z"), moscow.get());
  EXPECT_EQ(iso8601_utc(s.to), "2027-02-27T21:00:00Z");
  // December runs into next year.
  s = agenda_span(at("2026-12-20T12:00:00Z"), moscow.get());
  EXPECT_EQ(iso8601_utc(s.to), "2027-01-19T21:00:00Z");
}

TEST(TimeSpans, AcrossDstChangesDaysStartAtLocalMidnight) {
  auto ny = time_zone("America/New_York");  // EST -5 until 8 March 2026 02:00, then EDT -4
  TimeSpan s = agenda_span(at("2026-02-20T15:00:00Z"), ny.get());
  EXPECT_EQ(iso8601_utc(s.from), "2026-02-20T05:00:00Z") << "EST midnight";
  EXPECT_EQ(iso8601_utc(s.to), "2026-03-20T04:00:00Z") << "EDT midnight: the span is an hour short of 28 days";
  EXPECT_EQ(s.to - s.from, 28 * 86400 - 3600);
  // March as a month: from EST midnight to EDT midnight.
  auto march = month_span(2026, 3, ny.get());
  ASSERT_TRUE(march);
  EXPECT_EQ(iso8601_utc(march->from), "2026-03-01T05:00:00Z");
  EXPECT_EQ(iso8601_utc(march->to), "2026-04-01T04:00:00Z");
  // November back: 1 November 2026 is the fall-back day.
  auto november = month_span(2026, 11, ny.get());
  EXPECT_EQ(iso8601_utc(november->from), "2026-11-01T04:00:00Z");
  EXPECT_EQ(iso8601_utc(november->to), "2026-12-01T05:00:00Z");
  EXPECT_EQ(local_day(at("2026-11-01T05:30:00Z"), ny.get()), "2026-11-01") << "01:30 EDT";
  EXPECT_EQ(local_day(at("2026-11-01T06:30:00Z"), ny.get()), "2026-11-01") << "01:30 EST, the second one";
  EXPECT_EQ(local_day(at("2026-11-02T04:59:00Z"), ny.get()), "2026-11-01");
  // Europe's change on the last Sunday of March: Berlin's month of March ends at CEST midnight.
  auto berlin = time_zone("Europe/Berlin");
  auto m = month_span(2026, 3, berlin.get());
  EXPECT_EQ(iso8601_utc(m->from), "2026-02-28T23:00:00Z");
  EXPECT_EQ(iso8601_utc(m->to), "2026-03-31T22:00:00Z");
  // A zone that skips midnight itself (Santiago changes at 24:00 on the first Sunday of September).
  auto santiago = time_zone("America/Santiago");
  auto sep = month_span(2026, 9, santiago.get());
  ASSERT_TRUE(sep);
  EXPECT_LT(sep->from, sep->to);
  EXPECT_EQ(local_day(sep->from, santiago.get()), "2026-09-01");
  // Moscow has no DST: its March is 31 days to the second.
  auto moscow = time_zone("Europe/Moscow");
  auto mm = month_span(2026, 3, moscow.get());
  EXPECT_EQ(mm->to - mm->from, 31 * 86400);
  EXPECT_EQ(iso8601_utc(mm->from), "2026-02-28T21:00:00Z");
}

TEST(TimeSpans, MonthNames) {
  EXPECT_EQ(parse_year_month("2026-03"), std::make_pair(2026, 3));
  EXPECT_FALSE(parse_year_month("2026-13"));
  EXPECT_FALSE(parse_year_month("2026-3"));
  EXPECT_FALSE(parse_year_month("26-03-01"));
  EXPECT_FALSE(month_span(2026, 0, time_zone("UTC").get()));
  auto utc = time_zone("UTC");
  auto dec = month_span(2026, 12, utc.get());
  EXPECT_EQ(iso8601_utc(dec->to), "2027-01-01T00:00:00Z");
}

TEST(Ics, EscapesTextAndFoldsLongLinesAt75OctetsWithoutSplittingCharacters) {
  EXPECT_EQ(ics_escape("a,b;c\\d\ne\r\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
  EXPECT_EQ(ics_escape("bell\x07!"), "bell!") << "control characters are not TEXT";
  EXPECT_EQ(ics_line("SUMMARY", "short"), "SUMMARY:short\r\n");
  const std::string long_ascii(200, 'x');
  std::string folded = ics_line("DESCRIPTION", long_ascii);
  size_t start = 0;
  std::string unfolded;
  int lines = 0;
  while (start < folded.size()) {
    size_t end = folded.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    std::string line = folded.substr(start, end - start);
    EXPECT_LE(line.size(), 75u) << line;
    if (lines > 0) {
      ASSERT_EQ(line[0], ' ');
      line.erase(0, 1);
    }
    unfolded += line;
    start = end + 2;
    ++lines;
  }
  EXPECT_EQ(unfolded, "DESCRIPTION:" + long_ascii);
  EXPECT_GE(lines, 3);
  // Cyrillic is two octets a letter: no line ends inside one.
  std::string russian;
  for (int i = 0; i < 60; ++i) russian += "ж";
  folded = ics_line("SUMMARY", russian);
  start = 0;
  while (start < folded.size()) {
    size_t end = folded.find("\r\n", start);
    std::string line = folded.substr(start, end - start);
    EXPECT_LE(line.size(), 75u);
    EXPECT_TRUE(g_utf8_validate(line.c_str(), static_cast<gssize>(line.size()), nullptr)) << "cut inside a character";
    start = end + 2;
  }
}

TEST(Ics, ACalendarOfEventsInUtcWithStableUidsAndStatus) {
  IcsEvent e;
  e.uid = "abc@kek";
  e.sequence = 3;
  e.stamp = 1774747800;
  e.start = 1774800000;
  e.end = 1774807200;
  e.summary = "Premiere: Lost, found; again";
  e.description = "Line one\nline two";
  e.url = "http://127.0.0.1:8080/poster/abc";
  IcsEvent cancelled = e;
  cancelled.uid = "def@kek";
  cancelled.cancelled = true;
  const std::string text = ics_calendar("KEK poster", {e, cancelled});
  EXPECT_EQ(text.rfind("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:", 0), 0u) << text;
  EXPECT_NE(text.find("METHOD:PUBLISH\r\n"), std::string::npos);
  EXPECT_NE(text.find("UID:abc@kek\r\n"), std::string::npos);
  EXPECT_NE(text.find("SEQUENCE:3\r\n"), std::string::npos);
  EXPECT_NE(text.find("DTSTART:20260329T160000Z\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("DTEND:20260329T180000Z\r\n"), std::string::npos);
  EXPECT_NE(text.find("DTSTAMP:20260329T013000Z\r\n"), std::string::npos);
  EXPECT_NE(text.find("SUMMARY:Premiere: Lost\\, found\\; again\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("DESCRIPTION:Line one\\nline two\r\n"), std::string::npos);
  EXPECT_NE(text.find("STATUS:CONFIRMED\r\n"), std::string::npos);
  EXPECT_NE(text.find("STATUS:CANCELLED\r\n"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 15), "END:VCALENDAR\r\n");
  // Every line ends in CRLF: no bare LF anywhere.
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') {
      ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
    }
}

TEST(SegmentList, ReadsTheLibrarysFmp4PlaylistsAndFindsWhereToStart) {
  const std::string text =
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"17-init.mp4\"\n"
      "#EXTINF:4.000,\n17-1.m4s\n#EXTINF:4.000,\n17-2.m4s\n#EXTINF:2.500,\n17-3.m4s\n#EXT-X-ENDLIST\n";
  auto list = parse_segment_list(text);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->segments.size(), 3u);
  EXPECT_TRUE(list->ended);
  EXPECT_EQ(list->duration_ns, 10500000000);
  EXPECT_EQ(list->segments[1].uri, "17-2.m4s");
  EXPECT_EQ(list->segments[1].map_uri, "17-init.mp4");
  EXPECT_EQ(list->segments[1].start_ns, 4000000000);
  EXPECT_EQ(list->segments[2].duration_ns, 2500000000);
  EXPECT_EQ(segment_at(*list, 0), 0u);
  EXPECT_EQ(segment_at(*list, 3999999999), 0u);
  EXPECT_EQ(segment_at(*list, 4000000000), 1u);
  EXPECT_EQ(segment_at(*list, 9000000000), 2u);
  EXPECT_EQ(segment_at(*list, 10500000000), 3u) << "past the end: nothing to play";

  EXPECT_EQ(parse_segment_list("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n").error().reason,
            "not_a_media_playlist");
  EXPECT_EQ(parse_segment_list("#EXTM3U\n#EXTINF:2,\na.ts\n").error().reason, "not_fmp4");
  EXPECT_EQ(parse_segment_list("hello").error().reason, "not_a_playlist");
  for (const char* bad : {"../../etc/passwd", "/etc/passwd", "http://x/a.m4s", "a\\b.m4s"}) {
    const std::string t = std::string("#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:1,\n") + bad + "\n";
    EXPECT_EQ(parse_segment_list(t).error().reason, "bad_playlist") << bad;
  }
  EXPECT_EQ(parse_segment_list("#EXTM3U\n#EXT-X-MAP:URI=\"../i.mp4\"\n").error().reason, "bad_playlist");
}

TEST(PremiereTemplate, TheAudioRenditionComesFromTheMaster) {
  const std::string master =
      "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",DEFAULT=NO,URI=\"audio_0/index.m3u8\"\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Русский\",DEFAULT=YES,URI=\"audio_1/index.m3u8\"\n"
      "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"en\",URI=\"../subtitles/1.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n";
  EXPECT_EQ(default_audio_folder(master), "audio_1");
  EXPECT_EQ(default_audio_folder("#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI=\"audio/index.m3u8\"\n"), "audio");
  EXPECT_EQ(default_audio_folder("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n"), "");
  EXPECT_EQ(default_audio_folder("#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI=\"../x/index.m3u8\"\n"), "");

  PremiereSource s{"ev1", "/m/vod/i/stream", {{"720p", 3000}, {"180p", 300}}, "audio_0", 1774800000000000};
  auto vars = premiere_vars(s);
  EXPECT_EQ(vars["stream"], "premiere-ev1");
  EXPECT_EQ(vars["renditions"], "720p,180p");
  EXPECT_EQ(vars["rendition_kbps"], "3000,300");
  EXPECT_EQ(vars["has_audio"], "true");
  auto t = premiere_template({"hls"}, 2, 6);
  ASSERT_TRUE(t.layout && t.layout->ladder_for);
  auto rungs = t.layout->ladder_for([&](const std::string& k) { return vars.count(k) ? vars[k] : std::string(); });
  ASSERT_TRUE(rungs.ok());
  ASSERT_EQ(rungs->size(), 2u);
  EXPECT_EQ((*rungs)[1].pad, "video_1");
  EXPECT_EQ((*rungs)[1].bitrate_kbps, 300);
}

TEST(EventPhase, PremieresAndLiveEventsThroughTheirDay) {
  Event p;
  p.kind = Kind::premiere;
  p.starts_at = 1000;
  p.duration_s = 600;
  EXPECT_EQ(phase_of(p, 999, false), Phase::upcoming);
  EXPECT_EQ(phase_of(p, 1000, false), Phase::live);
  EXPECT_EQ(phase_of(p, 1599, false), Phase::live);
  EXPECT_EQ(phase_of(p, 1600, false), Phase::ended);
  p.cancelled_at = 900;
  EXPECT_EQ(phase_of(p, 1000, false), Phase::cancelled);

  Event l;
  l.kind = Kind::live;
  l.starts_at = 1000;
  l.duration_s = 3600;
  EXPECT_EQ(phase_of(l, 999, true), Phase::upcoming) << "publishing early is not the event yet";
  EXPECT_EQ(phase_of(l, 1000, false), Phase::waiting) << "not started yet";
  EXPECT_EQ(phase_of(l, 1200, true), Phase::live);
  EXPECT_EQ(phase_of(l, 4600 + 60, false), Phase::waiting) << "running late: may still start";
  EXPECT_EQ(phase_of(l, 4600 + kLiveGraceS, false), Phase::missed) << "did not take place";
  EXPECT_EQ(phase_of(l, 4600 + kLiveGraceS - 1, true), Phase::live) << "started late, inside the grace";
  l.live_since = 1200;
  EXPECT_EQ(phase_of(l, 2000, false), Phase::ended) << "went live, stopped";
  EXPECT_EQ(phase_of(l, 9999, false), Phase::ended);
  EXPECT_EQ(stricter(kek::Visibility::public_, kek::Visibility::private_), kek::Visibility::private_);
  EXPECT_EQ(stricter(kek::Visibility::unlisted, kek::Visibility::public_), kek::Visibility::unlisted);
}

namespace {

kek::Result<kek::schedule::Settings> settings_of(const std::string& json) { return kek::schedule::read_settings(kek::test::plugin_args(json)); }

}  // namespace

TEST(ScheduleSettings, DefaultsGivenValuesAndMistakes) {
  auto defaults = settings_of("{}");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->creators, "users");
  EXPECT_EQ(defaults->outputs, std::vector<std::string>{"hls"});
  EXPECT_EQ(defaults->segment_s, 2);
  EXPECT_EQ(defaults->lead_ms, 2000);
  auto given = settings_of(R"({"creators":"admins","outputs":["hls","dash"],"segment_s":4,"max_ahead_days":10})");
  ASSERT_TRUE(given.ok()) << given.error().message;
  EXPECT_EQ(given->creators, "admins");
  EXPECT_EQ(given->outputs, (std::vector<std::string>{"hls", "dash"}));
  EXPECT_EQ(given->segment_s, 4);
  EXPECT_EQ(given->max_ahead_days, 10);
  auto everyone = settings_of(R"({"creators":"everyone","window":1})");
  ASSERT_FALSE(everyone.ok());
  EXPECT_EQ(everyone.error().message, "schedule: creators must be users or admins") << "checked first, as before";
  auto window = settings_of(R"({"window":1})");
  ASSERT_FALSE(window.ok());
  EXPECT_EQ(window.error().message, "args.window: must be between 2 and 100");
}
