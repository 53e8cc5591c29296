// The chat's wire format and its rate limit, without a server.
#include "protocol.h"
#include "rate_limiter.h"

#include <gtest/gtest.h>

namespace kek::chat {
namespace {

TEST(ChatProtocol, ParsesWhatClientsSendAndRefusesTheRest) {
  auto send = parse_client_message(R"({"type":"send","text":"привет 👋"})");
  ASSERT_TRUE(send.ok());
  EXPECT_EQ(send->type, ClientMessage::Type::send);
  EXPECT_EQ(send->text, "привет 👋");
  auto timeout = parse_client_message(R"({"type":"timeout","user":"bob","seconds":600})");
  ASSERT_TRUE(timeout.ok());
  EXPECT_EQ(timeout->seconds, 600);
  EXPECT_EQ(parse_client_message(R"({"type":"delete","id":7})")->id, 7);
  for (const char* bad : {"", "nope", "[]", "{}", R"({"type":"send"})", R"({"type":"send","text":5})",
                          R"({"type":"timeout","user":"bob"})", R"({"type":"timeout","user":"bob","seconds":-1})",
                          R"({"type":"ban"})", R"({"type":"ban","user":""})", R"({"type":"dance"})"}) {
    auto m = parse_client_message(bad);
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_EQ(m.error().reason, "chat_bad_message") << bad;
  }
}

TEST(ChatProtocol, MessagesKeepTheirTextAsTextAndUtf8) {
  ChatMessage m{3, "ann", "Ann", "streamer", "<b>hi</b> & \"bye\" 🎉", 0};
  const std::string json = message_json(m);
  EXPECT_NE(json.find("\"text\":\"<b>hi</b> & \\\"bye\\\" 🎉\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"role\":\"streamer\""), std::string::npos) << json;
  EXPECT_NE(error_json(Error{"slow down", 429, "chat_rate_limited"}, 3).find("\"retry_after_s\":3"), std::string::npos);
}

TEST(ChatRateLimiter, AllowsNPerWindowPerUser) {
  RateLimiter limiter(3, 10'000'000);
  EXPECT_EQ(limiter.take(1, 0), 0);
  EXPECT_EQ(limiter.take(1, 1'000'000), 0);
  EXPECT_EQ(limiter.take(1, 2'000'000), 0);
  EXPECT_EQ(limiter.take(1, 3'000'000), 7'000'000) << "the first send leaves the window at 10 s";
  EXPECT_EQ(limiter.take(2, 3'000'000), 0) << "another user has their own budget";
  EXPECT_EQ(limiter.take(1, 10'000'000), 0);
}

}  // namespace
}  // namespace kek::chat
