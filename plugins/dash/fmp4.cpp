#include "fmp4.h"

#include <array>
#include <cassert>

namespace kek::dash {

void BoxWriter::begin(std::string_view type) {
  open_.push_back(out_.size());
  u32(0);
  fourcc(type);
}

void BoxWriter::begin_full(std::string_view type, uint8_t version, uint32_t flags) {
  begin(type);
  u8(version);
  u24(flags);
}

void BoxWriter::end() {
  assert(!open_.empty());
  size_t start = open_.back();
  open_.pop_back();
  patch_u32(start, static_cast<uint32_t>(out_.size() - start));
}

void BoxWriter::u16(uint16_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void BoxWriter::u24(uint32_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 16));
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void BoxWriter::u32(uint32_t v) {
  u16(static_cast<uint16_t>(v >> 16));
  u16(static_cast<uint16_t>(v));
}

void BoxWriter::u64(uint64_t v) {
  u32(static_cast<uint32_t>(v >> 32));
  u32(static_cast<uint32_t>(v));
}

void BoxWriter::fourcc(std::string_view cc) {
  for (size_t i = 0; i < 4; ++i) out_.push_back(i < cc.size() ? static_cast<uint8_t>(cc[i]) : ' ');
}

void BoxWriter::patch_u32(size_t at, uint32_t v) {
  out_[at] = static_cast<uint8_t>(v >> 24);
  out_[at + 1] = static_cast<uint8_t>(v >> 16);
  out_[at + 2] = static_cast<uint8_t>(v >> 8);
  out_[at + 3] = static_cast<uint8_t>(v);
}

namespace {

// The unity matrix of mvhd and tkhd (16.16 and 2.30 fixed point).
void matrix(BoxWriter& w) {
  constexpr std::array<uint32_t, 9> m = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};
  for (uint32_t v : m) w.u32(v);
}

void ftyp(BoxWriter& w) {
  // iso6: tfdt and trun v1 (signed composition offsets) need at least iso6; dash for players
  // that look for it; no cmfc, since we do not promise every CMAF constraint.
  w.begin("ftyp");
  w.fourcc("iso6");
  w.u32(0);
  for (auto b : {"iso6", "isom", "mp41", "dash"}) w.fourcc(b);
  w.end();
}

enum class Kind { video, audio };

// moov > mvhd, trak (tkhd, mdia (mdhd, hdlr, minf (vmhd|smhd, dinf, stbl))), mvex > trex.
// sample_entry writes the one stsd entry.
template <class SampleEntry>
void moov(BoxWriter& w, Kind kind, uint32_t timescale, uint32_t width, uint32_t height, SampleEntry sample_entry) {
  w.begin("moov");

  w.begin_full("mvhd", 0, 0);
  w.u32(0);     // creation_time
  w.u32(0);     // modification_time
  w.u32(1000);  // timescale (the movie's; durations live in the fragments)
  w.u32(0);     // duration: unknown, fragmented
  w.u32(0x00010000);  // rate 1.0
  w.u16(0x0100);      // volume 1.0
  w.zeros(2 + 8);     // reserved
  matrix(w);
  w.zeros(24);  // pre_defined
  w.u32(kTrackId + 1);  // next_track_ID
  w.end();

  w.begin("trak");
  w.begin_full("tkhd", 0, 0x000003);  // enabled, in movie
  w.u32(0);
  w.u32(0);
  w.u32(kTrackId);
  w.u32(0);  // reserved
  w.u32(0);  // duration
  w.zeros(8);
  w.u16(0);  // layer
  w.u16(0);  // alternate_group
  w.u16(kind == Kind::audio ? 0x0100 : 0);  // volume
  w.u16(0);
  matrix(w);
  w.u32(width << 16);  // 16.16
  w.u32(height << 16);
  w.end();

  w.begin("mdia");
  w.begin_full("mdhd", 0, 0);
  w.u32(0);
  w.u32(0);
  w.u32(timescale);
  w.u32(0);
  w.u16(0x55c4);  // "und", three 5-bit letters
  w.u16(0);
  w.end();
  w.begin_full("hdlr", 0, 0);
  w.u32(0);
  w.fourcc(kind == Kind::video ? "vide" : "soun");
  w.zeros(12);
  static constexpr std::string_view kVideoName = "VideoHandler", kAudioName = "SoundHandler";
  std::string_view name = kind == Kind::video ? kVideoName : kAudioName;
  w.bytes({reinterpret_cast<const uint8_t*>(name.data()), name.size()});
  w.u8(0);
  w.end();

  w.begin("minf");
  if (kind == Kind::video) {
    w.begin_full("vmhd", 0, 1);
    w.zeros(8);  // graphicsmode, opcolor
  } else {
    w.begin_full("smhd", 0, 0);
    w.zeros(4);  // balance, reserved
  }
  w.end();
  w.begin("dinf");
  w.begin_full("dref", 0, 0);
  w.u32(1);
  w.begin_full("url ", 0, 1);  // self-contained: the data is in this file's fragments
  w.end();
  w.end();
  w.end();
  w.begin("stbl");
  w.begin_full("stsd", 0, 0);
  w.u32(1);
  sample_entry(w);
  w.end();
  for (auto empty : {"stts", "stsc", "stco"}) {
    w.begin_full(empty, 0, 0);
    w.u32(0);
    w.end();
  }
  w.begin_full("stsz", 0, 0);
  w.u32(0);
  w.u32(0);
  w.end();
  w.end();  // stbl
  w.end();  // minf
  w.end();  // mdia
  w.end();  // trak

  w.begin("mvex");
  w.begin_full("trex", 0, 0);
  w.u32(kTrackId);
  w.u32(1);  // default_sample_description_index
  w.u32(0);  // default duration, size, flags: every trun says its own
  w.u32(0);
  w.u32(0);
  w.end();
  w.end();

  w.end();  // moov
}

// MPEG-4 descriptor length: one byte when it fits, else the 7-bits-per-byte form.
void descriptor_length(BoxWriter& w, size_t len) {
  if (len < 0x80) {
    w.u8(static_cast<uint8_t>(len));
    return;
  }
  w.u8(static_cast<uint8_t>(0x80 | ((len >> 21) & 0x7f)));
  w.u8(static_cast<uint8_t>(0x80 | ((len >> 14) & 0x7f)));
  w.u8(static_cast<uint8_t>(0x80 | ((len >> 7) & 0x7f)));
  w.u8(static_cast<uint8_t>(len & 0x7f));
}

size_t descriptor_size(size_t payload) { return 1 + (payload < 0x80 ? 1 : 4) + payload; }

}  // namespace

std::vector<uint8_t> video_init_segment(const VideoConfig& c) {
  std::vector<uint8_t> out;
  BoxWriter w(out);
  ftyp(w);
  moov(w, Kind::video, kVideoTimescale, c.width, c.height, [&](BoxWriter& w) {
    w.begin("avc1");
    w.zeros(6);
    w.u16(1);  // data_reference_index
    w.zeros(2 + 2 + 12);
    w.u16(static_cast<uint16_t>(c.width));
    w.u16(static_cast<uint16_t>(c.height));
    w.u32(0x00480000);  // 72 dpi
    w.u32(0x00480000);
    w.u32(0);
    w.u16(1);     // frame_count
    w.zeros(32);  // compressorname
    w.u16(0x0018);
    w.u16(0xffff);  // pre_defined = -1
    w.begin("avcC");
    w.bytes(c.avcc);
    w.end();
    w.end();
  });
  return out;
}

std::vector<uint8_t> audio_init_segment(const AudioConfig& c) {
  std::vector<uint8_t> out;
  BoxWriter w(out);
  ftyp(w);
  moov(w, Kind::audio, c.sample_rate, 0, 0, [&](BoxWriter& w) {
    w.begin("mp4a");
    w.zeros(6);
    w.u16(1);
    w.zeros(8);
    w.u16(c.channels);
    w.u16(16);  // samplesize
    w.zeros(4);
    // 16.16; rates above 65535 Hz do not fit and the decoder reads the real one from the ASC.
    w.u32(c.sample_rate <= 0xffff ? c.sample_rate << 16 : 0);

    // esds: ES_Descriptor > DecoderConfigDescriptor (> DecoderSpecificInfo = the ASC), SLConfig.
    const size_t dsi = descriptor_size(c.audio_specific_config.size());
    const size_t dcd = descriptor_size(13 + dsi);
    const size_t sl = descriptor_size(1);
    w.begin_full("esds", 0, 0);
    w.u8(0x03);
    descriptor_length(w, 3 + dcd + sl);
    w.u16(static_cast<uint16_t>(kTrackId));  // ES_ID
    w.u8(0);                                 // no stream dependence, URL or OCR
    w.u8(0x04);
    descriptor_length(w, 13 + dsi);
    w.u8(0x40);  // objectTypeIndication: MPEG-4 Audio
    w.u8(0x15);  // streamType 5 (audio) << 2 | reserved 1
    w.u24(0);    // bufferSizeDB
    w.u32(c.avg_bitrate);  // maxBitrate
    w.u32(c.avg_bitrate);  // avgBitrate
    w.u8(0x05);
    descriptor_length(w, c.audio_specific_config.size());
    w.bytes(c.audio_specific_config);
    w.u8(0x06);
    descriptor_length(w, 1);
    w.u8(0x02);  // predefined: MP4
    w.end();
    w.end();
  });
  return out;
}

void segment_type(std::vector<uint8_t>& out) {
  BoxWriter w(out);
  // styp: what a DASH media segment announces (ISO/IEC 23009-1 6.3.4.2).
  w.begin("styp");
  w.fourcc("msdh");
  w.u32(0);
  w.fourcc("msdh");
  w.fourcc("msix");
  w.end();
}

namespace {

// moof + the mdat header, appended to `out`.
bool append_chunk(std::vector<uint8_t>& out, uint32_t sequence_number, uint64_t base_decode_time,
                  std::span<const FragmentSample> samples, bool video) {
  uint64_t payload = 0;
  for (const auto& s : samples) payload += s.size;
  if (payload + 8 > UINT32_MAX) return false;

  BoxWriter w(out);
  const size_t moof_start = w.size();
  w.begin("moof");
  w.begin_full("mfhd", 0, 0);
  w.u32(sequence_number);
  w.end();
  w.begin("traf");
  w.begin_full("tfhd", 0, 0x020000);  // default-base-is-moof: data offsets count from moof
  w.u32(kTrackId);
  w.end();
  w.begin_full("tfdt", 1, 0);
  w.u64(base_decode_time);
  w.end();
  // data-offset, per-sample duration and size; video adds per-sample flags and composition
  // offsets, signed in version 1 (B-frames without an edit list).
  const uint32_t flags = video ? 0x000f01 : 0x000301;
  w.begin_full("trun", video ? 1 : 0, flags);
  w.u32(static_cast<uint32_t>(samples.size()));
  const size_t data_offset_at = w.size();
  w.u32(0);
  for (const auto& s : samples) {
    w.u32(s.duration);
    w.u32(s.size);
    if (video) {
      // sample_depends_on 2 (an I frame) / 1 plus is_non_sync_sample for the rest.
      w.u32(s.sync ? 0x02000000 : 0x01010000);
      w.u32(static_cast<uint32_t>(s.composition_offset));
    }
  }
  w.end();  // trun
  w.end();  // traf
  w.end();  // moof
  const size_t moof_size = w.size() - moof_start;
  w.patch_u32(data_offset_at, static_cast<uint32_t>(moof_size + 8));
  w.u32(static_cast<uint32_t>(payload + 8));
  w.fourcc("mdat");
  return true;
}

}  // namespace

bool fragment_header(std::vector<uint8_t>& out, uint32_t sequence_number, uint64_t base_decode_time,
                     std::span<const FragmentSample> samples, bool video) {
  out.clear();
  segment_type(out);
  return append_chunk(out, sequence_number, base_decode_time, samples, video);
}

bool chunk_header(std::vector<uint8_t>& out, uint32_t sequence_number, uint64_t base_decode_time,
                  std::span<const FragmentSample> samples, bool video) {
  out.clear();
  return append_chunk(out, sequence_number, base_decode_time, samples, video);
}

}  // namespace kek::dash
