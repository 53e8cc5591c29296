// The rtmp plugin's settings as its args give them (kek.yaml: plugins: [{name: rtmp, args: {...}}]).
#include "settings.h"
#include "support/plugin_args.h"

#include <gtest/gtest.h>

namespace kek::rtmp {
namespace {

Result<Settings> settings_of(const std::string& json) { return read_settings(kek::test::plugin_args(json)); }

TEST(RtmpSettings, AbsentKeysKeepTheDefaultsGivenOnesReplaceThem) {
  auto defaults = settings_of("{}");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->address, "127.0.0.1");
  EXPECT_EQ(defaults->port, 1935);
  EXPECT_EQ(defaults->apps.at("live"), "live");
  EXPECT_EQ(defaults->reconnect_grace_s, 10);
  EXPECT_EQ(defaults->gop_cache_bytes, 16 * 1024 * 1024);

  auto given = settings_of(R"({"address":"0.0.0.0","port":1936,"public_url":"rtmp://stream.example.org/","apps":{"ll":"live-ll"},)"
                           R"("keys":["cam:k1"],"take_over":true,"reconnect_grace_s":0,"idle_timeout_s":5,"publish_timeout_s":3,)"
                           R"("max_connections":9,"max_connections_per_address":2,"max_message_bytes":4096,)"
                           R"("gop_cache_bytes":1073741824,"push_threads":3})");
  ASSERT_TRUE(given.ok()) << given.error().message;
  EXPECT_EQ(given->address, "0.0.0.0");
  EXPECT_EQ(given->port, 1936);
  EXPECT_EQ(given->public_url, "rtmp://stream.example.org") << "the trailing slash dropped";
  EXPECT_EQ(given->apps.size(), 1u);
  EXPECT_EQ(given->apps.at("ll"), "live-ll");
  ASSERT_EQ(given->keys.size(), 1u);
  EXPECT_EQ(given->keys[0].stream, "cam");
  EXPECT_EQ(given->keys[0].key, "k1");
  EXPECT_TRUE(given->take_over);
  EXPECT_EQ(given->reconnect_grace_s, 0);
  EXPECT_EQ(given->idle_timeout_s, 5);
  EXPECT_EQ(given->publish_timeout_s, 3);
  EXPECT_EQ(given->max_connections, 9);
  EXPECT_EQ(given->max_connections_per_address, 2);
  EXPECT_EQ(given->max_message_bytes, 4096);
  EXPECT_EQ(given->gop_cache_bytes, int64_t{1} << 30);
  EXPECT_EQ(given->push_threads, 3);
}

TEST(RtmpSettings, TheFirstMistakeInReadingOrderIsReported) {
  auto port = settings_of(R"({"port":70000,"public_url":"http://x","push_threads":65})");
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.error().message, "args.port: must be between 0 and 65535");
  auto url = settings_of(R"({"public_url":"http://x","push_threads":65})");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().message, "args.public_url: must start with rtmp:// or rtmps://");
  auto bare = settings_of(R"({"keys":["secret"]})");
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.error().message.find("args.keys: entries are \"stream:key\""), std::string::npos) << bare.error().message;
  auto threads = settings_of(R"({"push_threads":65,"colour":1})");
  ASSERT_FALSE(threads.ok());
  EXPECT_EQ(threads.error().message, "args.push_threads: must be between 0 and 64");
  auto unknown = settings_of(R"({"colour":1})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "args.colour: unknown key");
}

}  // namespace
}  // namespace kek::rtmp
