// The chat's wire format, its rate limit and its settings, without a server.
#include "protocol.h"
#include "rate_limiter.h"
#include "settings.h"
#include "support/plugin_args.h"

#include <kek/json.h>

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

TEST(ChatProtocol, FramesBuiltFromObjectsEncodedOnceAreTheSameJson) {
  std::vector<ChatMessage> messages{{1, "ann", "Ann", "streamer", "first 🎉", 1'700'000'000'000'000},
                                    {2, "bob", "", "", "second \"quoted\"", 1'700'000'001'000'000}};
  std::vector<std::string> objects;
  for (const auto& m : messages) objects.push_back(message_object_json(m));
  EXPECT_EQ(message_frame(objects[0]), message_json(messages[0]));
  auto doc = JsonDoc::parse(message_frame(objects[1]));
  ASSERT_TRUE(doc.ok());
  auto type = doc->string("type");
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(*type, std::optional<std::string>("message"));
  const std::string history = history_frame({objects[0], objects[1]});
  EXPECT_EQ(history, history_json(messages));
  auto parsed = JsonDoc::parse(history);
  ASSERT_TRUE(parsed.ok()) << history;
  EXPECT_EQ(*parsed->string("type"), std::optional<std::string>("history"));
  JsonNode* list = json_object_get_member(parsed->object(), "messages");
  ASSERT_TRUE(list && JSON_NODE_HOLDS_ARRAY(list)) << history;
  JsonArray* array = json_node_get_array(list);
  ASSERT_EQ(json_array_get_length(array), 2u);
  JsonObject* first = json_array_get_object_element(array, 0);
  JsonObject* second = json_array_get_object_element(array, 1);
  EXPECT_EQ(json_object_get_int_member(first, "id"), 1);
  EXPECT_STREQ(json_object_get_string_member(first, "text"), "first 🎉");
  EXPECT_STREQ(json_object_get_string_member(first, "role"), "streamer");
  EXPECT_EQ(json_object_get_int_member(second, "id"), 2);
  EXPECT_STREQ(json_object_get_string_member(second, "display_name"), "bob");
  EXPECT_STREQ(json_object_get_string_member(second, "text"), "second \"quoted\"");
  EXPECT_TRUE(json_object_get_null_member(second, "role"));
  EXPECT_STREQ(json_object_get_string_member(second, "at"), "2023-11-14T22:13:21Z");
  EXPECT_EQ(history_frame({}), R"({"type":"history","messages":[]})");
  const std::string batch = messages_frame({objects[0], objects[1]});
  EXPECT_EQ(batch.find(R"({"type":"messages","messages":[{"id":1,)"), 0u) << batch;
  EXPECT_EQ(batch.substr(batch.find('[')), history.substr(history.find('['))) << "the same objects as a replay";
  ASSERT_TRUE(JsonDoc::parse(batch).ok()) << batch;
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
TEST(ChatSettings, AbsentKeysKeepTheDefaultsGivenOnesReplaceThem) {
  auto defaults = read_settings(kek::test::plugin_args("{}"));
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->history, 200);
  EXPECT_EQ(defaults->max_length, 500);
  EXPECT_EQ(defaults->rate_messages, 5);
  EXPECT_EQ(defaults->rate_window_s, 10);
  EXPECT_FALSE(defaults->clickable_links);
  EXPECT_EQ(defaults->max_rooms, 1000);
  auto given = read_settings(kek::test::plugin_args(
      R"({"history":0,"max_length":80,"rate_messages":1000,"rate_window_s":3600,"clickable_links":true,"max_rooms":7})"));
  ASSERT_TRUE(given.ok()) << given.error().message;
  EXPECT_EQ(given->history, 0);
  EXPECT_EQ(given->max_length, 80);
  EXPECT_EQ(given->rate_messages, 1000);
  EXPECT_EQ(given->rate_window_s, 3600);
  EXPECT_TRUE(given->clickable_links);
  EXPECT_EQ(given->max_rooms, 7);
  auto first = read_settings(kek::test::plugin_args(R"({"max_length":0,"clickable_links":"yes","colour":1})"));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().message, "args.max_length: must be between 1 and 10000") << "the first mistake in reading order";
}

}  // namespace kek::chat
