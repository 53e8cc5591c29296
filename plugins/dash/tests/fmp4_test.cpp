// The box writer: box trees with consistent sizes, the sample entries players parse, and a
// fragment whose trun points exactly at the mdat payload.
#include "fmp4.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

using namespace kek::dash;

namespace {

uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

struct Box {
  std::string type;
  size_t start = 0, size = 0;  // start of the header
};

// Boxes directly inside [from, to); fails the test on a size that runs past the parent.
std::vector<Box> children(const std::vector<uint8_t>& b, size_t from, size_t to) {
  std::vector<Box> out;
  size_t at = from;
  while (at + 8 <= to) {
    Box box{std::string(b.begin() + at + 4, b.begin() + at + 8), at, be32(b, at)};
    EXPECT_GE(box.size, 8u) << box.type;
    EXPECT_LE(at + box.size, to) << box.type;
    if (box.size < 8 || at + box.size > to) break;
    out.push_back(box);
    at += box.size;
  }
  EXPECT_EQ(at, to);
  return out;
}

const Box* find(const std::vector<Box>& boxes, const std::string& type) {
  for (const auto& b : boxes)
    if (b.type == type) return &b;
  return nullptr;
}

// Follows a path like "moov/trak/mdia"; returns the last box.
Box path(const std::vector<uint8_t>& b, const std::vector<std::string>& names, size_t skip_first_payload = 0) {
  Box cur{"", 0, b.size()};
  size_t from = 0, to = b.size();
  for (size_t i = 0; i < names.size(); ++i) {
    auto kids = children(b, from, to);
    const Box* next = find(kids, names[i]);
    EXPECT_NE(next, nullptr) << names[i];
    if (!next) return {};
    cur = *next;
    from = cur.start + 8;
    to = cur.start + cur.size;
    (void)skip_first_payload;
  }
  return cur;
}

const std::vector<uint8_t> kAvcc = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f,
                                    0x01, 0x00, 0x02, 0x68, 0xee};
const std::vector<uint8_t> kAsc = {0x12, 0x10};  // AAC-LC, 44.1 kHz, stereo

}  // namespace

TEST(Fmp4, VideoInitSegmentHasTheBoxesPlayersNeed) {
  auto init = video_init_segment({320, 180, kAvcc});
  auto top = children(init, 0, init.size());
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].type, "ftyp");
  EXPECT_EQ(top[1].type, "moov");
  EXPECT_EQ(std::string(init.begin() + 8, init.begin() + 12), "iso6");

  Box mdhd = path(init, {"moov", "trak", "mdia", "mdhd"});
  EXPECT_EQ(be32(init, mdhd.start + 20), 90000u) << "timescale";
  Box hdlr = path(init, {"moov", "trak", "mdia", "hdlr"});
  EXPECT_EQ(std::string(init.begin() + hdlr.start + 16, init.begin() + hdlr.start + 20), "vide");
  Box tkhd = path(init, {"moov", "trak", "tkhd"});
  EXPECT_EQ(be32(init, tkhd.start + tkhd.size - 8), 320u << 16);
  EXPECT_EQ(be32(init, tkhd.start + tkhd.size - 4), 180u << 16);
  Box trex = path(init, {"moov", "mvex", "trex"});
  EXPECT_EQ(be32(init, trex.start + 12), kTrackId);

  Box stsd = path(init, {"moov", "trak", "mdia", "minf", "stbl", "stsd"});
  auto entries = children(init, stsd.start + 16, stsd.start + stsd.size);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].type, "avc1");
  // avc1: 78 bytes of VisualSampleEntry fields, then avcC holding the codec_data verbatim.
  const size_t avc1_body = entries[0].start + 8;
  EXPECT_EQ(init[avc1_body + 24] << 8 | init[avc1_body + 25], 320);
  EXPECT_EQ(init[avc1_body + 26] << 8 | init[avc1_body + 27], 180);
  auto inner = children(init, avc1_body + 78, entries[0].start + entries[0].size);
  ASSERT_EQ(inner.size(), 1u);
  EXPECT_EQ(inner[0].type, "avcC");
  EXPECT_EQ(std::vector<uint8_t>(init.begin() + inner[0].start + 8, init.begin() + inner[0].start + inner[0].size), kAvcc);
}

TEST(Fmp4, AudioInitSegmentCarriesTheAudioSpecificConfig) {
  auto init = audio_init_segment({44100, 2, kAsc, 128000});
  Box mdhd = path(init, {"moov", "trak", "mdia", "mdhd"});
  EXPECT_EQ(be32(init, mdhd.start + 20), 44100u);
  Box stsd = path(init, {"moov", "trak", "mdia", "minf", "stbl", "stsd"});
  auto entries = children(init, stsd.start + 16, stsd.start + stsd.size);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].type, "mp4a");
  const size_t body = entries[0].start + 8;
  EXPECT_EQ(init[body + 16] << 8 | init[body + 17], 2) << "channelcount";
  EXPECT_EQ(be32(init, body + 24), 44100u << 16);
  auto inner = children(init, body + 28, entries[0].start + entries[0].size);
  ASSERT_EQ(inner.size(), 1u);
  ASSERT_EQ(inner[0].type, "esds");
  // ES_Descriptor > DecoderConfigDescriptor (MPEG-4 audio) > DecoderSpecificInfo = the ASC.
  std::vector<uint8_t> esds(init.begin() + inner[0].start + 12, init.begin() + inner[0].start + inner[0].size);
  ASSERT_GE(esds.size(), 25u);
  EXPECT_EQ(esds[0], 0x03);
  EXPECT_EQ(esds[1], esds.size() - 2);
  EXPECT_EQ(esds[5], 0x04);
  EXPECT_EQ(esds[7], 0x40);
  EXPECT_EQ(esds[8], 0x15);
  EXPECT_EQ(esds[20], 0x05);
  EXPECT_EQ(esds[21], kAsc.size());
  EXPECT_EQ(esds[22], kAsc[0]);
  EXPECT_EQ(esds[23], kAsc[1]);
  EXPECT_EQ(esds[24], 0x06);
}

TEST(Fmp4, FragmentHeaderPointsAtThePayload) {
  std::vector<FragmentSample> samples = {
      {3600, 1000, true, 7200}, {3600, 200, false, -3600}, {3600, 300, false, 0}};
  std::vector<uint8_t> out = {1, 2, 3};  // cleared first
  ASSERT_TRUE(fragment_header(out, 42, 123456789012ull, samples, true));
  auto top = children(out, 0, out.size() - 8);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].type, "styp");
  EXPECT_EQ(top[1].type, "moof");
  // The mdat header closes the buffer: its size covers the payload that follows.
  EXPECT_EQ(be32(out, out.size() - 8), 8u + 1500u);
  EXPECT_EQ(std::string(out.end() - 4, out.end()), "mdat");

  const size_t moof = top[1].start;
  std::vector<uint8_t> moof_only(out.begin() + moof, out.end() - 8);
  Box mfhd = path(moof_only, {"moof", "mfhd"});
  EXPECT_EQ(be32(moof_only, mfhd.start + 12), 42u);
  Box tfhd = path(moof_only, {"moof", "traf", "tfhd"});
  EXPECT_EQ(be32(moof_only, tfhd.start + 8), 0x00020000u) << "default-base-is-moof";
  Box tfdt = path(moof_only, {"moof", "traf", "tfdt"});
  EXPECT_EQ(moof_only[tfdt.start + 8], 1) << "version 1, 64-bit time";
  EXPECT_EQ(uint64_t(be32(moof_only, tfdt.start + 12)) << 32 | be32(moof_only, tfdt.start + 16), 123456789012ull);
  Box trun = path(moof_only, {"moof", "traf", "trun"});
  EXPECT_EQ(be32(moof_only, trun.start + 8), 0x01000f01u) << "version 1, offsets/durations/sizes/flags/cto";
  EXPECT_EQ(be32(moof_only, trun.start + 12), 3u);
  EXPECT_EQ(be32(moof_only, trun.start + 16), moof_only.size() + 8) << "data_offset: from moof to the payload";
  const size_t first = trun.start + 20;
  EXPECT_EQ(be32(moof_only, first), 3600u);
  EXPECT_EQ(be32(moof_only, first + 4), 1000u);
  EXPECT_EQ(be32(moof_only, first + 8), 0x02000000u);
  EXPECT_EQ(be32(moof_only, first + 12), 7200u);
  EXPECT_EQ(be32(moof_only, first + 16 + 8), 0x01010000u) << "non-sync";
  EXPECT_EQ(static_cast<int32_t>(be32(moof_only, first + 16 + 12)), -3600) << "signed composition offset";
}

TEST(Fmp4, AudioFragmentsCarryNoFlagsOrOffsets) {
  std::vector<FragmentSample> samples(3, FragmentSample{1024, 300, true, 0});
  std::vector<uint8_t> out;
  ASSERT_TRUE(fragment_header(out, 1, 0, samples, false));
  std::vector<uint8_t> moof(out.begin() + be32(out, 0), out.end() - 8);
  Box trun = path(moof, {"moof", "traf", "trun"});
  EXPECT_EQ(be32(moof, trun.start + 8), 0x00000301u);
  EXPECT_EQ(trun.size, 20u + 3 * 8);
}

TEST(Fmp4, AChunkIsTheFragmentWithoutItsStyp) {
  // An LL-HLS part is one chunk; its segment is the styp and then the chunks: the same bytes.
  std::vector<FragmentSample> samples = {{3600, 1000, true, 0}, {3600, 200, false, 0}};
  std::vector<uint8_t> fragment, chunk = {9, 9}, styp;
  ASSERT_TRUE(fragment_header(fragment, 7, 90000, samples, true));
  ASSERT_TRUE(chunk_header(chunk, 7, 90000, samples, true));
  segment_type(styp);
  auto top = children(styp, 0, styp.size());
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].type, "styp");
  std::vector<uint8_t> joined = styp;
  joined.insert(joined.end(), chunk.begin(), chunk.end());
  EXPECT_EQ(joined, fragment);
  EXPECT_EQ(std::string(chunk.begin() + 4, chunk.begin() + 8), "moof");
}
