// The chat over real WebSockets against a real kek serve with auth and rtmp: history replayed to
// whoever joins, guests read and may not write, the rate limit and the length limit, and the
// streamer's moderation (delete, timeout, ban), with UTF-8 end to end.
#include "support/browser.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"
#include "support/websocket_client.h"

#include <gtest/gtest.h>

using namespace kek::test;
using kek::auth::test::Browser;
using kek::auth::test::json_field;

namespace {

constexpr const char* kPassword = "a-long-secret-phrase";

KekOptions chat_options(const std::string& chat_args = {}) {
  KekOptions o;
  o.extra_yaml =
      "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0, reconnect_grace_s: 0}}\n"
      "  - {name: chat, args: {" + chat_args + "}}\n";
  o.env = {"KEK_ADMIN_PASSWORD=correct-horse-battery"};
  return o;
}

std::string ws_url(const KekProcess& kek, const std::string& stream) {
  std::string base = kek.http_url();  // http://127.0.0.1:PORT/
  return "ws" + base.substr(4) + "api/chat/" + stream;
}

// A live stream of `owner` (a new account) and that account's browser.
struct LiveChannel {
  Browser owner;
  std::string stream;
  std::unique_ptr<BackgroundProcess> publisher;
};

LiveChannel go_live(const KekProcess& kek, const std::string& name, const std::string& visibility = "public") {
  LiveChannel c{Browser(kek.http_url()), {}, nullptr};
  EXPECT_EQ(c.owner.register_user(name, kPassword).status, 201);
  auto key = c.owner.post("/api/me/stream-keys", R"({"name":"OBS","visibility":")" + visibility + "\"}");
  c.stream = json_field(key.body, "stream").value_or("");
  c.publisher = publish_test_stream(kek.endpoint("rtmp") + "/" + json_field(key.body, "key").value_or(""), 60);
  EXPECT_TRUE(wait_for([&] { return c.owner.get("/api/live").body.find("\"stream\":\"" + c.stream + "\"") != std::string::npos; },
                       20000))
      << kek.output();
  return c;
}

Browser user(const KekProcess& kek, const std::string& name) {
  Browser b(kek.http_url());
  EXPECT_EQ(b.register_user(name, kPassword).status, 201);
  return b;
}

size_t count_with(const std::vector<std::string>& got, const std::string& needle) {
  size_t n = 0;
  for (const auto& m : got) n += m.find(needle) != std::string::npos;
  return n;
}

}  // namespace

TEST(Chat, TwoPeopleTalkAndLaterJoinersGetTheHistory) {
  KekProcess kek(chat_options("history: 3"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  LiveChannel alice = go_live(kek, "alice");
  Browser bob = user(kek, "bob");

  WebSocketClient a(ws_url(kek, alice.stream), alice.owner.cookie());
  WebSocketClient b(ws_url(kek, alice.stream), bob.cookie());
  ASSERT_TRUE(a.connected() && b.connected()) << a.status() << " " << b.status();
  ASSERT_TRUE(a.wait_for_text("\"type\":\"history\""));
  ASSERT_TRUE(b.wait_for_text("\"type\":\"history\""));
  EXPECT_NE(b.received()[0].find("\"can_write\":true"), std::string::npos) << b.received()[0];
  EXPECT_NE(b.received()[0].find("\"can_moderate\":false"), std::string::npos) << b.received()[0];
  EXPECT_NE(a.received()[0].find("\"can_moderate\":true"), std::string::npos) << "the streamer moderates";

  b.send(R"({"type":"send","text":"Привет, Алиса! 🎉 <script>x</script>"})");
  ASSERT_TRUE(a.wait_for_text("Привет, Алиса! 🎉 <script>x</script>")) << "UTF-8 end to end, text as text";
  a.send(R"({"type":"send","text":"hi bob"})");
  ASSERT_TRUE(b.wait_for_text("hi bob"));
  EXPECT_EQ(count_with(b.received(), "\"role\":\"streamer\""), 1u);
  a.send(R"({"type":"send","text":"third"})");
  a.send(R"({"type":"send","text":"fourth"})");
  ASSERT_TRUE(b.wait_for_text("fourth"));

  // A guest joins: the last 3 (history: 3), oldest first; reads, may not write.
  WebSocketClient guest(ws_url(kek, alice.stream));
  ASSERT_TRUE(guest.connected());
  ASSERT_TRUE(guest.wait_for_text("\"type\":\"history\""));
  const std::string& history = guest.received()[1];
  EXPECT_EQ(history.find("Привет"), std::string::npos) << history;
  EXPECT_LT(history.find("hi bob"), history.find("third")) << history;
  EXPECT_LT(history.find("third"), history.find("fourth")) << history;
  EXPECT_NE(guest.received()[0].find("\"you\":null"), std::string::npos);
  guest.send(R"({"type":"send","text":"anonymous"})");
  ASSERT_TRUE(guest.wait_for_text("\"code\":\"sign_in_required\""));
  b.send(R"({"type":"send","text":"after the guest"})");
  ASSERT_TRUE(guest.wait_for_text("after the guest")) << "guests read live";
  EXPECT_EQ(count_with(a.received(), "anonymous"), 0u);
}

TEST(Chat, LimitsRateLengthAndEmptyMessages) {
  KekProcess kek(chat_options("rate_messages: 3, rate_window_s: 30, max_length: 20"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  LiveChannel alice = go_live(kek, "alice");
  Browser bob = user(kek, "bob");
  WebSocketClient b(ws_url(kek, alice.stream), bob.cookie());
  ASSERT_TRUE(b.wait_for_text("\"type\":\"history\""));
  b.send(R"({"type":"send","text":")" + std::string(21, 'x') + "\"}");
  ASSERT_TRUE(b.wait_for_text("\"code\":\"chat_too_long\""));
  b.send(R"({"type":"send","text":"   "})");
  ASSERT_TRUE(b.wait_for_text("\"code\":\"chat_empty\""));
  b.send("not json");
  ASSERT_TRUE(b.wait_for_text("\"code\":\"chat_bad_message\""));
  // 20 characters of Cyrillic are 40 bytes: the limit counts characters.
  b.send(R"({"type":"send","text":"ёёёёёёёёёёёёёёёёёёёё"})");
  ASSERT_TRUE(b.wait_for_text("\"text\":\"ёёёёёёёёёёёёёёёёёёёё\""));
  for (int i = 0; i < 3; ++i) b.send(R"({"type":"send","text":"spam )" + std::to_string(i) + "\"}");
  ASSERT_TRUE(b.wait_for_text("\"code\":\"chat_rate_limited\""));
  EXPECT_EQ(count_with(b.received(), "spam 2"), 0u) << "the fourth message in the window is refused";
  EXPECT_NE(b.received().back().find("retry_after_s"), std::string::npos) << b.received().back();
  EXPECT_TRUE(kek.running()) << "bad input loses nothing and takes nothing down";
}

TEST(Chat, TheStreamerDeletesTimesOutAndBans) {
  KekProcess kek(chat_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  LiveChannel alice = go_live(kek, "alice");
  Browser troll = user(kek, "troll");
  Browser viewer = user(kek, "viewer");
  WebSocketClient a(ws_url(kek, alice.stream), alice.owner.cookie());
  WebSocketClient t(ws_url(kek, alice.stream), troll.cookie());
  WebSocketClient v(ws_url(kek, alice.stream), viewer.cookie());
  ASSERT_TRUE(a.wait_for_text("history") && t.wait_for_text("history") && v.wait_for_text("history"));

  t.send(R"({"type":"send","text":"first bad thing"})");
  ASSERT_TRUE(a.wait_for_text("first bad thing"));
  const std::string sent = a.received().back();
  const std::string id = sent.substr(sent.find("\"id\":") + 5, sent.find(',', sent.find("\"id\":")) - sent.find("\"id\":") - 5);

  // A viewer may not moderate.
  v.send(R"({"type":"delete","id":)" + id + "}");
  ASSERT_TRUE(v.wait_for_text("\"code\":\"chat_not_moderator\""));
  a.send(R"({"type":"delete","id":)" + id + "}");
  ASSERT_TRUE(v.wait_for_text("\"type\":\"deleted\",\"id\":" + id));

  t.send(R"({"type":"send","text":"second bad thing"})");
  ASSERT_TRUE(v.wait_for_text("second bad thing"));
  a.send(R"({"type":"timeout","user":"troll","seconds":600})");
  ASSERT_TRUE(v.wait_for_text("\"action\":\"timeout\"")) << "and what they wrote goes";
  EXPECT_NE(v.received().back().find("\"removed\":["), std::string::npos);
  t.send(R"({"type":"send","text":"still here"})");
  ASSERT_TRUE(t.wait_for_text("\"code\":\"chat_timed_out\""));
  EXPECT_EQ(count_with(v.received(), "still here"), 0u);

  a.send(R"({"type":"ban","user":"troll"})");
  ASSERT_TRUE(v.wait_for_text("\"action\":\"ban\""));
  t.send(R"({"type":"send","text":"banned now"})");
  ASSERT_TRUE(t.wait_for_text("\"code\":\"chat_banned\""));
  // Nobody moderates the streamer.
  a.send(R"({"type":"ban","user":"alice"})");
  ASSERT_TRUE(a.wait_for_text("\"code\":\"chat_cannot_moderate\""));

  // A new connection of the banned user still reads, and is told it may not write.
  WebSocketClient t2(ws_url(kek, alice.stream), troll.cookie());
  ASSERT_TRUE(t2.wait_for_text("history"));
  EXPECT_NE(t2.received()[0].find("\"can_write\":false"), std::string::npos) << t2.received()[0];
  EXPECT_EQ(t2.received()[1].find("bad thing"), std::string::npos) << "their messages are gone from the history";

  a.send(R"({"type":"unban","user":"troll"})");
  ASSERT_TRUE(t2.wait_for_text("\"can_write\":true"));
  t2.send(R"({"type":"send","text":"sorry"})");
  ASSERT_TRUE(v.wait_for_text("sorry"));

  // Admins moderate every channel.
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  WebSocketClient ad(ws_url(kek, alice.stream), admin.cookie());
  ASSERT_TRUE(ad.wait_for_text("history"));
  EXPECT_NE(ad.received()[0].find("\"can_moderate\":true"), std::string::npos) << ad.received()[0];
  ad.send(R"({"type":"timeout","user":"viewer","seconds":60})");
  ASSERT_TRUE(v.wait_for_text("\"can_write\":false"));
}

TEST(Chat, ABurstArrivesWholeAndInOrder) {
  // Messages that reach the server in the same main-loop turn go out together ("messages");
  // whichever way they are framed, a reader sees every one, in the order they were sent.
  KekProcess kek(chat_options("rate_messages: 1000, rate_window_s: 10"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  LiveChannel alice = go_live(kek, "alice");
  Browser bob = user(kek, "bob");
  WebSocketClient a(ws_url(kek, alice.stream), alice.owner.cookie());
  WebSocketClient b(ws_url(kek, alice.stream), bob.cookie());
  WebSocketClient reader(ws_url(kek, alice.stream));
  ASSERT_TRUE(a.wait_for_text("history") && b.wait_for_text("history") && reader.wait_for_text("history"));
  constexpr int kBurst = 40;
  auto text = [](int i) { return std::string("burst-") + (i < 10 ? "0" : "") + std::to_string(i) + "."; };
  for (int i = 0; i < kBurst; ++i) a.send(R"({"type":"send","text":")" + text(i) + "\"}");
  ASSERT_TRUE(reader.wait_for_text(text(kBurst - 1))) << kek.output();
  b.send(R"({"type":"send","text":"after the burst"})");
  ASSERT_TRUE(reader.wait_for_text("after the burst"));
  std::string all;
  size_t frames = 0;
  for (const auto& f : reader.received()) {
    if (f.rfind(R"({"type":"message)", 0) != 0) continue;  // "message" or "messages"
    all += f;
    ++frames;
  }
  size_t at = 0;
  for (int i = 0; i < kBurst; ++i) {
    const size_t next = all.find("\"text\":\"" + text(i) + "\"", at);
    ASSERT_NE(next, std::string::npos) << text(i) << " missing or out of order in " << all;
    at = next;
  }
  EXPECT_GT(all.find("after the burst"), at);
  EXPECT_LE(frames, static_cast<size_t>(kBurst + 1));
  // Whoever joins next gets the burst in the history, once.
  WebSocketClient late(ws_url(kek, alice.stream));
  ASSERT_TRUE(late.wait_for_text("history"));
  EXPECT_EQ(count_with(late.received(), text(kBurst - 1)), 1u);
}

TEST(Chat, NoSuchStreamAndPrivateStreamsAreRefusedBeforeTheUpgrade) {
  KekProcess kek(chat_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  WebSocketClient nobody(ws_url(kek, "nobody"));
  EXPECT_FALSE(nobody.connected());
  EXPECT_EQ(nobody.status(), 404);
  LiveChannel dora = go_live(kek, "dora", "private");
  Browser stranger = user(kek, "stranger");
  WebSocketClient guest(ws_url(kek, dora.stream));
  EXPECT_EQ(guest.status(), 401);
  WebSocketClient other(ws_url(kek, dora.stream), stranger.cookie());
  EXPECT_EQ(other.status(), 403);
  WebSocketClient owner(ws_url(kek, dora.stream), dora.owner.cookie());
  EXPECT_EQ(owner.status(), 101);
  // Another site's page may not chat with the visitor's cookie.
  WebSocketClient forged(ws_url(kek, dora.stream), dora.owner.cookie(), "http://evil.example");
  EXPECT_EQ(forged.status(), 403);
}
