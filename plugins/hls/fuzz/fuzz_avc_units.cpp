// Fuzz target: what a publisher controls of a passthrough stream's H.264 and AAC, as kekhlssink
// reads it: the avcC from the caps, the access units (length-prefixed NAL units), the AAC
// AudioSpecificConfig. Input: one byte N, N bytes of avcC, the rest an access unit (and the
// first bytes of it an AudioSpecificConfig). Besides "never crash", checks that the converter
// agrees with itself: measure() accepts exactly what pieces() accepts, with the same size; the
// SPS it names lies inside the unit or its own parameter sets; the TS written from the pieces is
// whole 188-byte packets.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "avc_annexb.h"
#include "ts_writer.h"

namespace {

bool inside(std::span<const std::uint8_t> part, const std::uint8_t* begin, const std::uint8_t* end) {
  return part.empty() || (part.data() >= begin && part.data() + part.size() <= end);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kek::hls;
  if (size < 1) return 0;
  const std::size_t n = std::min<std::size_t>(data[0], size - 1);
  const std::span<const std::uint8_t> avcc(data + 1, n), au(data + 1 + n, size - 1 - n);

  if (auto aac = aac_config_from_asc(au)) {
    if (aac->frequency_index < 0 || aac->frequency_index > 15) std::abort();
    (void)aac_frame_duration_ns(*aac);
  }

  AvcToAnnexB c;
  const bool configured = c.configure(avcc);
  if (configured != c.configured()) std::abort();
  const auto measured = c.measure(au);
  AvcToAnnexB::Pieces pieces;
  const bool ok = c.pieces(au, pieces);
  if (ok != measured.has_value()) std::abort();
  if (!ok) {
    if (!pieces.empty()) std::abort();  // left as it was
    return 0;
  }
  std::size_t total = 0;
  for (const auto& p : pieces) total += p.size();
  if (total != *measured) std::abort();

  const auto sps = c.sps(au);
  if (!sps.empty() && !inside(sps, au.data(), au.data() + au.size())) {
    // Not the unit's own: it must be a whole NAL unit of the avcC's sets, an SPS.
    if ((sps[0] & 0x1f) != 7) std::abort();
  }

  TsWriter w;
  std::vector<std::uint8_t> out;
  w.write_video(out, pieces, ts_time(0), ts_time(0), true);
  if (out.size() % 188 != 0) std::abort();
  for (std::size_t at = 0; at < out.size(); at += 188)
    if (out[at] != 0x47) std::abort();
  return 0;
}
