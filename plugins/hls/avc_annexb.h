// H.264 as flvdemux and qtdemux give it (stream-format=avc: NAL units behind 1-4 byte length
// prefixes, the SPS and PPS in the caps' avcC) turned into what MPEG-TS carries (Annex B: start
// codes, the parameter sets in the stream before each IDR). kekhlssink does this itself so that a
// passthrough stream from RTMP needs no h264parse in front of it (one parser and its NAL tables
// less per stream, and one element fewer that every frame goes through).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace kek::hls {

class AvcToAnnexB {
 public:
  // From an avcC (AVCDecoderConfigurationRecord); false, and nothing kept, if it does not parse.
  bool configure(std::span<const uint8_t> avcc);
  bool configured() const { return length_size_ != 0; }
  void reset() { length_size_ = 0, parameter_sets_.clear(); }

  // One access unit appended to `out` as Annex B (4-byte start codes), with the avcC's SPS and
  // PPS in front of an IDR slice when the unit carries no SPS of its own. false (`out` as it was)
  // when a length prefix runs past the unit's end.
  bool convert(std::span<const uint8_t> au, std::vector<uint8_t>& out) const;

  // The same in two steps, for writing straight into a buffer of the right size: measure() reads
  // the unit's length prefixes once (nullopt when they run past its end or nothing is
  // configured), write_into() fills `out` of exactly layout.size from them.
  struct Layout {
    size_t size = 0;          // of the Annex B output
    bool sets_first = false;  // the avcC's SPS/PPS go in front
  };
  std::optional<Layout> measure(std::span<const uint8_t> au) const;
  void write_into(std::span<const uint8_t> au, const Layout& layout, std::span<uint8_t> out) const;

 private:
  int length_size_ = 0;                  // 1, 2 or 4 (0: not configured)
  std::vector<uint8_t> parameter_sets_;  // every SPS then every PPS, each behind a start code
};

}  // namespace kek::hls
