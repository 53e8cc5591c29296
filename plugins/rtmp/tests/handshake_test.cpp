#include "handshake.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_client.h"

namespace kek::rtmp {
namespace {

using testing::Bytes;
constexpr std::size_t kPacket = ServerHandshake::kPacketSize;

TEST(Handshake, AnswersC0C1WithS0S1S2EchoingC1) {
  ServerHandshake hs(42, 1234);
  Bytes out;
  Bytes hello = testing::c0c1();
  auto used = hs.feed(hello, out);
  ASSERT_TRUE(used.ok()) << used.error();
  EXPECT_EQ(*used, hello.size());
  EXPECT_EQ(hs.stage(), ServerHandshake::Stage::waiting_for_c2);

  ASSERT_EQ(out.size(), 1 + 2 * kPacket);
  EXPECT_EQ(out[0], 3);
  // S1: our time, then zeros where a digest-capable server would put its version: that zero
  // is what tells ffmpeg and librtmp (OBS) to skip digest verification.
  EXPECT_EQ(out[1], 0);
  EXPECT_EQ(out[3], 0x04);
  EXPECT_EQ(out[4], 0xd2);
  EXPECT_TRUE(std::all_of(out.begin() + 5, out.begin() + 9, [](std::uint8_t b) { return b == 0; }));
  // S2 is C1, byte for byte (rtmp2sink checks the random part).
  EXPECT_TRUE(std::equal(out.begin() + 1 + kPacket, out.end(), hello.begin() + 1));

  Bytes finish = testing::c2();
  used = hs.feed(finish, out);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, kPacket);
  EXPECT_TRUE(hs.done());
  EXPECT_EQ(out.size(), 1 + 2 * kPacket);  // nothing more to say
}

TEST(Handshake, ByteByByteGivesTheSameAnswer) {
  Bytes input = testing::c0c1();
  testing::append(input, testing::c2());

  ServerHandshake whole(7);
  Bytes expected;
  ASSERT_TRUE(whole.feed(input, expected).ok());
  ASSERT_TRUE(whole.done());

  ServerHandshake split(7);
  Bytes out;
  for (std::size_t i = 0; i < input.size(); ++i) {
    auto used = split.feed(std::span<const std::uint8_t>(&input[i], 1), out);
    ASSERT_TRUE(used.ok());
    ASSERT_EQ(*used, 1u);
    // S0+S1+S2 go out as soon as C1 is complete, not before.
    EXPECT_EQ(out.empty(), i < kPacket) << "after byte " << i;
  }
  EXPECT_TRUE(split.done());
  EXPECT_EQ(out, expected);
}

TEST(Handshake, LeavesBytesAfterC2ForTheChunkReader) {
  Bytes input = testing::c0c1();
  testing::append(input, testing::c2());
  input.insert(input.end(), {0x02, 0x00, 0x00});
  ServerHandshake hs(1);
  Bytes out;
  auto used = hs.feed(input, out);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, input.size() - 3);
  EXPECT_TRUE(hs.done());
  // Once done, it takes nothing more.
  used = hs.feed(input, out);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, 0u);
}

TEST(Handshake, RefusesAWrongVersion) {
  for (std::uint8_t c0 : {std::uint8_t{0}, std::uint8_t{6}, std::uint8_t{'G'}, std::uint8_t{0x16}}) {
    ServerHandshake hs(1);
    Bytes out;
    auto used = hs.feed(testing::c0c1(c0), out);
    ASSERT_FALSE(used.ok());
    EXPECT_NE(used.error().find("unsupported version byte " + std::to_string(c0)), std::string::npos)
        << used.error();
    EXPECT_EQ(hs.stage(), ServerHandshake::Stage::failed);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(hs.feed(testing::c2(), out).ok());
  }
  ServerHandshake http(1);
  Bytes out;
  const Bytes get{'G', 'E', 'T', ' ', '/'};
  auto used = http.feed(get, out);
  ASSERT_FALSE(used.ok());
  EXPECT_NE(used.error().find("looks like HTTP"), std::string::npos);
}

TEST(Handshake, S1FillerDependsOnTheSeed) {
  auto s1 = [](std::uint64_t seed) {
    ServerHandshake hs(seed);
    Bytes out;
    EXPECT_TRUE(hs.feed(testing::c0c1(), out).ok());
    return Bytes(out.begin() + 9, out.begin() + 1 + kPacket);
  };
  EXPECT_EQ(s1(5), s1(5));
  EXPECT_NE(s1(5), s1(6));
}

}  // namespace
}  // namespace kek::rtmp
