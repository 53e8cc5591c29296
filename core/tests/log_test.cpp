// The log writer: one line per event whatever the message holds, and JSON that parses.
#include "log/log_writer.h"

#include <json-glib/json-glib.h>

#include <gtest/gtest.h>

#include <string>

using namespace kek::core::log;

namespace {

std::string line_for(Format f, const std::string& message, GLogLevelFlags level = G_LOG_LEVEL_MESSAGE,
                     const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  std::vector<GLogField> fields = {{"GLIB_DOMAIN", "kek-rtmp", -1}, {"MESSAGE", message.data(), static_cast<gssize>(message.size())}};
  for (const auto& [k, v] : extra) fields.push_back({k.c_str(), v.c_str(), -1});
  return format_line(f, level, fields.data(), fields.size(), int64_t{1764597600} * 1000000 + 123456);
}

size_t newlines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

JsonObject* parse_object(JsonParser* parser, const std::string& line) {
  GError* error = nullptr;
  if (!json_parser_load_from_data(parser, line.c_str(), static_cast<gssize>(line.size()), &error)) {
    ADD_FAILURE() << "not JSON: " << line << ": " << error->message;
    g_error_free(error);
    return nullptr;
  }
  return json_node_get_object(json_parser_get_root(parser));
}

}  // namespace

TEST(LogWriter, EscapesWhatCouldForgeOrHideALine) {
  EXPECT_EQ(escape_text("plain text, ünïcode"), "plain text, ünïcode");
  EXPECT_EQ(escape_text("app\n2026-01-01T00:00:00.000Z message kek: forged"),
            "app\\n2026-01-01T00:00:00.000Z message kek: forged");
  EXPECT_EQ(escape_text("a\rb\tc\\d"), "a\\rb\\tc\\\\d");
  EXPECT_EQ(escape_text("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(escape_text(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(escape_text("del\x7f"), "del\\x7f");
  EXPECT_EQ(escape_text("bad \xff\xfe utf8 \xc3"), "bad \\xff\\xfe utf8 \\xc3");
  EXPECT_EQ(escape_text("c1 \xc2\x85 next line"), "c1 \\u0085 next line");
  EXPECT_EQ(escape_text("ls \xe2\x80\xa8 ps \xe2\x80\xa9"), "ls \\u2028 ps \\u2029");
  EXPECT_EQ(escape_text("bidi \xe2\x80\xae" "evil"), "bidi \\u202eevil");
}

TEST(LogWriter, TextIsOneLineWithTimeLevelAndDomain) {
  const std::string line = line_for(Format::text, "publish refused: unknown app 'live\nFORGED'");
  EXPECT_EQ(newlines(line), 1u);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line, "2025-12-01T14:00:00.123Z message kek-rtmp: publish refused: unknown app 'live\\nFORGED'\n");
  EXPECT_EQ(line_for(Format::text, "x", G_LOG_LEVEL_WARNING).substr(25, 8), "warning ");
}

TEST(LogWriter, JsonIsOneParsableObjectPerEvent) {
  const std::string hostile = std::string("user \"x\"\n\x1b[2J \xff end");
  const std::string line = line_for(Format::json, hostile, G_LOG_LEVEL_INFO,
                                    {{"KEK_METHOD", "GET"}, {"KEK_STATUS", "200"}, {"KEK_ROUTE", "/api/x/{id}"},
                                     {"KEK_DURATION_MS", "1.250"}, {"KEK_PATH", "/a\nb"}, {"CODE_FILE", "x.c"}});
  EXPECT_EQ(newlines(line), 1u);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject* o = parse_object(parser, line);
  ASSERT_NE(o, nullptr);
  EXPECT_STREQ(json_object_get_string_member(o, "level"), "info");
  EXPECT_STREQ(json_object_get_string_member(o, "domain"), "kek-rtmp");
  EXPECT_STREQ(json_object_get_string_member(o, "ts"), "2025-12-01T14:00:00.123Z");
  EXPECT_EQ(std::string(json_object_get_string_member(o, "msg")), "user \"x\"\n\x1b[2J \\xff end");
  EXPECT_STREQ(json_object_get_string_member(o, "method"), "GET");
  EXPECT_EQ(json_object_get_int_member(o, "status"), 200);
  EXPECT_DOUBLE_EQ(json_object_get_double_member(o, "duration_ms"), 1.25);
  EXPECT_STREQ(json_object_get_string_member(o, "route"), "/api/x/{id}");
  EXPECT_STREQ(json_object_get_string_member(o, "path"), "/a\nb");
  EXPECT_FALSE(json_object_has_member(o, "code_file")) << "only KEK_ fields are added";
}

TEST(LogWriter, FormatNamesAreChecked) {
  EXPECT_EQ(*parse_format("json"), Format::json);
  EXPECT_EQ(*parse_format("text"), Format::text);
  auto bad = parse_format("xml\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("xml\\n"), std::string::npos);
}

TEST(LogWriter, TimestampsAreUtcToTheMillisecond) {
  const GLogField fields[] = {{"GLIB_DOMAIN", "kek", -1}, {"MESSAGE", "m", -1}};
  auto stamp = [&](int64_t us) { return format_line(Format::text, G_LOG_LEVEL_INFO, fields, 2, us).substr(0, 24); };
  EXPECT_EQ(stamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(stamp(int64_t{951782400} * 1000000 + 999999), "2000-02-29T00:00:00.999Z");
  EXPECT_EQ(stamp(int64_t{4102444799} * 1000000), "2099-12-31T23:59:59.000Z");
  // Against GLib's calendar, over 300 years of seconds.
  uint64_t x = 88172645463325252u;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const int64_t us = static_cast<int64_t>(x % (int64_t{10000000000} * 1000000));
    g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(us / 1000000);
    g_autofree char* expected = g_date_time_format(when, "%Y-%m-%dT%H:%M:%S");
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(us / 1000 % 1000));
    ASSERT_EQ(stamp(us), std::string(expected) + ms) << us;
  }
}
