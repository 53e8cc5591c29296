// The poster against a real kek serve: a premiere scheduled 5 s ahead starts on time and plays
// live (ffprobe reads it), a viewer 10 s late is at the current position (PROGRAM-DATE-TIME),
// the playlist ends with EXT-X-ENDLIST at the film's end and the event offers the film; a kek
// restart during a premiere goes on from the right position; a live event turns "live now"
// when its key publishes; the API refuses bad input with codes; the feeds are valid iCalendar
// (python3-icalendar) with stable UIDs, bumped SEQUENCE and STATUS:CANCELLED.
#include "poster_test_support.h"

#include "support/event_stream.h"
#include "support/live.h"

#include <gtest/gtest.h>

#include <csignal>

using namespace kek::schedule::test;
using kek::auth::test::quoted;

namespace {

constexpr const char* kPassword = "a-long-secret-phrase";

class Poster : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  std::string dir_;
};

std::string field(const std::string& body, const std::string& path) { return json_field(body, path).value_or(""); }

std::string media_playlist(const KekProcess& kek, const std::string& id) {
  auto r = http_get(kek.http_url(), "/media/live/premiere-" + id + "/180p/index.m3u8");
  return r.status == 200 ? r.body : "";
}

}  // namespace

TEST_F(Poster, APremiereStartsOnTimePlaysLiveAndEndsWithTheFilm) {
  KekProcess kek(poster_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser ann(kek.http_url());
  ASSERT_EQ(ann.register_user("ann", kPassword).status, 201);
  const std::string item = ready_film(ann, dir_, "dawn.mp4", 12);
  ASSERT_FALSE(item.empty());

  const int64_t starts = now_s() + 5;
  auto created = create_premiere(ann, item, starts, ",\"title\":\"Dawn, the premiere\"");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = field(created.body, "id");
  EXPECT_EQ(field(created.body, "status"), "upcoming");
  EXPECT_EQ(field(created.body, "playlist"), "null") << "the player waits";
  const int64_t duration = std::atoll(field(created.body, "duration_s").c_str());
  EXPECT_GE(duration, 12) << "the film's length, to the second up";
  EXPECT_LE(duration, 13);
  EXPECT_EQ(field(created.body, "starts_at"), iso(starts));

  // On time: no segment before the start, the first one dated at the start (to the second).
  std::string playlist;
  ASSERT_TRUE(wait_for([&] { return !(playlist = media_playlist(kek, id)).empty(); }, 20000)) << kek.output();
  auto segments = dated_segments(playlist);
  ASSERT_FALSE(segments.empty()) << playlist;
  EXPECT_GE(now_ms(), starts * 1000) << "nothing before the start";
  Browser guest(kek.http_url());
  EXPECT_EQ(field(guest.get("/api/poster/events/" + id).body, "status"), "live");
  // Listed on the Live page while it runs, as a premiere.
  auto live = guest.get("/api/live");
  EXPECT_EQ(field(live.body, "0.stream"), "premiere-" + id) << live.body;
  EXPECT_EQ(field(live.body, "0.kind"), "premiere");
  EXPECT_EQ(field(live.body, "0.title"), "Dawn, the premiere");
  // The playlist of this run (?session=: no cache hands a later run this one's).
  EXPECT_EQ(field(live.body, "0.playlist").rfind("/media/live/premiere-" + id + "/index.m3u8?session=", 0), 0u) << live.body;
  EXPECT_EQ(field(live.body, "0.page"), "/poster/" + id);

  // A viewer 10 s late is at the current position: the newest segment ends at "now", never after.
  while (now_ms() < (starts + 10) * 1000) g_usleep(100000);
  playlist = media_playlist(kek, id);
  segments = dated_segments(playlist);
  ASSERT_FALSE(segments.empty());
  const int64_t edge = segments.back().date_ms + segments.back().duration_ms;
  EXPECT_LE(edge, now_ms() + 100) << "no segment of what has not been shown yet: " << playlist;
  EXPECT_GE(edge, now_ms() - 2500) << "the edge is within a segment of now: " << playlist;
  // The dates are the film's timeline: where the playlist is, the film is (starts + position).
  int64_t total = 0;
  for (const auto& s : segments) total += s.duration_ms;
  EXPECT_NEAR(static_cast<double>(segments.front().date_ms + total - edge), 0, 50);
  // It plays: ffprobe reads the live master and both tracks.
  auto [rc, probe] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0",
                                  kek.http_url() + "media/live/premiere-" + id + "/index.m3u8"});
  EXPECT_EQ(rc, 0) << probe;
  EXPECT_NE(probe.find("h264,320,180"), std::string::npos) << probe;
  EXPECT_NE(probe.find("aac"), std::string::npos) << probe;

  // The end: EXT-X-ENDLIST once the film has played, the event offers the film as VOD.
  ASSERT_TRUE(wait_for([&] { return media_playlist(kek, id).find("#EXT-X-ENDLIST") != std::string::npos; }, 20000))
      << media_playlist(kek, id) << kek.output();
  EXPECT_GE(now_ms(), (starts + 12) * 1000 - 1500) << "not before the film's end";
  ASSERT_TRUE(wait_for([&] { return field(guest.get("/api/poster/events/" + id).body, "status") == "ended"; }, 5000));
  auto ended = guest.get("/api/poster/events/" + id);
  EXPECT_EQ(field(ended.body, "item.page"), "/library/" + item) << ended.body;
  EXPECT_NE(field(ended.body, "item.hls"), "null");
  EXPECT_TRUE(wait_for([&] { return guest.get("/api/live").body == "[]"; }, 5000)) << "no longer live";
}

// To the second: the first segment's EXT-X-PROGRAM-DATE-TIME is the event's start, though the
// pipeline started lead_ms (2 s) before it (kekpace holds the film's first frame until then).
TEST_F(Poster, TheFirstSegmentIsDatedAtTheStartToTheSecond) {
  KekProcess kek(poster_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser ann(kek.http_url());
  ASSERT_EQ(ann.register_user("ann", kPassword).status, 201);
  const std::string item = ready_film(ann, dir_, "dawn.mp4", 6);
  const int64_t starts = now_s() + 5;
  auto created = create_premiere(ann, item, starts);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = field(created.body, "id");
  std::string playlist;
  ASSERT_TRUE(wait_for([&] { return !(playlist = media_playlist(kek, id)).empty(); }, 20000)) << kek.output();
  auto segments = dated_segments(playlist);
  ASSERT_FALSE(segments.empty()) << playlist;
  EXPECT_NEAR(static_cast<double>(segments.front().date_ms - starts * 1000), 0, 300) << playlist;
  // Every rendition the master names starts at that moment (the audio is in the variants' segments).
  HttpResult master;
  ASSERT_TRUE(wait_for([&] { return (master = http_get(kek.http_url(), "/media/live/premiere-" + id + "/index.m3u8")).status == 200; },
                       10000)) << "the master follows the first media playlist";
  std::vector<std::string> uris;
  for (size_t pos = 0; (pos = master.body.find(".m3u8", pos)) != std::string::npos; pos += 5) {
    size_t begin = master.body.find_last_of("\n\"", pos);
    uris.push_back(master.body.substr(begin + 1, pos + 5 - begin - 1));
  }
  EXPECT_FALSE(uris.empty()) << master.body;
  for (const auto& uri : uris) {
    std::string media;
    ASSERT_TRUE(wait_for([&] {
      auto r = http_get(kek.http_url(), "/media/live/premiere-" + id + "/" + uri);
      return r.status == 200 && !dated_segments(media = r.body).empty();
    }, 10000)) << uri;
    EXPECT_NEAR(static_cast<double>(dated_segments(media).front().date_ms - starts * 1000), 0, 300) << uri << "\n" << media;
  }
}

TEST_F(Poster, ARestartDuringAPremiereGoesOnFromTheRightPosition) {
  const std::string data = make_temp_dir();
  KekOptions options = poster_options();
  options.data_dir = data;
  KekProcess first(options);
  ASSERT_TRUE(first.ready()) << first.output();
  Browser bo(first.http_url());
  ASSERT_EQ(bo.register_user("bobby", kPassword).status, 201);
  const std::string item = ready_film(bo, dir_, "reel.mp4", 9);
  const int64_t starts = now_s() + 3;
  auto created = create_premiere(bo, item, starts);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = field(created.body, "id");
  ASSERT_TRUE(wait_for([&] { return !media_playlist(first, id).empty(); }, 20000)) << first.output();
  while (now_ms() < (starts + 4) * 1000) g_usleep(100000);
  first.signal(SIGKILL);
  first.wait_exit(10000);

  KekProcess second(options);
  ASSERT_TRUE(second.ready()) << second.output();
  const int64_t back = now_ms();
  // A new run: its first segment is dated where the film is now, not at its beginning.
  std::vector<LiveSegment> segments;
  ASSERT_TRUE(wait_for([&] {
    auto s = dated_segments(media_playlist(second, id));
    if (s.empty() || s.front().date_ms < back - 1000) return false;  // the killed run's playlist
    segments = s;
    return true;
  }, 15000)) << media_playlist(second, id) << second.output();
  const int64_t position_ms = segments.front().date_ms - starts * 1000;
  EXPECT_GE(position_ms, back - starts * 1000 - 100) << "nothing already shown is shown again";
  EXPECT_LE(position_ms, back - starts * 1000 + 3000) << "it resumed where the film is";
  // And it ends where the film ends.
  ASSERT_TRUE(wait_for([&] { return media_playlist(second, id).find("#EXT-X-ENDLIST") != std::string::npos; }, 20000));
  segments = dated_segments(media_playlist(second, id));
  const int64_t end_ms = segments.back().date_ms + segments.back().duration_ms;
  EXPECT_NEAR(static_cast<double>(end_ms - starts * 1000), 9000, 1200);
}

TEST_F(Poster, ALiveEventTurnsLiveWhenItsKeyPublishesInsideItsWindow) {
  KekProcess kek(poster_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser cy(kek.http_url());
  ASSERT_EQ(cy.register_user("cyril", kPassword).status, 201);
  auto key = cy.post("/api/me/stream-keys", R"({"name":"OBS","visibility":"public"})");
  ASSERT_EQ(key.status, 201) << key.body;
  const int64_t starts = now_s() + 2;
  auto created = cy.post("/api/poster/events", "{\"kind\":\"live\",\"stream_key_id\":" + field(key.body, "id") +
                                                   ",\"title\":\"Q&A night\",\"starts_at\":\"" + iso(starts) +
                                                   "\",\"duration_s\":600}");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = field(created.body, "id");
  EXPECT_EQ(field(created.body, "stream"), field(key.body, "stream"));
  EXPECT_EQ(field(created.body, "status"), "upcoming");
  Browser guest(kek.http_url());
  ASSERT_TRUE(wait_for([&] { return field(guest.get("/api/poster/events/" + id).body, "status") == "waiting"; }, 8000))
      << "not started yet";
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/" + field(key.body, "key"), 30);
  std::string event;
  // "live now" as soon as the key publishes; live_since once its stream.started came (the rtmp
  // plugin lists the stream a moment before it announces it).
  ASSERT_TRUE(wait_for([&] {
    event = guest.get("/api/poster/events/" + id).body;
    return field(event, "status") == "live" && field(event, "live_since") != "null";
  }, 20000)) << event << kek.output();
  EXPECT_EQ(field(event, "playlist"), "/media/live/" + field(key.body, "stream") + "/index.m3u8");
  EXPECT_EQ(field(event, "watch_page"), "/live/" + field(key.body, "stream"));
  EXPECT_NE(field(event, "live_since"), "null");
  pub->kill_now(15);
  ASSERT_TRUE(wait_for([&] { return field(guest.get("/api/poster/events/" + id).body, "status") == "ended"; }, 15000))
      << "it took place and stopped";
}

TEST_F(Poster, BadInputGetsClearErrorsAndNothingElseIsAffected) {
  KekProcess kek(poster_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser dan(kek.http_url());
  ASSERT_EQ(dan.register_user("dan", kPassword).status, 201);
  Browser eve(kek.http_url());
  ASSERT_EQ(eve.register_user("eve", kPassword).status, 201);
  Browser guest(kek.http_url());
  const std::string item = ready_film(dan, dir_, "a.mp4", 3);
  const int64_t soon = now_s() + 3600;

  EXPECT_EQ(create_premiere(guest, item, soon).status, 401);
  auto past = create_premiere(dan, item, now_s() - 60);
  EXPECT_EQ(past.status, 400);
  EXPECT_EQ(field(past.body, "code"), "starts_in_the_past");
  auto malformed = dan.post("/api/poster/events", R"({"kind":"premiere","item_id":")" + item + R"(","starts_at":"tomorrow"})");
  EXPECT_EQ(field(malformed.body, "code"), "invalid_time");
  auto no_zone = dan.post("/api/poster/events", R"({"kind":"premiere","item_id":")" + item + R"(","starts_at":"2031-01-01T20:00:00"})");
  EXPECT_EQ(field(no_zone.body, "code"), "invalid_time") << "a time without its offset is ambiguous";
  EXPECT_EQ(field(create_premiere(dan, "nosuchitem", soon).body, "code"), "no_such_item");
  EXPECT_EQ(field(create_premiere(eve, item, soon).body, "code"), "item_not_yours");
  EXPECT_EQ(field(dan.post("/api/poster/events", R"({"kind":"concert"})").body, "code"), "invalid_kind");
  EXPECT_EQ(field(dan.post("/api/poster/events", "[1]").body, "code"), "json_object_expected");
  auto far = create_premiere(dan, item, now_s() + 5 * 365 * 86400);
  EXPECT_EQ(field(far.body, "code"), "starts_too_far_ahead");
  // A film that will never play (not a film at all: queued, then failed).
  const std::string broken = upload(dan, "b.mp4", std::string(4096, 'z'));
  ASSERT_FALSE(broken.empty());
  auto not_ready = create_premiere(dan, broken, soon);
  EXPECT_EQ(not_ready.status, 409) << not_ready.body;
  EXPECT_EQ(field(not_ready.body, "code"), "item_not_ready");
  // A private film's premiere cannot be public.
  ASSERT_EQ(dan.request("PATCH", "/api/library/items/" + item, R"({"visibility":"private"})").status, 200);
  EXPECT_EQ(field(create_premiere(dan, item, soon, ",\"visibility\":\"public\"").body, "code"), "visibility_wider_than_source");
  ASSERT_EQ(dan.request("PATCH", "/api/library/items/" + item, R"({"visibility":"public"})").status, 200);

  // Two premieres may overlap.
  auto one = create_premiere(dan, item, soon);
  auto two = create_premiere(dan, item, soon + 1);
  ASSERT_EQ(one.status, 201) << one.body;
  ASSERT_EQ(two.status, 201) << two.body;
  const std::string id = field(one.body, "id");
  // Someone else's event cannot be edited, cancelled or deleted; the owner's edits work.
  EXPECT_EQ(field(eve.request("PATCH", "/api/poster/events/" + id, R"({"title":"mine now"})").body, "code"), "not_your_event");
  EXPECT_EQ(eve.post("/api/poster/events/" + id + "/cancel").status, 403);
  EXPECT_EQ(eve.request("DELETE", "/api/poster/events/" + id).status, 403);
  EXPECT_EQ(guest.request("PATCH", "/api/poster/events/" + id, R"({"title":"x"})").status, 401);
  EXPECT_EQ(field(dan.request("PATCH", "/api/poster/events/" + id, R"({"starts_at":"2001-01-01T00:00:00Z"})").body, "code"),
            "starts_in_the_past");
  EXPECT_EQ(field(dan.request("PATCH", "/api/poster/events/" + id, R"({"title":"   "})").body, "code"), "title_required");
  auto edited = dan.request("PATCH", "/api/poster/events/" + id, R"({"title":"Director's cut","description":"With, commas; and\nlines"})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(field(edited.body, "sequence"), "1");
  EXPECT_EQ(field(guest.get("/api/poster/events/nope").body, "code"), "no_such_event");
  // The other event was not touched by any of it.
  EXPECT_EQ(field(dan.get("/api/poster/events/" + field(two.body, "id")).body, "sequence"), "0");

  // Deleting the film cancels its premieres with the reason; a cancelled event stays listed.
  ASSERT_EQ(dan.request("DELETE", "/api/library/items/" + item).status, 204);
  std::string after;
  ASSERT_TRUE(wait_for([&] { return field(after = guest.get("/api/poster/events/" + id).body, "status") == "cancelled"; }, 5000))
      << after;
  EXPECT_EQ(field(after, "cancel_reason"), "the film was deleted");
  EXPECT_EQ(field(after, "sequence"), "2");
  auto listed = guest.get("/api/poster?tz=Europe/Moscow");
  EXPECT_NE(listed.body.find(id), std::string::npos) << listed.body;
  EXPECT_EQ(field(guest.get("/api/poster?tz=Mars/Base").body, "code"), "invalid_time_zone");
  EXPECT_EQ(field(guest.get("/api/poster?month=2026-13").body, "code"), "invalid_month");
  EXPECT_EQ(field(guest.get("/api/poster?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z").body, "code"), "invalid_span");
}

TEST_F(Poster, PrivateFilmsPremieresAreOnlyForThoseWhoMayWatchThem) {
  KekProcess kek(poster_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser fay(kek.http_url());
  ASSERT_EQ(fay.register_user("fay", kPassword).status, 201);
  Browser gus(kek.http_url());
  ASSERT_EQ(gus.register_user("gus", kPassword).status, 201);
  Browser hal(kek.http_url());
  ASSERT_EQ(hal.register_user("hal", kPassword).status, 201);
  const std::string item = ready_film(fay, dir_, "home.mp4", 3);
  ASSERT_EQ(fay.request("PATCH", "/api/library/items/" + item, R"({"visibility":"private","allowed":["gus"]})").status, 200);
  auto created = create_premiere(fay, item, now_s() + 7200, ",\"title\":\"Family night\"");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(field(created.body, "visibility"), "private") << "the film's own by default";
  const std::string id = field(created.body, "id");
  EXPECT_NE(fay.get("/api/poster").body.find(id), std::string::npos);
  EXPECT_NE(gus.get("/api/poster").body.find(id), std::string::npos) << "shared with gus";
  EXPECT_EQ(hal.get("/api/poster").body.find(id), std::string::npos);
  EXPECT_EQ(Browser(kek.http_url()).get("/api/poster").body.find(id), std::string::npos);
  EXPECT_EQ(hal.get("/api/poster/events/" + id).status, 404);
  EXPECT_EQ(http_get(kek.http_url(), "/api/poster.ics").body.find(id), std::string::npos) << "not in the public feed";
  // Its media are guarded like the film's: nobody else fetches the premiere's playlist (refused
  // before anyone looks for the file, which is not there yet: a 404 for those who may).
  const std::string media = "/media/live/premiere-" + id + "/index.m3u8";
  const int guest_status = http_get(kek.http_url(), media).status;
  EXPECT_TRUE(guest_status == 401 || guest_status == 403) << guest_status;
  EXPECT_EQ(hal.get(media).status, 403);
  EXPECT_EQ(gus.get(media).status, 404);
}

TEST_F(Poster, CalendarFeedsAreValidICalendarWithStableUidsAndSequence) {
  KekProcess kek(poster_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser ivy(kek.http_url());
  ASSERT_EQ(ivy.register_user("ivy", kPassword).status, 201);
  Browser jon(kek.http_url());
  ASSERT_EQ(jon.register_user("jon", kPassword).status, 201);
  const std::string item = ready_film(ivy, dir_, "c.mp4", 3);
  const int64_t starts = now_s() + 86400;
  const std::string long_title = "Премьера: очень длинное название фильма, с запятыми; и точками с запятой — " + std::string(40, 'x');
  auto a = create_premiere(ivy, item, starts, ",\"title\":" + quoted(long_title));
  auto b = create_premiere(ivy, item, starts + 7200, ",\"title\":\"Second show\"");
  ASSERT_EQ(a.status, 201) << a.body;
  ASSERT_EQ(b.status, 201);
  const std::string ida = field(a.body, "id"), idb = field(b.body, "id");

  auto read_feed = [&](const std::string& path, Browser* as = nullptr) {
    HttpResult r = as ? as->get(path) : http_get(kek.http_url(), path);
    EXPECT_EQ(r.status, 200) << path << " " << r.body;
    EXPECT_NE(r.header("content-type").find("text/calendar"), std::string::npos);
    const std::string file = dir_ + "/feed.ics";
    g_file_set_contents(file.c_str(), r.body.c_str(), static_cast<gssize>(r.body.size()), nullptr);
    auto [rc, out] = run_command({"/usr/bin/python3", std::string(KEK_SOURCE_DIR) + "/plugins/schedule/tests/ics_read.py", file});
    EXPECT_EQ(rc, 0) << out << "\n" << r.body;
    return out;
  };
  std::string feed = read_feed("/api/poster.ics");
  EXPECT_EQ(field(feed, "events.0.uid"), ida + "@kek") << feed;
  EXPECT_EQ(field(feed, "events.0.summary"), "Premiere: " + long_title) << "folded and escaped, read back whole";
  EXPECT_EQ(field(feed, "events.0.start"), iso(starts));
  EXPECT_EQ(field(feed, "events.0.end"), iso(starts + 3));
  EXPECT_EQ(field(feed, "events.0.status"), "CONFIRMED");
  EXPECT_EQ(field(feed, "events.0.sequence"), "0");

  // Moved and cancelled: the same UIDs, SEQUENCE bumped, STATUS:CANCELLED with the reason.
  ASSERT_EQ(ivy.request("PATCH", "/api/poster/events/" + ida, "{\"starts_at\":\"" + iso(starts + 600) + "\"}").status, 200);
  ASSERT_EQ(ivy.post("/api/poster/events/" + idb + "/cancel", R"({"reason":"the projector broke"})").status, 200);
  feed = read_feed("/api/poster.ics");
  EXPECT_EQ(field(feed, "events.0.uid"), ida + "@kek");
  EXPECT_EQ(field(feed, "events.0.sequence"), "1");
  EXPECT_EQ(field(feed, "events.0.start"), iso(starts + 600));
  EXPECT_EQ(field(feed, "events.1.uid"), idb + "@kek");
  EXPECT_EQ(field(feed, "events.1.status"), "CANCELLED");
  EXPECT_EQ(field(feed, "events.1.sequence"), "1");
  EXPECT_NE(field(feed, "events.1.description").find("the projector broke"), std::string::npos) << feed;
  // One event as a file to add to a calendar.
  std::string one = read_feed("/api/poster/events/" + ida + "/event.ics");
  EXPECT_EQ(field(one, "events.0.uid"), ida + "@kek");
  EXPECT_EQ(field(one, "events.1.uid"), "") << "just the one";

  // The private feed: jon's reminded events, at a secret URL that stops working when revoked.
  EXPECT_EQ(jon.get("/api/poster/feed").status, 200);
  EXPECT_EQ(field(jon.get("/api/poster/feed").body, "exists"), "false");
  ASSERT_EQ(jon.request("PUT", "/api/poster/events/" + ida + "/reminder").status, 200);
  auto made = jon.post("/api/poster/feed");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string url = field(made.body, "url");
  ASSERT_EQ(url.rfind("/api/poster/feeds/", 0), 0u) << made.body;
  std::string mine = read_feed(url);  // no cookie: calendar apps have none
  EXPECT_EQ(field(mine, "events.0.uid"), ida + "@kek") << mine;
  EXPECT_EQ(field(mine, "events.1.uid"), "") << "only what jon asked for";
  EXPECT_EQ(http_get(kek.http_url(), "/api/poster/feeds/" + std::string(32, 'A') + ".ics").status, 404) << "a guessed token";
  auto again = jon.post("/api/poster/feed");
  EXPECT_EQ(http_get(kek.http_url(), url).status, 404) << "the old URL stopped working";
  ASSERT_EQ(jon.request("DELETE", "/api/poster/feed").status, 204);
  EXPECT_EQ(http_get(kek.http_url(), field(again.body, "url")).status, 404) << "revoked";
}
