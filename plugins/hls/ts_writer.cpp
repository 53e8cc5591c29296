#include "ts_writer.h"

#include <kek/media/codec_strings.h>

#include <algorithm>
#include <cstring>

namespace kek::hls {

namespace {

constexpr size_t kPacket = 188;

std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i << 24;
    for (int k = 0; k < 8; ++k) c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
    table[i] = c;
  }
  return table;
}

// 5 bytes of a PES PTS or DTS: `marker` is 2 (PTS alone), 3 (PTS before a DTS) or 1 (DTS).
void put_timestamp(uint8_t* p, uint8_t marker, uint64_t t) {
  p[0] = static_cast<uint8_t>((marker << 4) | ((t >> 29) & 0x0E) | 1);
  p[1] = static_cast<uint8_t>(t >> 22);
  p[2] = static_cast<uint8_t>(((t >> 14) & 0xFE) | 1);
  p[3] = static_cast<uint8_t>(t >> 7);
  p[4] = static_cast<uint8_t>(((t << 1) & 0xFE) | 1);
}

bool starts_with_aud(std::span<const uint8_t> au) {
  // 00 00 01 09 or 00 00 00 01 09
  if (au.size() >= 4 && au[0] == 0 && au[1] == 0 && au[2] == 1) return (au[3] & 0x1f) == 9;
  if (au.size() >= 5 && au[0] == 0 && au[1] == 0 && au[2] == 0 && au[3] == 1) return (au[4] & 0x1f) == 9;
  return false;
}

constexpr uint8_t kAud[] = {0, 0, 0, 1, 0x09, 0xF0};
constexpr uint64_t kPcrLead = 63000;  // 0.7 s in 90 kHz

}  // namespace

uint32_t crc32_mpeg2(std::span<const uint8_t> bytes) {
  static const std::array<uint32_t, 256> table = make_crc_table();
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t b : bytes) crc = (crc << 8) ^ table[((crc >> 24) ^ b) & 0xFF];
  return crc;
}

std::optional<AacConfig> aac_config_from_asc(std::span<const uint8_t> asc) {
  if (asc.size() < 2) return std::nullopt;
  AacConfig c;
  c.object_type = asc[0] >> 3;
  int bit = 5;
  if (c.object_type == 31) {
    c.object_type = 32 + (((asc[0] & 0x07) << 3) | (asc[1] >> 5));
    bit = 11;
  }
  auto bits = [&](int n) {
    int v = 0;
    for (int i = 0; i < n; ++i, ++bit) {
      size_t byte = static_cast<size_t>(bit / 8);
      if (byte >= asc.size()) return -1;
      v = (v << 1) | ((asc[byte] >> (7 - bit % 8)) & 1);
    }
    return v;
  };
  c.frequency_index = bits(4);
  if (c.frequency_index == 15) {
    bits(24);  // an explicit rate: ADTS cannot say it
    return std::nullopt;
  }
  c.channels = bits(4);
  // ADTS has two bits for the profile: AAC Main, LC, SSR, LTP. HE-AAC is signalled implicitly
  // by its LC core, as muxers write it.
  if (c.object_type == 5 || c.object_type == 29) c.object_type = 2;
  if (c.object_type < 1 || c.object_type > 4 || c.frequency_index < 0 || c.channels < 0) return std::nullopt;
  return c;
}

uint64_t aac_frame_duration_ns(const AacConfig& c) {
  const auto rate = c.frequency_index < 0 ? std::nullopt : kek::media::aac_sample_rate(static_cast<unsigned>(c.frequency_index));
  return rate ? 1024ull * 1000000000ull / *rate : 0;
}

void TsWriter::configure(bool has_video, bool has_audio) {
  if (has_video == has_video_ && has_audio == has_audio_) return;
  has_video_ = has_video;
  has_audio_ = has_audio;
  pmt_version_ = (pmt_version_ + 1) & 0x1F;
}

uint8_t TsWriter::next_cc(uint16_t pid) {
  uint8_t& cc = pid == 0 ? cc_pat_ : pid == kPmtPid ? cc_pmt_ : pid == kVideoPid ? cc_video_ : cc_audio_;
  const uint8_t now = cc;
  cc = (cc + 1) & 0x0F;
  return now;
}

void TsWriter::write_section(std::vector<uint8_t>& out, uint16_t pid, std::span<const uint8_t> section) {
  const size_t at = out.size();
  out.resize(at + kPacket, 0xFF);
  uint8_t* p = out.data() + at;
  p[0] = 0x47;
  p[1] = static_cast<uint8_t>(0x40 | ((pid >> 8) & 0x1F));
  p[2] = static_cast<uint8_t>(pid);
  p[3] = static_cast<uint8_t>(0x10 | next_cc(pid));
  p[4] = 0;  // pointer field
  std::memcpy(p + 5, section.data(), section.size());
  const uint32_t crc = crc32_mpeg2(section);
  uint8_t* c = p + 5 + section.size();
  c[0] = static_cast<uint8_t>(crc >> 24);
  c[1] = static_cast<uint8_t>(crc >> 16);
  c[2] = static_cast<uint8_t>(crc >> 8);
  c[3] = static_cast<uint8_t>(crc);
}

void TsWriter::write_tables(std::vector<uint8_t>& out) {
  // PAT: program 1 at the PMT PID.
  const uint8_t pat[] = {0x00, 0xB0, 0x0D, 0x00, 0x01, 0xC1, 0x00, 0x00,
                         0x00, 0x01, static_cast<uint8_t>(0xE0 | (kPmtPid >> 8)), static_cast<uint8_t>(kPmtPid & 0xFF)};
  write_section(out, 0, pat);
  // PMT: the PCR on the video PID, else the audio one; H.264 and ADTS AAC.
  std::array<uint8_t, 32> pmt{};
  size_t n = 0;
  const uint16_t pcr_pid = has_video_ ? kVideoPid : kAudioPid;
  const int streams = (has_video_ ? 1 : 0) + (has_audio_ ? 1 : 0);
  const int section_length = 9 + 5 * streams + 4;
  pmt[n++] = 0x02;
  pmt[n++] = static_cast<uint8_t>(0xB0 | (section_length >> 8));
  pmt[n++] = static_cast<uint8_t>(section_length);
  pmt[n++] = 0x00;
  pmt[n++] = 0x01;  // program 1
  pmt[n++] = static_cast<uint8_t>(0xC1 | (pmt_version_ << 1));
  pmt[n++] = 0x00;
  pmt[n++] = 0x00;
  pmt[n++] = static_cast<uint8_t>(0xE0 | (pcr_pid >> 8));
  pmt[n++] = static_cast<uint8_t>(pcr_pid);
  pmt[n++] = 0xF0;
  pmt[n++] = 0x00;  // no program descriptors
  auto stream = [&](uint8_t type, uint16_t pid) {
    pmt[n++] = type;
    pmt[n++] = static_cast<uint8_t>(0xE0 | (pid >> 8));
    pmt[n++] = static_cast<uint8_t>(pid);
    pmt[n++] = 0xF0;
    pmt[n++] = 0x00;
  };
  if (has_video_) stream(0x1B, kVideoPid);
  if (has_audio_) stream(0x0F, kAudioPid);
  write_section(out, kPmtPid, std::span<const uint8_t>(pmt.data(), n));
}

void TsWriter::write_pes(std::vector<uint8_t>& out, uint16_t pid, std::span<const std::span<const uint8_t>> parts,
                         bool random_access, std::optional<uint64_t> pcr) {
  size_t left = 0;
  for (const auto& p : parts) left += p.size();
  size_t part = 0, offset = 0;
  out.reserve(out.size() + (left / 184 + 2) * kPacket);
  bool first = true;
  while (left > 0) {
    const size_t at = out.size();
    out.resize(at + kPacket);
    uint8_t* p = out.data() + at;
    p[0] = 0x47;
    p[1] = static_cast<uint8_t>((first ? 0x40 : 0) | ((pid >> 8) & 0x1F));
    p[2] = static_cast<uint8_t>(pid);
    const bool fields = first && (random_access || pcr);
    const size_t needed = fields ? 2 + (pcr ? 6 : 0) : 0;  // length byte, flags, PCR
    const size_t payload = std::min(left, 184 - needed);
    const size_t af = 184 - payload;  // adaptation field bytes, its length byte included
    const uint8_t cc = next_cc(pid);
    if (af > 0) {
      p[3] = static_cast<uint8_t>(0x30 | cc);
      p[4] = static_cast<uint8_t>(af - 1);
      if (af > 1) {
        p[5] = static_cast<uint8_t>((fields && random_access ? 0x40 : 0) | (fields && pcr ? 0x10 : 0));
        size_t pos = 6;
        if (fields && pcr) {
          const uint64_t base = *pcr & ((1ull << 33) - 1);
          p[6] = static_cast<uint8_t>(base >> 25);
          p[7] = static_cast<uint8_t>(base >> 17);
          p[8] = static_cast<uint8_t>(base >> 9);
          p[9] = static_cast<uint8_t>(base >> 1);
          p[10] = static_cast<uint8_t>(((base & 1) << 7) | 0x7E);
          p[11] = 0x00;
          pos = 12;
        }
        std::memset(p + pos, 0xFF, 4 + af - pos);
      }
    } else {
      p[3] = static_cast<uint8_t>(0x10 | cc);
    }
    // The payload, gathered from the parts.
    uint8_t* dst = p + 4 + af;
    size_t want = payload;
    while (want > 0) {
      while (offset == parts[part].size()) {  // empty parts
        ++part;
        offset = 0;
      }
      const auto& src = parts[part];
      const size_t take = std::min(want, src.size() - offset);
      std::memcpy(dst, src.data() + offset, take);
      dst += take;
      want -= take;
      offset += take;
      if (offset == src.size()) {
        ++part;
        offset = 0;
      }
    }
    left -= payload;
    first = false;
  }
}

void TsWriter::write_video(std::vector<uint8_t>& out, std::span<const uint8_t> access_unit, uint64_t pts,
                           uint64_t dts, bool keyframe) {
  write_video(out, std::span<const std::span<const uint8_t>>(&access_unit, 1), pts, dts, keyframe);
}

void TsWriter::write_video(std::vector<uint8_t>& out, std::span<const std::span<const uint8_t>> access_unit,
                           uint64_t pts, uint64_t dts, bool keyframe) {
  const bool with_dts = dts != pts;
  uint8_t header[19] = {0x00, 0x00, 0x01, 0xE0, 0x00, 0x00,  // length 0: unbounded (video)
                        0x80, static_cast<uint8_t>(with_dts ? 0xC0 : 0x80), static_cast<uint8_t>(with_dts ? 10 : 5)};
  put_timestamp(header + 9, with_dts ? 3 : 2, pts);
  if (with_dts) put_timestamp(header + 14, 1, dts);
  // The unit's first bytes, wherever its pieces put them, to see whether it leads with a delimiter.
  uint8_t lead[5];
  size_t lead_size = 0;
  for (const auto& piece : access_unit) {
    const size_t take = std::min(piece.size(), sizeof lead - lead_size);
    std::memcpy(lead + lead_size, piece.data(), take);
    lead_size += take;
    if (lead_size == sizeof lead) break;
  }
  const bool has_aud = starts_with_aud(std::span<const uint8_t>(lead, lead_size));
  // The PCR on every keyframe, a little before its DTS (as nginx-rtmp writes it: players read
  // HLS segments from their keyframes, and the PCR must not be later than what it times).
  const uint64_t pcr = dts >= kPcrLead ? dts - kPcrLead : 0;
  parts_.clear();
  parts_.emplace_back(header, with_dts ? 19 : 14);
  if (!has_aud) parts_.emplace_back(kAud);
  parts_.insert(parts_.end(), access_unit.begin(), access_unit.end());
  write_pes(out, kVideoPid, parts_, keyframe, keyframe ? std::optional<uint64_t>(pcr) : std::nullopt);
}

void TsWriter::write_audio(std::vector<uint8_t>& out, std::span<const uint8_t> frame, uint64_t pts,
                           const AacConfig* raw) {
  uint8_t adts[7];
  const size_t prefix_len = raw ? 7 : 0;
  if (raw) {
    const size_t len = frame.size() + 7;
    adts[0] = 0xFF;
    adts[1] = 0xF1;  // MPEG-4, layer 0, no CRC
    adts[2] = static_cast<uint8_t>(((raw->object_type - 1) << 6) | (raw->frequency_index << 2) | ((raw->channels >> 2) & 1));
    adts[3] = static_cast<uint8_t>(((raw->channels & 3) << 6) | ((len >> 11) & 3));
    adts[4] = static_cast<uint8_t>(len >> 3);
    adts[5] = static_cast<uint8_t>(((len & 7) << 5) | 0x1F);
    adts[6] = 0xFC;
  }
  const size_t pes_len = 3 + 5 + prefix_len + frame.size();
  uint8_t header[14] = {0x00, 0x00, 0x01, 0xC0, static_cast<uint8_t>(pes_len > 0xFFFF ? 0 : pes_len >> 8),
                        static_cast<uint8_t>(pes_len > 0xFFFF ? 0 : pes_len), 0x80, 0x80, 5};
  put_timestamp(header + 9, 2, pts);
  // Without video the audio PID carries the PCR, with each frame (they are the random access points).
  const bool pcr = !has_video_;
  const std::span<const uint8_t> parts[] = {header, std::span<const uint8_t>(adts, prefix_len), frame};
  write_pes(out, kAudioPid, parts, pcr, pcr ? std::optional<uint64_t>(pts) : std::nullopt);
}

}  // namespace kek::hls
