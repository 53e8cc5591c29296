#include "chunk_reader.h"

#include <gtest/gtest.h>

#include <random>

#include "alloc_probe.h"
#include "chunk_writer.h"
#include "test_client.h"

namespace kek::rtmp {
namespace {

using testing::Bytes;

struct Received {
  std::uint32_t csid;
  std::uint8_t type;
  std::uint32_t timestamp;
  std::uint32_t stream_id;
  Bytes payload;
  friend bool operator==(const Received&, const Received&) = default;
};

std::ostream& operator<<(std::ostream& os, const Received& r) {
  return os << "{csid " << r.csid << " type " << int(r.type) << " ts " << r.timestamp << " msid "
            << r.stream_id << " " << r.payload.size() << " bytes}";
}

// Feeds `input` in pieces of the given size (0 = all at once) and collects the messages.
struct Collector {
  ChunkReader reader;
  std::vector<Received> messages;
  explicit Collector(ChunkReaderLimits limits = {}) : reader(limits) {}

  Status feed(std::span<const std::uint8_t> input, std::size_t piece = 0) {
    if (piece == 0) piece = input.size() ? input.size() : 1;
    for (std::size_t at = 0; at < input.size(); at += piece) {
      Status st = reader.feed(input.subspan(at, std::min(piece, input.size() - at)), [&](const Message& m) {
        messages.push_back({m.chunk_stream_id, m.type_id, m.timestamp, m.stream_id,
                            Bytes(m.payload.begin(), m.payload.end())});
        return true;
      });
      if (!st) return st;
    }
    return {};
  }
};

Bytes basic(unsigned fmt, std::uint32_t csid) {
  auto f = static_cast<std::uint8_t>(fmt << 6);
  if (csid < 64) return {static_cast<std::uint8_t>(f | csid)};
  if (csid < 320) return {f, static_cast<std::uint8_t>(csid - 64)};
  return {static_cast<std::uint8_t>(f | 1), static_cast<std::uint8_t>((csid - 64) & 0xff),
          static_cast<std::uint8_t>((csid - 64) >> 8)};
}
void u24(Bytes& b, std::uint32_t v) {
  b.insert(b.end(), {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
}
Bytes header0(std::uint32_t csid, std::uint32_t ts, std::uint32_t length, std::uint8_t type, std::uint32_t msid) {
  Bytes b = basic(0, csid);
  u24(b, ts >= 0xffffff ? 0xffffff : ts);
  u24(b, length);
  b.push_back(type);
  for (int s = 0; s < 32; s += 8) b.push_back(static_cast<std::uint8_t>(msid >> s));
  if (ts >= 0xffffff) testing::append(b, testing::u32_bytes(ts));
  return b;
}
Bytes header1(std::uint32_t csid, std::uint32_t delta, std::uint32_t length, std::uint8_t type) {
  Bytes b = basic(1, csid);
  u24(b, delta);
  u24(b, length);
  b.push_back(type);
  return b;
}
Bytes header2(std::uint32_t csid, std::uint32_t delta) {
  Bytes b = basic(2, csid);
  u24(b, delta >= 0xffffff ? 0xffffff : delta);
  if (delta >= 0xffffff) testing::append(b, testing::u32_bytes(delta));
  return b;
}
Bytes payload_of(std::size_t size, std::uint8_t seed) {
  Bytes p(size);
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<std::uint8_t>(seed + i * 13);
  return p;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) testing::append(out, p);
  return out;
}
Bytes set_chunk_size(std::uint32_t size) {
  return cat({header0(2, 0, 4, message_type::set_chunk_size, 0), testing::u32_bytes(size)});
}

// A header may declare up to max_message_length; memory follows the bytes that arrived. Here 8 MiB
// are declared on each of 8 chunk streams and 100 bytes sent on each: nothing near 8 MiB is held.
TEST(ChunkReader, DeclaredLengthsReserveNothingUpFront) {
  Bytes input = set_chunk_size(65536);
  for (std::uint32_t csid = 3; csid < 11; ++csid)
    testing::append(input, cat({header0(csid, 0, 8 * 1024 * 1024, message_type::video, 1), payload_of(100, 1)}));
  Collector c;
  c.messages.reserve(4);
  {
    testing::AllocProbe::Scope probe;
    ASSERT_TRUE(c.feed(input).ok());
    EXPECT_LT(testing::AllocProbe::largest.load(), 64u * 1024) << "bytes in one allocation";
  }
  EXPECT_TRUE(c.messages.empty());
  // The messages still complete when the rest arrives.
  Bytes rest;
  testing::append(rest, payload_of(65536 - 100, 2));
  EXPECT_TRUE(c.feed(cat({rest})).ok());
}

// A keyframe-sized message does not stay pinned until the next one: once delivered its buffer
// goes; an inter frame's is kept for the next message.
TEST(ChunkReader, AKeyframeSizedBufferIsNotKept) {
  Bytes input = set_chunk_size(4096);
  const Bytes keyframe = payload_of(200 * 1024, 5), frame = payload_of(12 * 1024, 6);
  ChunkWriter writer(4096);
  writer.write(Message{6, message_type::video, 0, 1, keyframe}, input);
  Collector c;
  ASSERT_TRUE(c.feed(input).ok());
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_EQ(c.messages[0].payload, keyframe);
  EXPECT_LE(c.reader.kept_bytes(), 64u * 1024);
  Bytes next;
  writer.write(Message{6, message_type::video, 33, 1, frame}, next);
  ASSERT_TRUE(c.feed(next).ok());
  ASSERT_EQ(c.messages.size(), 2u);
  EXPECT_EQ(c.messages[1].payload, frame);
  EXPECT_GE(c.reader.kept_bytes(), frame.size());
  EXPECT_LE(c.reader.kept_bytes(), 64u * 1024);
}

TEST(ChunkReader, ReadsOneSmallMessage) {
  Bytes input = cat({header0(3, 1000, 3, message_type::command_amf0, 0), {1, 2, 3}});
  Collector c;
  ASSERT_TRUE(c.feed(input).ok());
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_EQ(c.messages[0], (Received{3, 20, 1000, 0, {1, 2, 3}}));
  EXPECT_EQ(c.reader.bytes_received(), input.size());
}

class ChunkRoundTrip : public ::testing::TestWithParam<std::tuple<std::uint32_t, std::size_t>> {};

// What our writer produces the reader reads back, whole or split into pieces of any size,
// including one byte at a time.
TEST_P(ChunkRoundTrip, WriterOutputReadsBack) {
  const auto [chunk_size, piece] = GetParam();
  ChunkWriter writer(128);
  Bytes input;
  std::vector<Received> expected;
  auto add = [&](std::uint32_t csid, std::uint8_t type, std::uint32_t ts, std::uint32_t msid, Bytes payload) {
    writer.write(Message{csid, type, ts, msid, payload}, input);
    expected.push_back({csid, type, ts, msid, std::move(payload)});
  };
  // Announce the chunk size the way a client does, then use it.
  testing::append(input, set_chunk_size(chunk_size));
  writer.set_chunk_size(chunk_size);
  add(3, message_type::command_amf0, 0, 0, payload_of(200, 1));
  add(6, message_type::video, 40, 1, payload_of(10000, 2));
  add(4, message_type::audio, 23, 1, payload_of(1, 3));
  add(6, message_type::video, 80, 1, payload_of(4096, 4));
  add(6, message_type::video, 81, 1, payload_of(4097, 5));
  add(100, message_type::data_amf0, 90, 1, payload_of(129, 6));   // 2-byte basic header
  add(1000, message_type::data_amf0, 91, 1, payload_of(300, 7));  // 3-byte basic header
  add(65599, message_type::audio, 0x01020304, 7, payload_of(5000, 8));  // extended timestamp
  add(5, message_type::audio, 0, 1, {});                              // empty message

  Collector c;
  Status st = c.feed(input, piece);
  ASSERT_TRUE(st.ok()) << st.error();
  EXPECT_EQ(c.messages, expected);
  EXPECT_EQ(c.reader.chunk_size(), chunk_size);
  EXPECT_EQ(c.reader.bytes_received(), input.size());
}

INSTANTIATE_TEST_SUITE_P(SizesAndSplits, ChunkRoundTrip,
                         ::testing::Combine(::testing::Values(128u, 4096u, 1u, 65536u),
                                            ::testing::Values(std::size_t{0}, std::size_t{1}, std::size_t{7},
                                                              std::size_t{1500})));

TEST(ChunkReader, BasicHeaderForms) {
  EXPECT_EQ(basic(0, 63), Bytes{0x3f});
  EXPECT_EQ(basic(0, 64), (Bytes{0x00, 0x00}));
  EXPECT_EQ(basic(0, 319), (Bytes{0x00, 0xff}));
  EXPECT_EQ(basic(0, 320), (Bytes{0x01, 0x00, 0x01}));
  EXPECT_EQ(basic(0, 65599), (Bytes{0x01, 0xff, 0xff}));
  for (std::uint32_t csid : {2u, 63u, 64u, 319u, 320u, 65599u}) {
    Collector c;
    ASSERT_TRUE(c.feed(cat({header0(csid, 5, 2, message_type::audio, 1), {9, 9}})).ok());
    ASSERT_EQ(c.messages.size(), 1u);
    EXPECT_EQ(c.messages[0].csid, csid);
    // The writer picks the same forms.
    Bytes written;
    const Bytes payload{9, 9};
    ChunkWriter().write(Message{csid, message_type::audio, 5, 1, payload}, written);
    EXPECT_EQ(written, cat({header0(csid, 5, 2, message_type::audio, 1), {9, 9}})) << csid;
  }
}

TEST(ChunkReader, HeaderTypesCarryDeltas) {
  // 1000 (type 0), +33 with new length and type (type 1), +40 (type 2), +40 again (type 3
  // starting a message repeats the last delta).
  Bytes input = cat({header0(4, 1000, 3, message_type::video, 1), {1, 2, 3},
                     header1(4, 33, 4, message_type::audio), {4, 5, 6, 7},
                     header2(4, 40), {8, 9, 10, 11},
                     basic(3, 4), {12, 13, 14, 15}});
  for (std::size_t piece : {std::size_t{0}, std::size_t{1}}) {
    Collector c;
    ASSERT_TRUE(c.feed(input, piece).ok());
    ASSERT_EQ(c.messages.size(), 4u);
    EXPECT_EQ(c.messages[0], (Received{4, 9, 1000, 1, {1, 2, 3}}));
    EXPECT_EQ(c.messages[1], (Received{4, 8, 1033, 1, {4, 5, 6, 7}}));
    EXPECT_EQ(c.messages[2], (Received{4, 8, 1073, 1, {8, 9, 10, 11}}));
    EXPECT_EQ(c.messages[3], (Received{4, 8, 1113, 1, {12, 13, 14, 15}}));
  }
}

TEST(ChunkReader, TypeThreeAfterTypeZeroReusesTheFieldAsDelta) {
  // What ffmpeg and GStreamer's writers mean by it.
  Bytes input = cat({header0(4, 20, 1, message_type::audio, 1), {1}, basic(3, 4), {2}});
  Collector c;
  ASSERT_TRUE(c.feed(input).ok());
  ASSERT_EQ(c.messages.size(), 2u);
  EXPECT_EQ(c.messages[1].timestamp, 40u);
}

TEST(ChunkReader, InterleavedChunkStreams) {
  // Audio on chunk stream 4 and video on 6, chunk size 128, their chunks alternating.
  Bytes audio = payload_of(300, 1), video = payload_of(260, 2);
  auto part = [](const Bytes& b, std::size_t from, std::size_t n) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from), b.begin() + static_cast<std::ptrdiff_t>(from + n));
  };
  Bytes input = cat({header0(4, 10, 300, message_type::audio, 1), part(audio, 0, 128),
                     header0(6, 20, 260, message_type::video, 1), part(video, 0, 128),
                     basic(3, 4), part(audio, 128, 128),
                     basic(3, 6), part(video, 128, 128),
                     basic(3, 6), part(video, 256, 4),
                     basic(3, 4), part(audio, 256, 44)});
  for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{100}}) {
    Collector c;
    Status st = c.feed(input, piece);
    ASSERT_TRUE(st.ok()) << st.error();
    ASSERT_EQ(c.messages.size(), 2u);
    EXPECT_EQ(c.messages[0], (Received{6, 9, 20, 1, video}));  // completes first
    EXPECT_EQ(c.messages[1], (Received{4, 8, 10, 1, audio}));
    EXPECT_EQ(c.reader.chunk_stream_count(), 2u);
  }
}

TEST(ChunkReader, ExtendedTimestampOnContinuationsAndFollowingMessages) {
  const std::uint32_t ts = 0x12345678;
  Bytes payload = payload_of(200, 3);
  Bytes fixed = cat({header0(5, ts, 200, message_type::video, 1), Bytes(payload.begin(), payload.begin() + 128),
                     basic(3, 5), testing::u32_bytes(ts), Bytes(payload.begin() + 128, payload.end()),
                     header2(5, 0x01000000), Bytes(payload.begin(), payload.begin() + 128),
                     basic(3, 5), testing::u32_bytes(0x01000000), Bytes(payload.begin() + 128, payload.end()),
                     // A type 3 header starting a message: delta and extended field repeat.
                     basic(3, 5), testing::u32_bytes(0x01000000), Bytes(payload.begin(), payload.begin() + 128),
                     basic(3, 5), testing::u32_bytes(0x01000000), Bytes(payload.begin() + 128, payload.end())});
  for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
    Collector c;
    Status st = c.feed(fixed, piece);
    ASSERT_TRUE(st.ok()) << st.error();
    ASSERT_EQ(c.messages.size(), 3u);
    EXPECT_EQ(c.messages[0], (Received{5, 9, ts, 1, payload}));
    EXPECT_EQ(c.messages[1], (Received{5, 9, ts + 0x01000000, 1, payload}));
    EXPECT_EQ(c.messages[2], (Received{5, 9, ts + 0x02000000, 1, payload}));
  }
}

TEST(ChunkReader, ContinuationWithoutRepeatedExtendedTimestamp) {
  // Some encoders leave the extended timestamp out of type 3 continuations. The four bytes
  // after the header do not match it, so they are payload.
  const std::uint32_t ts = 0x01000010;
  Bytes payload = payload_of(200, 9);
  Bytes input = cat({header0(5, ts, 200, message_type::video, 1), Bytes(payload.begin(), payload.begin() + 128),
                     basic(3, 5), Bytes(payload.begin() + 128, payload.end()),
                     header0(5, 7, 2, message_type::audio, 1), {1, 2}});
  for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{130}}) {
    Collector c;
    Status st = c.feed(input, piece);
    ASSERT_TRUE(st.ok()) << st.error() << " piece " << piece;
    ASSERT_EQ(c.messages.size(), 2u) << "piece " << piece;
    EXPECT_EQ(c.messages[0], (Received{5, 9, ts, 1, payload}));
    EXPECT_EQ(c.messages[1], (Received{5, 8, 7, 1, {1, 2}}));
  }
}

TEST(ChunkReader, MissingExtendedTimestampAtTheEndOfAShortChunk) {
  // The continuation holds 2 payload bytes and the extended timestamp is left out: the 4 bytes
  // peeked for it are 2 bytes of payload and the start of the next header.
  const std::uint32_t ts = 0x01000000;
  Bytes payload = payload_of(130, 4);
  Bytes input = cat({header0(5, ts, 130, message_type::video, 1), Bytes(payload.begin(), payload.begin() + 128),
                     basic(3, 5), Bytes(payload.begin() + 128, payload.end()),
                     header0(6, 1, 1, message_type::audio, 1), {42}});
  for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{129}, std::size_t{131}}) {
    Collector c;
    Status st = c.feed(input, piece);
    ASSERT_TRUE(st.ok()) << st.error();
    ASSERT_EQ(c.messages.size(), 2u) << "piece " << piece;
    EXPECT_EQ(c.messages[0], (Received{5, 9, ts, 1, payload}));
    EXPECT_EQ(c.messages[1], (Received{6, 8, 1, 1, {42}}));
  }
}

TEST(ChunkReader, TimestampsWrapAround) {
  Bytes input = cat({header0(4, 0xfffffff0, 1, message_type::audio, 1), {1}, header2(4, 0x20), {2}});
  Collector c;
  ASSERT_TRUE(c.feed(input).ok());
  ASSERT_EQ(c.messages.size(), 2u);
  EXPECT_EQ(c.messages[1].timestamp, 0x10u);
}

TEST(ChunkReader, UnknownChunkStreamIsAnError) {
  for (const Bytes& input : {cat({header1(7, 0, 1, message_type::audio), {1}}),
                             cat({header2(7, 0), {1}}), basic(3, 7)}) {
    Collector c;
    Status st = c.feed(input);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().find("chunk header refers to unknown chunk stream 7"), std::string::npos) << st.error();
  }
  // Byte by byte, the type 3 case fails as soon as its one-byte header is in.
  Collector c;
  EXPECT_FALSE(c.feed(basic(3, 9), 1).ok());
}

TEST(ChunkReader, OversizedMessageIsAnError) {
  ChunkReaderLimits limits;
  limits.max_message_length = 1000;
  Collector c(limits);
  Status st = c.feed(header0(4, 0, 1001, message_type::video, 1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error(), "message of 1001 bytes on chunk stream 4 exceeds the limit of 1000 bytes");

  // A type 1 header can grow the length of a known stream; it is checked the same way.
  Collector grown(limits);
  ASSERT_TRUE(grown.feed(cat({header0(4, 0, 1, message_type::video, 1), {0}})).ok());
  EXPECT_FALSE(grown.feed(header1(4, 0, 1001, message_type::video)).ok());
}

TEST(ChunkReader, SetChunkSizeIsCheckedAndApplied) {
  ChunkReaderLimits limits;
  limits.max_chunk_size = 1 << 20;
  struct Case {
    std::uint32_t size;
    bool ok;
  };
  for (Case c : {Case{1, true}, Case{4096, true}, Case{1 << 20, true}, Case{(1 << 20) + 1, false},
                 Case{0, false}, Case{0x80000000, false}}) {
    Collector collector(limits);
    Status st = collector.feed(set_chunk_size(c.size));
    EXPECT_EQ(st.ok(), c.ok) << c.size;
    if (c.ok) {
      EXPECT_EQ(collector.reader.chunk_size(), c.size);
    }
    EXPECT_TRUE(collector.messages.empty());  // applied, not passed on
  }
  Collector short_message;
  Status st = short_message.feed(cat({header0(2, 0, 2, message_type::set_chunk_size, 0), {0, 1}}));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("Set Chunk Size message of 2 bytes"), std::string::npos);
}

TEST(ChunkReader, TooManyChunkStreams) {
  ChunkReaderLimits limits;
  limits.max_chunk_streams = 3;
  Collector c(limits);
  Bytes input;
  for (std::uint32_t csid = 3; csid < 7; ++csid) testing::append(input, cat({header0(csid, 0, 1, 8, 1), {0}}));
  Status st = c.feed(input);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("more than 3 chunk streams"), std::string::npos) << st.error();
  EXPECT_EQ(c.messages.size(), 3u);
}

TEST(ChunkReader, BufferedBytesAreBounded) {
  ChunkReaderLimits limits;
  limits.max_buffered_bytes = 1000;
  Collector c(limits);
  Status st = c.feed(cat({header0(4, 0, 600, 9, 1), payload_of(128, 0), header0(5, 0, 600, 9, 1)}));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("would exceed 1000 bytes"), std::string::npos) << st.error();
}

TEST(ChunkReader, AbortDropsThePartialMessage) {
  Bytes input = cat({header0(4, 0, 300, message_type::video, 1), payload_of(128, 1),
                     header0(2, 0, 4, message_type::abort, 0), testing::u32_bytes(4),
                     header0(4, 50, 2, message_type::video, 1), {7, 8}});
  Collector c;
  Status st = c.feed(input);
  ASSERT_TRUE(st.ok()) << st.error();
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_EQ(c.messages[0], (Received{4, 9, 50, 1, {7, 8}}));
}

TEST(ChunkReader, NewHeaderInTheMiddleOfAMessageIsAnError) {
  Collector c;
  Status st = c.feed(cat({header0(4, 0, 300, message_type::video, 1), payload_of(128, 1),
                          header0(4, 0, 10, message_type::video, 1)}));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("while a message of 300 bytes is incomplete (128 received)"), std::string::npos)
      << st.error();
}

TEST(ChunkReader, HandlerCanStopParsing) {
  Bytes input = cat({header0(4, 0, 1, 8, 1), {1}, header0(4, 0, 1, 8, 1), {2}});
  ChunkReader reader;
  int seen = 0;
  Status st = reader.feed(input, [&](const Message&) {
    ++seen;
    return false;
  });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(seen, 1);
  EXPECT_FALSE(reader.feed(input, [](const Message&) { return true; }).ok());
}

TEST(ChunkReader, RandomSplitsMatchWholeFeeding) {
  ChunkWriter writer(128);
  Bytes input = set_chunk_size(300);
  writer.set_chunk_size(300);
  std::mt19937 rng(1234);
  for (int i = 0; i < 200; ++i) {
    Bytes payload = payload_of(rng() % 2000, static_cast<std::uint8_t>(i));
    writer.write(Message{static_cast<std::uint32_t>(3 + rng() % 5), static_cast<std::uint8_t>(8 + rng() % 2),
                         static_cast<std::uint32_t>(i * 1000000), 1, payload},
                 input);
  }
  Collector whole;
  ASSERT_TRUE(whole.feed(input).ok());
  ASSERT_EQ(whole.messages.size(), 200u);
  Collector split;
  std::size_t at = 0;
  while (at < input.size()) {
    std::size_t n = std::min<std::size_t>(1 + rng() % 50, input.size() - at);
    ASSERT_TRUE(split.feed(std::span<const std::uint8_t>(input).subspan(at, n)).ok());
    at += n;
  }
  EXPECT_EQ(split.messages, whole.messages);
}

}  // namespace
}  // namespace kek::rtmp
