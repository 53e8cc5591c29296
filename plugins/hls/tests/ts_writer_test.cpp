// The TS writer read back by a small demuxer of the test's own: every packet 188 bytes with its
// sync byte, continuity counters per PID, PES payloads reassembled to exactly what went in (the
// AUD or ADTS header in front), PTS/DTS and the keyframe's PCR, PAT and PMT whose CRC checks.
#include "ts_writer.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

using namespace kek::hls;

namespace {

struct Pes {
  uint16_t pid = 0;
  std::vector<uint8_t> bytes;  // the whole PES packet
  bool random_access = false;
  int64_t pcr = -1;
};

uint64_t read_ts(const uint8_t* p) {
  return (static_cast<uint64_t>((p[0] >> 1) & 7) << 30) | (static_cast<uint64_t>(p[1]) << 22) |
         (static_cast<uint64_t>(p[2] >> 1) << 15) | (static_cast<uint64_t>(p[3]) << 7) | (p[4] >> 1);
}

// Packets into PES packets (and PSI sections), checking the transport layer on the way.
struct Demux {
  std::vector<Pes> pes;
  std::map<uint16_t, std::vector<uint8_t>> sections;  // PID -> the section after the pointer field
  std::map<uint16_t, int> last_cc;
  std::string problem;

  void feed(const std::vector<uint8_t>& ts) {
    if (ts.size() % 188 != 0) problem = "not whole packets";
    std::map<uint16_t, Pes*> open;
    for (size_t at = 0; at + 188 <= ts.size(); at += 188) {
      const uint8_t* p = ts.data() + at;
      if (p[0] != 0x47) problem = "no sync byte";
      const bool start = p[1] & 0x40;
      const uint16_t pid = static_cast<uint16_t>(((p[1] & 0x1F) << 8) | p[2]);
      const int cc = p[3] & 0x0F;
      if (last_cc.count(pid) && ((last_cc[pid] + 1) & 0xF) != cc) problem = "continuity counter jumped";
      last_cc[pid] = cc;
      size_t pos = 4;
      bool ra = false;
      int64_t pcr = -1;
      if (p[3] & 0x20) {
        const size_t len = p[4];
        if (len > 0) {
          ra = p[5] & 0x40;
          if (p[5] & 0x10)
            pcr = static_cast<int64_t>((static_cast<uint64_t>(p[6]) << 25) | (p[7] << 17) | (p[8] << 9) |
                                       (p[9] << 1) | (p[10] >> 7));
        }
        pos = 5 + len;
      }
      if (!(p[3] & 0x10)) continue;
      if (pid == 0 || pid == kPmtPid) {
        if (start) sections[pid].assign(p + pos + 1 + p[pos], p + 188);
        continue;
      }
      if (start) {
        pes.push_back({pid, {}, ra, pcr});
        open[pid] = &pes.back();
      }
      if (!open.count(pid)) continue;
      open[pid]->bytes.insert(open[pid]->bytes.end(), p + pos, p + 188);
      // pes may move when it grows: refresh the pointers
      for (auto& [k, v] : open) v = nullptr;
      for (auto& e : pes) open[e.pid] = &e;
    }
  }
};

std::vector<uint8_t> frame(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

}  // namespace

TEST(TsWriter, CrcIsMpeg2s) {
  const std::string check = "123456789";
  EXPECT_EQ(crc32_mpeg2({reinterpret_cast<const uint8_t*>(check.data()), check.size()}), 0x0376E6E7u);
}

TEST(TsWriter, PatAndPmtNameTheTracksAndTheirCrcsCheck) {
  TsWriter w;
  std::vector<uint8_t> out;
  w.write_tables(out);
  ASSERT_EQ(out.size(), 2 * 188u);
  Demux d;
  d.feed(out);
  EXPECT_EQ(d.problem, "");
  for (uint16_t pid : {uint16_t(0), kPmtPid}) {
    const auto& s = d.sections[pid];
    const size_t len = ((s[1] & 0x0F) << 8 | s[2]) + 3;
    ASSERT_LE(len, s.size());
    EXPECT_EQ(crc32_mpeg2({s.data(), len}), 0u) << "PID " << pid;  // a section with its CRC sums to 0
  }
  const auto& pmt = d.sections[kPmtPid];
  EXPECT_EQ(((pmt[8] & 0x1F) << 8) | pmt[9], kVideoPid);  // PCR PID
  EXPECT_EQ(pmt[12], 0x1B);
  EXPECT_EQ(((pmt[13] & 0x1F) << 8) | pmt[14], kVideoPid);
  EXPECT_EQ(pmt[17], 0x0F);
  EXPECT_EQ(((pmt[18] & 0x1F) << 8) | pmt[19], kAudioPid);

  // Audio only: one stream, the PCR on it, and a new PMT version.
  w.configure(false, true);
  out.clear();
  w.write_tables(out);
  Demux a;
  a.feed(out);
  const auto& apmt = a.sections[kPmtPid];
  EXPECT_EQ(((apmt[8] & 0x1F) << 8) | apmt[9], kAudioPid);
  EXPECT_EQ((apmt[5] >> 1) & 0x1F, 1);
  EXPECT_EQ(apmt[12], 0x0F);
}

TEST(TsWriter, VideoAccessUnitsComeBackWholeWithAudTimesAndPcr) {
  TsWriter w;
  std::vector<uint8_t> out;
  // Access units of many sizes, so the last packet's stuffing takes every form (0, 1, 2... bytes).
  std::vector<std::vector<uint8_t>> units;
  for (size_t n : {1u, 5u, 170u, 171u, 172u, 175u, 176u, 183u, 184u, 185u, 1000u, 12500u}) {
    auto u = frame(n, static_cast<uint8_t>(n));
    u.insert(u.begin(), {0, 0, 0, 1, 0x65});
    units.push_back(u);
  }
  for (size_t i = 0; i < units.size(); ++i)
    w.write_video(out, units[i], ts_time(i * 33'333'333ull + 66'666'666), ts_time(i * 33'333'333ull), i % 4 == 0);
  Demux d;
  d.feed(out);
  ASSERT_EQ(d.problem, "");
  ASSERT_EQ(d.pes.size(), units.size());
  for (size_t i = 0; i < units.size(); ++i) {
    const Pes& p = d.pes[i];
    EXPECT_EQ(p.pid, kVideoPid);
    ASSERT_GE(p.bytes.size(), 19u);
    EXPECT_EQ(p.bytes[3], 0xE0);
    EXPECT_EQ(p.bytes[7], 0xC0);  // PTS and DTS
    const uint64_t pts = read_ts(&p.bytes[9]), dts = read_ts(&p.bytes[14]);
    EXPECT_EQ(pts, ts_time(i * 33'333'333ull + 66'666'666));
    EXPECT_EQ(dts, ts_time(i * 33'333'333ull));
    // The AUD, then the access unit, byte for byte.
    std::vector<uint8_t> payload(p.bytes.begin() + 19, p.bytes.end());
    std::vector<uint8_t> expected = {0, 0, 0, 1, 0x09, 0xF0};
    expected.insert(expected.end(), units[i].begin(), units[i].end());
    EXPECT_EQ(payload, expected) << "unit " << i << " of " << units[i].size() << " bytes";
    EXPECT_EQ(p.random_access, i % 4 == 0);
    if (i % 4 == 0)
      EXPECT_EQ(p.pcr, static_cast<int64_t>(dts - 63000));
    else
      EXPECT_EQ(p.pcr, -1);
  }
}

TEST(TsWriter, AnAccessUnitWithItsOwnAudGetsNoOtherAndEqualTimesNoDts) {
  TsWriter w;
  std::vector<uint8_t> out;
  std::vector<uint8_t> au = {0, 0, 0, 1, 0x09, 0x10, 0, 0, 1, 0x41, 1, 2, 3};
  w.write_video(out, au, ts_time(0), ts_time(0), false);
  Demux d;
  d.feed(out);
  ASSERT_EQ(d.pes.size(), 1u);
  EXPECT_EQ(d.pes[0].bytes[7], 0x80);  // PTS only
  EXPECT_EQ(std::vector<uint8_t>(d.pes[0].bytes.begin() + 14, d.pes[0].bytes.end()), au);
}

// An access unit given in pieces (as AvcToAnnexB gives an avc unit) is written byte for byte as
// the same unit in one span: pieces of every size across packet edges, empty ones, a delimiter
// split over two pieces.
TEST(TsWriter, AnAccessUnitInPiecesIsWrittenAsTheWholeUnit) {
  std::vector<uint8_t> whole = {0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x65};
  const auto body = frame(3000, 0x5a);
  whole.insert(whole.end(), body.begin(), body.end());
  for (size_t cut : {1u, 3u, 5u, 183u, 184u, 185u, 1000u}) {
    std::vector<std::span<const uint8_t>> pieces;
    const std::span<const uint8_t> all(whole);
    pieces.push_back(all.subspan(0, 4));
    pieces.push_back({});
    for (size_t at = 4; at < whole.size(); at += cut) pieces.push_back(all.subspan(at, std::min(cut, whole.size() - at)));
    pieces.push_back({});
    for (bool keyframe : {false, true}) {
      TsWriter one, split;
      std::vector<uint8_t> a, b;
      one.write_video(a, whole, ts_time(90'000'000), ts_time(0), keyframe);
      split.write_video(b, pieces, ts_time(90'000'000), ts_time(0), keyframe);
      EXPECT_EQ(a, b) << "pieces of " << cut;
      Demux d;
      d.feed(b);
      ASSERT_EQ(d.pes.size(), 1u);
      EXPECT_EQ(std::vector<uint8_t>(d.pes[0].bytes.begin() + 19, d.pes[0].bytes.end()), whole)
          << "its own delimiter, no second one";
    }
  }
}

TEST(TsWriter, RawAacGetsItsAdtsHeaderAndABoundedPesLength) {
  auto config = aac_config_from_asc(std::vector<uint8_t>{0x11, 0x90});  // LC, 48 kHz, stereo
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->object_type, 2);
  EXPECT_EQ(config->frequency_index, 3);
  EXPECT_EQ(config->channels, 2);
  TsWriter w;
  w.configure(false, true);
  std::vector<uint8_t> out;
  auto aac = frame(371, 9);
  w.write_audio(out, aac, ts_time(21'333'333), &*config);
  Demux d;
  d.feed(out);
  ASSERT_EQ(d.problem, "");
  ASSERT_EQ(d.pes.size(), 1u);
  const Pes& p = d.pes[0];
  EXPECT_EQ(p.pid, kAudioPid);
  EXPECT_EQ(p.bytes[3], 0xC0);
  const size_t pes_len = (p.bytes[4] << 8) | p.bytes[5];
  ASSERT_EQ(pes_len + 6, 14 + 7 + aac.size());  // the length covers exactly the packet
  EXPECT_EQ(read_ts(&p.bytes[9]), ts_time(21'333'333));
  const uint8_t* adts = &p.bytes[14];
  EXPECT_EQ(adts[0], 0xFF);
  EXPECT_EQ(adts[1], 0xF1);
  EXPECT_EQ(adts[2] >> 6, 1);               // profile: LC - 1
  EXPECT_EQ((adts[2] >> 2) & 0xF, 3);       // 48 kHz
  EXPECT_EQ(((adts[2] & 1) << 2) | (adts[3] >> 6), 2);  // channels
  const size_t frame_len = ((adts[3] & 3) << 11) | (adts[4] << 3) | (adts[5] >> 5);
  EXPECT_EQ(frame_len, 7 + aac.size());
  EXPECT_EQ(std::vector<uint8_t>(p.bytes.begin() + 21, p.bytes.begin() + 21 + aac.size()), aac);
  // Audio only: the PCR rides on every frame.
  EXPECT_TRUE(p.random_access);
  EXPECT_EQ(p.pcr, static_cast<int64_t>(ts_time(21'333'333)));
}

TEST(TsWriter, AdtsInputIsWrittenAsItIs) {
  TsWriter w;
  std::vector<uint8_t> out;
  std::vector<uint8_t> adts = {0xFF, 0xF1, 0x50, 0x80, 0x01, 0x1F, 0xFC, 1, 2, 3};
  w.write_audio(out, adts, ts_time(0), nullptr);
  Demux d;
  d.feed(out);
  ASSERT_EQ(d.pes.size(), 1u);
  EXPECT_EQ(std::vector<uint8_t>(d.pes[0].bytes.begin() + 14, d.pes[0].bytes.begin() + 14 + adts.size()), adts);
  EXPECT_EQ(d.pes[0].pcr, -1);  // with video the PCR is the video's
}

TEST(TsWriter, AacConfigsAdtsCannotCarryAreRefused) {
  EXPECT_FALSE(aac_config_from_asc(std::vector<uint8_t>{0x11}).has_value());
  EXPECT_FALSE(aac_config_from_asc(std::vector<uint8_t>{0x17, 0x80, 0x00, 0x00, 0x00}).has_value());  // explicit rate
  auto he = aac_config_from_asc(std::vector<uint8_t>{0x2B, 0x92, 0x08, 0x00});  // HE-AAC: its LC core
  ASSERT_TRUE(he.has_value());
  EXPECT_EQ(he->object_type, 2);
  EXPECT_EQ(ts_time(0), kTsTimeOffset);
  EXPECT_EQ(ts_time(1'000'000'000), kTsTimeOffset + 90000);
}

TEST(TsWriter, AnAacFrameLasts1024SamplesOfItsRate) {
  EXPECT_EQ(aac_frame_duration_ns(AacConfig{2, 3, 2}), 21333333u);  // 48 kHz
  EXPECT_EQ(aac_frame_duration_ns(AacConfig{2, 4, 2}), 23219954u);  // 44.1 kHz
  EXPECT_EQ(aac_frame_duration_ns(AacConfig{2, 13, 2}), 0u);        // reserved index
}
