#include "amf0.h"

#include "alloc_probe.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace kek::rtmp::amf0 {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes encoded(const Value& v) {
  Bytes out;
  encode(v, out);
  return out;
}

Value decoded_one(const Bytes& bytes) {
  std::size_t offset = 0;
  auto v = decode_value(bytes, offset);
  EXPECT_TRUE(v.ok()) << v.error();
  EXPECT_EQ(offset, bytes.size());
  return v ? *v : Value();
}

// A strict array's count is only what the sender claims: a 1 MB message claiming a million
// elements whose first element is broken must not have sized a million Values first.
TEST(Amf0, StrictArrayCountSizesNothingBeforeTheValuesExist) {
  Bytes body = {0x0a, 0x00, 0x0f, 0x42, 0x40};  // strict array, 1,000,000 elements
  body.insert(body.end(), {0x0c, 0xff, 0xff, 0xff, 0xff});  // a long string of 4 GiB that never comes
  body.resize(body.size() + 1'000'000, 0x05);
  {
    kek::rtmp::testing::AllocProbe::Scope probe;
    auto decoded = decode_all(body);
    EXPECT_FALSE(decoded.ok());
    EXPECT_LT(kek::rtmp::testing::AllocProbe::largest.load(), 64u * 1024) << "bytes in one allocation";
  }
}

TEST(Amf0, EncodesScalarsExactly) {
  EXPECT_EQ(encoded(Value::number(1.0)), (Bytes{0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(encoded(Value::boolean(true)), (Bytes{0x01, 0x01}));
  EXPECT_EQ(encoded(Value::string("ab")), (Bytes{0x02, 0x00, 0x02, 'a', 'b'}));
  EXPECT_EQ(encoded(Value::null()), (Bytes{0x05}));
  EXPECT_EQ(encoded(Value::undefined()), (Bytes{0x06}));
  EXPECT_EQ(encoded(Value::object({{"a", Value::null()}})),
            (Bytes{0x03, 0x00, 0x01, 'a', 0x05, 0x00, 0x00, 0x09}));
  EXPECT_EQ(encoded(Value::ecma_array({{"a", Value::boolean(false)}})),
            (Bytes{0x08, 0, 0, 0, 1, 0x00, 0x01, 'a', 0x01, 0x00, 0x00, 0x00, 0x09}));
  EXPECT_EQ(encoded(Value::strict_array({Value::null(), Value::undefined()})),
            (Bytes{0x0a, 0, 0, 0, 2, 0x05, 0x06}));
}

TEST(Amf0, RoundTripsEveryType) {
  Value nested = Value::object({
      {"number", Value::number(-12.5)},
      {"nan", Value::number(std::numeric_limits<double>::quiet_NaN())},
      {"flag", Value::boolean(true)},
      {"text", Value::string("héllo")},
      {"nothing", Value::null()},
      {"unset", Value::undefined()},
      {"when", Value::date(1700000000000.0, -60)},
      {"meta", Value::ecma_array({{"width", Value::number(1920)}, {"height", Value::number(1080)}})},
      {"list", Value::strict_array({Value::number(1), Value::string("two"), Value::object()})},
      {"", Value::string("empty key")},
  });
  Values values{Value::string("connect"), Value::number(1), nested, Value::null()};
  Bytes bytes = encode_all(values);
  auto back = decode_all(bytes);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(*back, values);
  EXPECT_EQ(encode_all(*back), bytes);
}

TEST(Amf0, LongStringsUseTheLongStringMarker) {
  std::string big(70000, 'x');
  Bytes bytes = encoded(Value::string(big));
  ASSERT_EQ(bytes[0], 0x0c);
  EXPECT_EQ(bytes.size(), 1 + 4 + big.size());
  Value back = decoded_one(bytes);
  EXPECT_EQ(back.type(), Type::long_string);
  EXPECT_EQ(back.as_string(), big);
  EXPECT_TRUE(back.is_string());

  // A short long-string decodes and reads as a string.
  Value short_long = decoded_one(Bytes{0x0c, 0, 0, 0, 2, 'o', 'k'});
  EXPECT_EQ(short_long.as_string(), "ok");
}

TEST(Amf0, DecodesAnFfmpegConnectCommand) {
  Bytes bytes{0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't',  // "connect"
              0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,                   // 1.0
              0x03,                                                 // {
              0x00, 0x03, 'a', 'p', 'p', 0x02, 0x00, 0x04, 'l', 'i', 'v', 'e',
              0x00, 0x04, 't', 'y', 'p', 'e', 0x02, 0x00, 0x0a, 'n', 'o', 'n', 'p', 'r', 'i', 'v', 'a', 't', 'e',
              0x00, 0x00, 0x09};                                    // }
  auto values = decode_all(bytes);
  ASSERT_TRUE(values.ok()) << values.error();
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[0].as_string(), "connect");
  EXPECT_EQ((*values)[1].as_number(), 1.0);
  EXPECT_EQ((*values)[2].string_property("app"), "live");
  EXPECT_EQ((*values)[2].string_property("type"), "nonprivate");
  EXPECT_EQ((*values)[2].string_property("missing"), "");
  EXPECT_EQ((*values)[2].find("missing"), nullptr);
  EXPECT_EQ((*values)[2].to_string(), "{app: \"live\", type: \"nonprivate\"}");
}

TEST(Amf0, EveryTruncationIsAnErrorOrAPrefix) {
  Values values{Value::string("onMetaData"),
                Value::ecma_array({{"duration", Value::number(0)},
                                   {"encoder", Value::string("Lavf60")},
                                   {"tags", Value::strict_array({Value::boolean(true), Value::date(5)})}}),
                Value::number(3)};
  Bytes bytes = encode_all(values);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    std::span<const std::uint8_t> prefix(bytes.data(), cut);
    auto got = decode_all(prefix);
    if (got) {
      // Only a cut between two top-level values decodes, as those values.
      ASSERT_LT(got->size(), values.size()) << "cut " << cut;
      for (std::size_t i = 0; i < got->size(); ++i) EXPECT_EQ((*got)[i], values[i]);
      EXPECT_EQ(encode_all(*got).size(), cut);
    } else {
      EXPECT_NE(got.error().find("truncated AMF0"), std::string::npos) << got.error();
    }
  }
}

TEST(Amf0, TruncationMessageSaysWhatAndWhere) {
  auto got = decode_all(Bytes{0x02, 0x00, 0x09, 'a', 'b'});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error(), "truncated AMF0 string at offset 3: need 9 bytes, 2 left");
}

Bytes nested_objects(int depth) {
  Bytes bytes;
  for (int i = 0; i < depth; ++i) {
    bytes.push_back(0x03);
    if (i + 1 < depth) bytes.insert(bytes.end(), {0x00, 0x01, 'k'});
  }
  for (int i = 0; i < depth; ++i) bytes.insert(bytes.end(), {0x00, 0x00, 0x09});
  return bytes;
}

TEST(Amf0, NestingIsBounded) {
  DecodeLimits limits;
  limits.max_depth = 16;
  EXPECT_TRUE(decode_all(nested_objects(16), limits).ok());
  auto too_deep = decode_all(nested_objects(17), limits);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(too_deep.error().find("nesting deeper than 16"), std::string::npos) << too_deep.error();

  // Strict arrays count as nesting too, and a deep input must not recurse without bound.
  Bytes arrays;
  for (int i = 0; i < 100000; ++i) arrays.insert(arrays.end(), {0x0a, 0, 0, 0, 1});
  arrays.push_back(0x05);
  EXPECT_FALSE(decode_all(arrays).ok());
}

TEST(Amf0, UnsupportedMarkersAreNamed) {
  struct Case {
    std::uint8_t marker;
    const char* name;
  };
  for (const Case& c : {Case{0x07, "reference"}, Case{0x11, "AVM+"}, Case{0x10, "typed object"},
                        Case{0x0d, "unsupported"}, Case{0x04, "movie clip"}, Case{0x0f, "XML"},
                        Case{0x42, "unknown marker 0x42"}}) {
    auto got = decode_all(Bytes{0x05, c.marker, 0, 0, 0, 0});
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.error().find(c.name), std::string::npos) << got.error();
    EXPECT_NE(got.error().find("offset 1"), std::string::npos) << got.error();
  }
  auto stray_end = decode_all(Bytes{0x09});
  ASSERT_FALSE(stray_end.ok());
  EXPECT_NE(stray_end.error().find("object end marker outside an object"), std::string::npos);
}

TEST(Amf0, DateDecodes) {
  Value d = decoded_one(encoded(Value::date(86400000.0, 120)));
  EXPECT_EQ(d.type(), Type::date);
  EXPECT_EQ(d.as_number(), 86400000.0);
  EXPECT_EQ(d.timezone(), 120);
}

TEST(Amf0, StrictArrayCountCannotSizeAnAllocation) {
  auto got = decode_all(Bytes{0x0a, 0xff, 0xff, 0xff, 0xff, 0x05});
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().find("claims 4294967295 elements"), std::string::npos) << got.error();
}

TEST(Amf0, EcmaArrayCountIsOnlyAHint) {
  // ffmpeg and others have written counts that do not match; the end marker decides.
  Value v = decoded_one(Bytes{0x08, 0, 0, 0, 7, 0x00, 0x01, 'a', 0x05, 0x00, 0x00, 0x09});
  ASSERT_EQ(v.properties().size(), 1u);
  EXPECT_TRUE(v.find("a")->is_null());
}

TEST(Amf0, ValueCountIsBounded) {
  DecodeLimits limits;
  limits.max_values = 10;
  Bytes nulls(11, 0x05);
  auto got = decode_all(nulls, limits);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().find("more than 10 values"), std::string::npos);
  EXPECT_TRUE(decode_all(Bytes(10, 0x05), limits).ok());
}

TEST(Amf0, DecodeValueAdvancesTheOffset) {
  Bytes bytes = encode_all(Values{Value::number(2), Value::string("x")});
  std::size_t offset = 0;
  auto first = decode_value(bytes, offset);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(offset, 9u);
  auto second = decode_value(bytes, offset);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->as_string(), "x");
  EXPECT_EQ(offset, bytes.size());
  // At the end there is nothing to decode: an error, and the offset stays.
  EXPECT_FALSE(decode_value(bytes, offset).ok());
  EXPECT_EQ(offset, bytes.size());
}

TEST(Amf0, AccessorsAreNeutralOnTypeMismatch) {
  Value n = Value::number(3);
  EXPECT_EQ(n.as_string(), "");
  EXPECT_FALSE(n.as_boolean());
  EXPECT_TRUE(n.properties().empty());
  EXPECT_EQ(Value::string("3").as_number(), 0.0);
  EXPECT_EQ(Value::string("a\"b").to_string(), "\"a\\\"b\"");
}

}  // namespace
}  // namespace kek::rtmp::amf0
