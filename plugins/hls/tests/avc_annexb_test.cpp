// AvcToAnnexB with hand-made avcC records and access units: start codes for length prefixes of
// every size H.264 allows, the avcC's parameter sets in front of an IDR (after its AUD) and
// nowhere else, none added when the unit brings its own, broken input refused. The converter
// gives pieces to gather; the tests join them (and check measure() says the same size).
#include "avc_annexb.h"

#include <gtest/gtest.h>

#include <vector>

using kek::hls::AvcToAnnexB;
using Bytes = std::vector<uint8_t>;

namespace {

const Bytes kSps = {0x67, 0x42, 0xc0, 0x1e, 0xda};
const Bytes kPps = {0x68, 0xce, 0x3c, 0x80};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00};
const Bytes kSlice = {0x41, 0x9a, 0x02};
const Bytes kAud = {0x09, 0xf0};

Bytes avcc(int length_size) {
  Bytes b = {1, 0x42, 0xc0, 0x1e, static_cast<uint8_t>(0xfc | (length_size - 1)), 0xe1};
  b.push_back(0), b.push_back(static_cast<uint8_t>(kSps.size()));
  b.insert(b.end(), kSps.begin(), kSps.end());
  b.push_back(1);
  b.push_back(0), b.push_back(static_cast<uint8_t>(kPps.size()));
  b.insert(b.end(), kPps.begin(), kPps.end());
  return b;
}

Bytes avc(int length_size, const std::vector<Bytes>& nals) {
  Bytes b;
  for (const auto& n : nals) {
    for (int i = length_size - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(n.size() >> (8 * i)));
    b.insert(b.end(), n.begin(), n.end());
  }
  return b;
}

Bytes annexb(const std::vector<Bytes>& nals) {
  Bytes b;
  for (const auto& n : nals) {
    b.insert(b.end(), {0, 0, 0, 1});
    b.insert(b.end(), n.begin(), n.end());
  }
  return b;
}

// The unit's Annex B, its pieces joined, appended to `out`.
bool convert(const AvcToAnnexB& c, const Bytes& au, Bytes& out) {
  AvcToAnnexB::Pieces pieces = {std::span<const uint8_t>()};  // something there before: kept
  if (!c.pieces(au, pieces)) {
    EXPECT_EQ(pieces.size(), 1u) << "left as it was";
    EXPECT_FALSE(c.measure(au).has_value());
    return false;
  }
  size_t size = 0;
  for (const auto& p : pieces) {
    out.insert(out.end(), p.begin(), p.end());
    size += p.size();
  }
  const auto measured = c.measure(au);
  EXPECT_EQ(measured.value_or(0), size);
  return true;
}

}  // namespace

TEST(AvcToAnnexB, EveryLengthSizeBecomesStartCodes) {
  for (int size : {1, 2, 4}) {
    AvcToAnnexB c;
    ASSERT_TRUE(c.configure(avcc(size))) << size;
    Bytes out;
    ASSERT_TRUE(convert(c, avc(size, {kSlice, kSlice}), out)) << size;
    EXPECT_EQ(out, annexb({kSlice, kSlice})) << size;
  }
}

TEST(AvcToAnnexB, AnIdrGetsTheParameterSetsInFrontAfterItsDelimiter) {
  AvcToAnnexB c;
  ASSERT_TRUE(c.configure(avcc(4)));
  Bytes out;
  ASSERT_TRUE(convert(c, avc(4, {kIdr}), out));
  EXPECT_EQ(out, annexb({kSps, kPps, kIdr}));
  out.clear();
  ASSERT_TRUE(convert(c, avc(4, {kAud, kIdr}), out));
  EXPECT_EQ(out, annexb({kAud, kSps, kPps, kIdr}));
  // Not in front of other frames; appended to what `out` held.
  Bytes more = {0xaa};
  ASSERT_TRUE(convert(c, avc(4, {kSlice}), more));
  EXPECT_EQ(more, Bytes({0xaa, 0, 0, 0, 1, 0x41, 0x9a, 0x02}));
}

TEST(AvcToAnnexB, AnIdrWithItsOwnSpsGetsNoSecondCopy) {
  AvcToAnnexB c;
  ASSERT_TRUE(c.configure(avcc(4)));
  const Bytes own_sps = {0x67, 0x64, 0x00, 0x1f};
  Bytes out;
  ASSERT_TRUE(convert(c, avc(4, {own_sps, kPps, kIdr}), out));
  EXPECT_EQ(out, annexb({own_sps, kPps, kIdr}));
}

TEST(AvcToAnnexB, BrokenInputIsRefused) {
  AvcToAnnexB c;
  Bytes out;
  EXPECT_FALSE(convert(c, avc(4, {kSlice}), out)) << "not configured";
  EXPECT_FALSE(c.configure(Bytes{1, 0x42, 0xc0}));
  EXPECT_FALSE(c.configured());
  Bytes truncated = avcc(4);
  truncated.pop_back();
  EXPECT_FALSE(c.configure(truncated));
  Bytes three = avcc(4);
  three[4] = 0xfe;  // lengthSizeMinusOne 2: not allowed
  EXPECT_FALSE(c.configure(three));
  ASSERT_TRUE(c.configure(avcc(4)));
  Bytes unit = avc(4, {kSlice});
  unit[3] = 9;  // longer than what follows
  out = {0x11};
  EXPECT_FALSE(convert(c, unit, out));
  EXPECT_EQ(out, Bytes({0x11})) << "left as it was";
  EXPECT_FALSE(convert(c, Bytes{0, 0, 1}, out)) << "a prefix cut short";
}

TEST(AvcToAnnexB, ThePiecesPointIntoTheUnitNotAtACopy) {
  AvcToAnnexB c;
  ASSERT_TRUE(c.configure(avcc(4)));
  const Bytes unit = avc(4, {kSlice, kSlice});
  AvcToAnnexB::Pieces pieces;
  ASSERT_TRUE(c.pieces(unit, pieces));
  ASSERT_EQ(pieces.size(), 4u);  // start code, slice, start code, slice
  EXPECT_EQ(pieces[1].data(), unit.data() + 4);
  EXPECT_EQ(pieces[3].data(), unit.data() + 4 + kSlice.size() + 4);
}

TEST(AvcToAnnexB, TheSpsIsTheUnitsOwnOrTheAvccsForAnIdr) {
  AvcToAnnexB c;
  EXPECT_TRUE(c.sps(avc(4, {kIdr})).empty()) << "not configured";
  ASSERT_TRUE(c.configure(avcc(4)));
  auto bytes = [](std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); };
  EXPECT_EQ(bytes(c.sps(avc(4, {kAud, kIdr}))), kSps);
  const Bytes own_sps = {0x67, 0x64, 0x00, 0x1f};
  EXPECT_EQ(bytes(c.sps(avc(4, {own_sps, kPps, kIdr}))), own_sps);
  EXPECT_TRUE(c.sps(avc(4, {kSlice})).empty());
  Bytes broken = avc(4, {kIdr});
  broken[3] = 50;
  EXPECT_TRUE(c.sps(broken).empty());
  // An avcC whose "SPS" is no SPS (NAL type 0, from a broken publisher; found by the fuzzer):
  // nothing to name for an IDR.
  Bytes odd = avcc(4);
  odd[8] = 0x00;  // the first SPS's NAL header
  AvcToAnnexB other;
  ASSERT_TRUE(other.configure(odd));
  EXPECT_TRUE(other.sps(avc(4, {kIdr})).empty());
}
