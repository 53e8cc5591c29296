// Channels against a real kek serve with auth and rtmp: the title and category a streamer sets
// show in /api/live; unknown names are a 404 with a code; follows count, and a follower hears
// on /api/events when the channel goes live (a follower who may not watch it does not).
#include "support/browser.h"
#include "support/event_stream.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/pictures.h"
#include "support/wait.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;
using kek::auth::test::quoted;

namespace {

constexpr const char* kPassword = "a-long-secret-phrase";

KekOptions channels_options() {
  KekOptions o;
  o.extra_yaml =
      "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0}}\n"
      "  - {name: channels}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  return o;
}

struct Streamer {
  Browser browser;
  std::string key;
  std::string stream;
};

Streamer streamer(const KekProcess& kek, const std::string& name, const std::string& visibility = "public") {
  Streamer s{Browser(kek.http_url()), {}, {}};
  EXPECT_EQ(s.browser.register_user(name, kPassword).status, 201);
  auto created = s.browser.post("/api/me/stream-keys", R"({"name":"OBS","visibility":")" + visibility + "\"}");
  EXPECT_EQ(created.status, 201) << created.body;
  s.key = json_field(created.body, "key").value_or("");
  s.stream = json_field(created.body, "stream").value_or("");
  return s;
}

}  // namespace

TEST(Channels, TitleAndCategoryShowInTheLiveListAndTheChannel) {
  KekProcess kek(channels_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Streamer alice = streamer(kek, "alice");

  // Set before going live, in any script, with emoji.
  auto set = alice.browser.request("PATCH", "/api/me/channel", R"({"title":"  Вечерний стрим 🎮 ","category":"Games"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json_field(set.body, "title"), "Вечерний стрим 🎮") << "blanks around are trimmed";
  EXPECT_EQ(json_field(set.body, "category"), "Games");

  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/" + alice.key, 30);
  HttpResult live;
  ASSERT_TRUE(wait_for([&] {
    live = http_get(kek.http_url(), "/api/live");
    return json_field(live.body, "0.stream") == alice.stream;
  }, 20000)) << live.body << kek.output();
  EXPECT_EQ(json_field(live.body, "0.title"), "Вечерний стрим 🎮");
  EXPECT_EQ(json_field(live.body, "0.category"), "Games");

  // The keyframe interval is measured from the stream: ffmpeg's -g 50 at 25 fps is 2 s.
  ASSERT_TRUE(wait_for([&] {
    live = http_get(kek.http_url(), "/api/live");
    return live.body.find("\"keyframe_interval_s\":null") == std::string::npos;
  }, 15000)) << live.body;
  g_autoptr(JsonParser) parser = json_parser_new();
  ASSERT_TRUE(json_parser_load_from_data(parser, live.body.c_str(), -1, nullptr));
  JsonObject* first = json_array_get_object_element(json_node_get_array(json_parser_get_root(parser)), 0);
  EXPECT_NEAR(json_object_get_double_member(first, "keyframe_interval_s"), 2.0, 0.05) << live.body;
  EXPECT_EQ(json_object_get_int_member(first, "segment_s"), 2) << "the live layout's segment length: " << live.body;
  JsonObject* ingest = json_object_get_object_member(first, "ingest");
  ASSERT_NE(ingest, nullptr) << live.body;
  EXPECT_GT(json_object_get_double_member(ingest, "fps"), 15.0) << live.body;
  // Codec names people know (libx264 -preset ultrafast is Constrained Baseline; lavfi's sine is 44.1 kHz mono).
  EXPECT_EQ(json_field(live.body, "0.video_format").value_or("").rfind("H.264 Constrained Baseline", 0), 0u) << live.body;
  EXPECT_EQ(json_field(live.body, "0.audio_format"), "AAC-LC 44.1 kHz mono") << live.body;

  // Changed while live: the list follows.
  ASSERT_EQ(alice.browser.request("PATCH", "/api/me/channel", R"({"title":"Second half"})").status, 200);
  live = http_get(kek.http_url(), "/api/live");
  EXPECT_EQ(json_field(live.body, "0.title"), "Second half");
  EXPECT_EQ(json_field(live.body, "0.category"), "Games") << "a field left out stays as it was";

  // The channel, by user name and by the stream's name, for anyone.
  Browser guest(kek.http_url());
  for (const std::string& name : {std::string("alice"), std::string("ALICE"), alice.stream}) {
    auto channel = guest.get("/api/channels/" + name);
    ASSERT_EQ(channel.status, 200) << name << ": " << channel.body;
    EXPECT_EQ(json_field(channel.body, "name"), "alice");
    EXPECT_EQ(json_field(channel.body, "title"), "Second half");
    EXPECT_EQ(json_field(channel.body, "live.0.stream"), alice.stream);
    EXPECT_EQ(json_field(channel.body, "live.0.state"), "live");
    EXPECT_EQ(json_field(channel.body, "followers"), "0");
    EXPECT_EQ(json_field(channel.body, "can_follow"), "false") << "a guest signs in first";
  }
  pub->kill_now(15);
  // Offline: the channel is still there, with nothing live.
  ASSERT_TRUE(wait_for([&] { return json_field(guest.get("/api/channels/alice").body, "live.0.stream") == std::nullopt; },
                       15000));
}

TEST(Channels, UnknownNamesAndBadInputAreRefusedWithCodes) {
  KekProcess kek(channels_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser guest(kek.http_url());
  auto missing = guest.get("/api/channels/nobody");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(json_field(missing.body, "code"), "no_such_channel");
  EXPECT_TRUE(json_field(missing.body, "error").has_value());

  EXPECT_EQ(guest.request("PATCH", "/api/me/channel", R"({"title":"x"})").status, 401);
  Streamer bob = streamer(kek, "bob");
  auto long_title = bob.browser.request("PATCH", "/api/me/channel", "{\"title\":" + quoted(std::string(141, 'x')) + "}");
  EXPECT_EQ(long_title.status, 400);
  EXPECT_EQ(json_field(long_title.body, "code"), "title_too_long");
  auto control = bob.browser.request("PATCH", "/api/me/channel", R"({"category":"a\u0007b"})");
  EXPECT_EQ(control.status, 400);
  EXPECT_EQ(json_field(control.body, "code"), "text_control_characters");
  auto wrong_type = bob.browser.request("PATCH", "/api/me/channel", R"({"title":5})");
  EXPECT_EQ(json_field(wrong_type.body, "code"), "invalid_field");
  EXPECT_EQ(bob.browser.request("PATCH", "/api/me/channel", "[1]").status, 400);
  EXPECT_EQ(json_field(bob.browser.get("/api/channels/bob").body, "title"), "null") << "nothing was stored";
  EXPECT_EQ(bob.browser.request("POST", "/api/channels/bob/follow").status, 400) << "not one's own";
  EXPECT_EQ(bob.browser.request("POST", "/api/channels/nobody/follow").status, 404);
}

TEST(Channels, FollowersCountAndHearWhenTheChannelGoesLive) {
  KekProcess kek(channels_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Streamer carol = streamer(kek, "carol");
  ASSERT_EQ(carol.browser.request("PATCH", "/api/me/channel", R"({"title":"Live from the kitchen"})").status, 200);
  Browser fan(kek.http_url());
  ASSERT_EQ(fan.register_user("fan", kPassword).status, 201);
  Browser other(kek.http_url());
  ASSERT_EQ(other.register_user("other", kPassword).status, 201);

  EXPECT_EQ(fan.request("POST", "/api/channels/carol/follow").status, 200);
  auto twice = fan.request("POST", "/api/channels/carol/follow");
  EXPECT_EQ(json_field(twice.body, "followers"), "1") << "following twice is following";
  auto channel = fan.get("/api/channels/carol");
  EXPECT_EQ(json_field(channel.body, "following"), "true");
  EXPECT_EQ(json_field(channel.body, "can_follow"), "true");
  EXPECT_EQ(json_field(other.get("/api/channels/carol").body, "following"), "false");
  EXPECT_EQ(json_field(fan.get("/api/me/following").body, "0.name"), "carol");
  EXPECT_EQ(json_field(fan.get("/api/me/following").body, "0.live"), "false");

  std::string fan_events, other_events;
  std::atomic<bool> fan_on{false}, other_on{false}, fan_done{false};
  std::thread a([&] {
    fan_events = read_events(kek.http_url(), fan.cookie(), "event: channel.live", 40000, &fan_on);
    g_usleep(500000);
    fan_done = true;
  });
  std::thread b([&] { other_events = read_events(kek.http_url(), other.cookie(), "event: channel.live", 40000, &other_on, &fan_done); });
  ASSERT_TRUE(wait_for([&] { return fan_on && other_on; }, 10000));
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/" + carol.key, 30);
  a.join();
  b.join();
  EXPECT_NE(fan_events.find("event: channel.live"), std::string::npos) << fan_events;
  EXPECT_NE(fan_events.find("\"channel\":\"carol\""), std::string::npos) << fan_events;
  EXPECT_NE(fan_events.find("Live from the kitchen"), std::string::npos) << fan_events;
  EXPECT_EQ(other_events.find("channel.live"), std::string::npos) << "only followers: " << other_events;
  ASSERT_TRUE(wait_for([&] { return json_field(fan.get("/api/me/following").body, "0.live") == "true"; }, 10000));
  EXPECT_EQ(json_field(fan.get("/api/me/following").body, "0.stream"), carol.stream);

  EXPECT_EQ(json_field(fan.request("DELETE", "/api/channels/carol/follow").body, "followers"), "0");
  EXPECT_EQ(fan.get("/api/me/following").body, "[]");
}

TEST(Channels, APrivateStreamIsNewsOnlyToWhoMayWatchIt) {
  KekProcess kek(channels_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Streamer dave = streamer(kek, "dave", "private");
  Browser fan(kek.http_url());
  ASSERT_EQ(fan.register_user("fan", kPassword).status, 201);
  ASSERT_EQ(fan.request("POST", "/api/channels/dave/follow").status, 200);
  std::string events;
  std::atomic<bool> on{false};
  std::thread reader([&] { events = read_events(kek.http_url(), fan.cookie(), "event: channel.live", 12000, &on); });
  ASSERT_TRUE(wait_for([&] { return on.load(); }, 10000));
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/" + dave.key, 30);
  ASSERT_TRUE(wait_for([&] { return json_field(dave.browser.get("/api/channels/dave").body, "live.0.stream").has_value(); },
                       20000));
  reader.join();
  EXPECT_EQ(events.find("channel.live"), std::string::npos) << events;
  EXPECT_FALSE(json_field(fan.get("/api/channels/dave").body, "live.0.stream").has_value()) << "nor listed to them";
  EXPECT_EQ(json_field(fan.get("/api/me/following").body, "0.live"), "false");
}

// The owner uploads an offline banner: it is re-encoded to a 1280x320 JPEG, the channel names
// it (a new URL per version), anyone can fetch it; others cannot set it, junk is refused, and
// removing it clears the channel's banner_url.
TEST(Channels, TheOwnerUploadsAnOfflineBanner) {
  KekProcess kek(channels_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Streamer erin = streamer(kek, "erin");
  EXPECT_EQ(json_field(http_get(kek.http_url(), "/api/channels/erin").body, "banner_url"), "null");

  const std::string png = make_image(kek.data_dir(), "pngenc", 640, 360);
  EXPECT_EQ(http_request("POST", kek.http_url(), "/api/me/channel/banner", {}, png, "image/png").status, 401)
      << "signed in only";
  auto junk = erin.browser.request("POST", "/api/me/channel/banner", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(4000, 'x'),
                                   {}, "image/png");
  EXPECT_EQ(junk.status, 400) << junk.body;
  auto text = erin.browser.request("POST", "/api/me/channel/banner", "not a picture", {}, "image/png");
  EXPECT_EQ(json_field(text.body, "code"), "banner_type_unsupported") << text.body;

  auto up = erin.browser.request("POST", "/api/me/channel/banner", png, {}, "image/png");
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string first = json_field(up.body, "banner_url").value_or("");
  ASSERT_EQ(first.rfind("/media/banners/", 0), 0u) << up.body;
  EXPECT_EQ(json_field(http_get(kek.http_url(), "/api/channels/erin").body, "banner_url"), first);
  EXPECT_EQ(probe_image(kek.http_url() + first.substr(1)), "codec_name=mjpeg|width=1280|height=320\n");

  const std::string jpeg = make_image(kek.data_dir(), "jpegenc", 300, 200);
  auto again = erin.browser.request("POST", "/api/me/channel/banner", jpeg, {}, "image/jpeg");
  ASSERT_EQ(again.status, 200) << again.body;
  const std::string second = json_field(again.body, "banner_url").value_or("");
  EXPECT_NE(second, first) << "a new version, a new URL";
  EXPECT_EQ(probe_image(kek.http_url() + second.substr(1)), "codec_name=mjpeg|width=1280|height=320\n");
  EXPECT_TRUE(wait_for([&] { return http_get(kek.http_url(), first).status == 404; }, 10000))
      << "the old version is removed";

  auto removed = erin.browser.request("DELETE", "/api/me/channel/banner");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(json_field(removed.body, "banner_url"), "null");
  EXPECT_EQ(json_field(http_get(kek.http_url(), "/api/channels/erin").body, "banner_url"), "null");
}

// Studio shows publishers the rtmp plugin's public_url when one is configured: /api/health
// announces it beside the bind address (with the app's path when the URL has none).
TEST(Channels, StudioGetsTheConfiguredPublicRtmpUrl) {
  KekOptions o;
  o.extra_yaml =
      "plugins:\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0, public_url: \"rtmp://stream.example.org:1935/\"}}\n";
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto health = http_get(kek.http_url(), "/api/health");
  EXPECT_EQ(json_field(health.body, "endpoints.rtmp_public"), "rtmp://stream.example.org:1935/live") << health.body;
  EXPECT_EQ(json_field(health.body, "endpoints.rtmp").value_or("").rfind("rtmp://127.0.0.1:", 0), 0u) << health.body;

  KekOptions plain;
  plain.extra_yaml = "plugins:\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n";
  KekProcess without(plain);
  ASSERT_TRUE(without.ready()) << without.output();
  EXPECT_EQ(json_field(http_get(without.http_url(), "/api/health").body, "endpoints.rtmp_public"), std::nullopt);

  KekOptions bad;
  bad.extra_yaml = "plugins:\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0, public_url: \"http://x\"}}\n";
  KekProcess refused(bad);
  // A plugin whose config is wrong does not start (kek itself may, and says why).
  if (refused.ready()) {
    EXPECT_EQ(json_field(http_get(refused.http_url(), "/api/health").body, "endpoints.rtmp"), std::nullopt);
  }
  EXPECT_NE(refused.output().find("public_url"), std::string::npos) << refused.output();
}

namespace {

KekOptions channels_with_poster_options() {
  KekOptions o = channels_options();
  o.extra_yaml += "  - {name: schedule}\n";
  return o;
}

std::string iso_at(int64_t unix_s) {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(unix_s);
  g_autofree char* s = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
  return s;
}

int64_t now_s() { return g_get_real_time() / G_USEC_PER_SEC; }

// A live event on the streamer's key; its id.
std::string live_event(Streamer& s, const std::string& key_id, const std::string& title, int64_t starts_at,
                       const std::string& visibility = "public", int duration_s = 600) {
  auto created = s.browser.post("/api/poster/events", "{\"kind\":\"live\",\"stream_key_id\":" + key_id + ",\"title\":" +
                                                          quoted(title) + ",\"starts_at\":\"" + iso_at(starts_at) +
                                                          "\",\"duration_s\":" + std::to_string(duration_s) +
                                                          ",\"visibility\":\"" + visibility + "\"}");
  EXPECT_EQ(created.status, 201) << created.body;
  return json_field(created.body, "id").value_or("");
}

std::string next_field(Browser& who, const std::string& channel, const std::string& field) {
  return json_field(who.get("/api/channels/" + channel).body, "next_on_poster." + field).value_or("(none)");
}

}  // namespace

// "Next on the poster": the channel's first coming event that the viewer may see on the poster;
// not one that is over, cancelled or live now, and a private one only for who it is shared with.
TEST(Channels, NextOnThePosterIsTheComingEventTheViewerMaySee) {
  KekProcess kek(channels_with_poster_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Streamer alice = streamer(kek, "alice");
  auto keys = alice.browser.get("/api/me/stream-keys");
  const std::string key_id = json_field(keys.body, "0.id").value_or("");
  ASSERT_FALSE(key_id.empty()) << keys.body;
  Browser guest(kek.http_url());
  Browser bob(kek.http_url());
  ASSERT_EQ(bob.register_user("bob", kPassword).status, 201);
  EXPECT_EQ(json_field(guest.get("/api/channels/alice").body, "next_on_poster"), "null") << "nothing on the poster yet";

  const int64_t now = now_s();
  const std::string soon = live_event(alice, key_id, "Warm-up", now + 3, "public", 60);
  const std::string secret = live_event(alice, key_id, "Secret rehearsal", now + 3600, "private");
  const std::string dropped = live_event(alice, key_id, "Dropped show", now + 7200);
  const std::string final_ = live_event(alice, key_id, "Grand final 🎬", now + 3 * 3600);
  ASSERT_EQ(alice.browser.post("/api/poster/events/" + dropped + "/cancel", R"({"reason":"ill"})").status, 200);

  // Before it starts: the warm-up, with its time and page, for everyone.
  auto channel = guest.get("/api/channels/alice");
  EXPECT_EQ(json_field(channel.body, "next_on_poster.id"), soon) << channel.body;
  EXPECT_EQ(json_field(channel.body, "next_on_poster.title"), "Warm-up");
  EXPECT_EQ(json_field(channel.body, "next_on_poster.kind"), "live");
  EXPECT_EQ(json_field(channel.body, "next_on_poster.status"), "upcoming");
  EXPECT_EQ(json_field(channel.body, "next_on_poster.starts_at"), iso_at(now + 3));
  EXPECT_EQ(json_field(channel.body, "next_on_poster.page"), "/poster/" + soon);
  // Started, the key not publishing yet: still it ("not started yet").
  ASSERT_TRUE(wait_for([&] { return next_field(guest, "alice", "status") == "waiting"; }, 10000))
      << guest.get("/api/channels/alice").body;
  EXPECT_EQ(next_field(guest, "alice", "id"), soon);

  // Live now: the stream is shown, the poster line names what comes after it. The private
  // rehearsal only for alice; the cancelled show for nobody.
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/" + alice.key, 30);
  ASSERT_TRUE(wait_for([&] { return json_field(guest.get("/api/poster/events/" + soon).body, "status") == "live"; }, 20000))
      << kek.output();
  channel = guest.get("/api/channels/alice");
  EXPECT_EQ(json_field(channel.body, "live.0.stream"), alice.stream) << channel.body;
  EXPECT_EQ(json_field(channel.body, "next_on_poster.id"), final_) << channel.body;
  EXPECT_EQ(json_field(channel.body, "next_on_poster.title"), "Grand final 🎬");
  EXPECT_EQ(next_field(bob, "alice", "id"), final_) << "a private event is not for other accounts";
  EXPECT_EQ(next_field(alice.browser, "alice", "id"), secret) << "its owner sees it";
  auto patched = alice.browser.request("PATCH", "/api/me/channel", R"({"title":"Warming up"})");
  EXPECT_EQ(json_field(patched.body, "next_on_poster.id"), secret) << "the PATCH answer is the same channel: " << patched.body;

  // Over: the warm-up went live and stopped, it is not "next" any more.
  pub->kill_now(15);
  ASSERT_TRUE(wait_for([&] { return json_field(guest.get("/api/poster/events/" + soon).body, "status") == "ended"; }, 20000));
  EXPECT_EQ(next_field(guest, "alice", "id"), final_);
  EXPECT_EQ(json_field(bob.get("/api/channels/bob").body, "next_on_poster"), "null") << "bob has nothing on the poster";

  // The poster's own listing by owner shows the same: alice's events as the viewer may see them.
  auto listing = guest.get("/api/poster?owner=alice&from=" + iso_at(now - 60) + "&to=" + iso_at(now + 86400));
  ASSERT_EQ(listing.status, 200) << listing.body;
  EXPECT_NE(listing.body.find(final_), std::string::npos) << listing.body;
  EXPECT_EQ(listing.body.find(secret), std::string::npos) << listing.body;
  EXPECT_NE(alice.browser.get("/api/poster?owner=alice&from=" + iso_at(now - 60) + "&to=" + iso_at(now + 86400)).body.find(secret),
            std::string::npos);
  EXPECT_EQ(json_field(guest.get("/api/poster?owner=nobody").body, "events.0.id"), std::nullopt);
}
