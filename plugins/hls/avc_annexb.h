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
  void reset() { length_size_ = 0, parameter_sets_.clear(), first_sps_at_ = first_sps_size_ = 0; }

  // Whether an access unit's length prefixes hold together, and the size of its Annex B, without
  // converting it (nullopt when a prefix runs past the unit's end or nothing is configured).
  std::optional<size_t> measure(std::span<const uint8_t> au) const;

  // One access unit as Annex B (4-byte start codes), with the avcC's SPS and PPS in front of an
  // IDR slice (after its delimiter, if it leads with one) when the unit carries no SPS of its
  // own, as pieces appended to `out`: they point into `au`, into this converter's parameter sets
  // and at a static start code, for a writer that gathers them (the TS writer cuts them into
  // packets, so the frame is copied once, into its packets). Valid while `au` and this converter
  // are. false (`out` as it was) when a length prefix runs past the unit's end.
  using Pieces = std::vector<std::span<const uint8_t>>;
  bool pieces(std::span<const uint8_t> au, Pieces& out) const;

  // The SPS the Annex B of `au` leads with: the unit's own, else, for an IDR, the avcC's first;
  // empty if neither (or the unit does not parse). No copy: it points into `au` or into this.
  std::span<const uint8_t> sps(std::span<const uint8_t> au) const;

 private:
  // Calls fn(type, nal) for each non-empty NAL unit of `au` until it returns false; false if a
  // length prefix runs past the unit's end (before fn stopped).
  template <typename Fn>
  bool for_each_nal(std::span<const uint8_t> au, Fn&& fn) const;

  int length_size_ = 0;                  // 1, 2 or 4 (0: not configured)
  std::vector<uint8_t> parameter_sets_;  // every SPS then every PPS, each behind a start code
  size_t first_sps_at_ = 0, first_sps_size_ = 0;  // the avcC's first SPS in parameter_sets_ (size 0: none)
};

}  // namespace kek::hls
