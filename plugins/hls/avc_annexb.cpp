#include "avc_annexb.h"

#include <algorithm>

namespace kek::hls {

namespace {

constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
constexpr uint8_t kNalIdr = 5, kNalSps = 7, kNalAud = 9;

void append_nal(std::vector<uint8_t>& out, std::span<const uint8_t> nal) {
  out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
  out.insert(out.end(), nal.begin(), nal.end());
}

}  // namespace

bool AvcToAnnexB::configure(std::span<const uint8_t> avcc) {
  reset();
  // configurationVersion 1, profile, compatibility, level, 6 bits reserved + lengthSizeMinusOne,
  // 3 bits reserved + numOfSequenceParameterSets, then the SPS, numOfPictureParameterSets, the PPS.
  if (avcc.size() < 7 || avcc[0] != 1) return false;
  const int length_size = (avcc[4] & 0x03) + 1;
  if (length_size == 3) return false;
  std::vector<uint8_t> sets;
  size_t pos = 5;
  for (int list = 0; list < 2; ++list) {
    if (pos >= avcc.size()) return false;
    const int count = list == 0 ? (avcc[pos] & 0x1f) : avcc[pos];
    ++pos;
    for (int i = 0; i < count; ++i) {
      if (pos + 2 > avcc.size()) return false;
      const size_t size = (size_t{avcc[pos]} << 8) | avcc[pos + 1];
      pos += 2;
      if (size == 0 || pos + size > avcc.size()) return false;
      append_nal(sets, avcc.subspan(pos, size));
      pos += size;
    }
  }
  length_size_ = length_size;
  parameter_sets_ = std::move(sets);
  return true;
}

std::optional<AvcToAnnexB::Layout> AvcToAnnexB::measure(std::span<const uint8_t> au) const {
  if (!configured()) return std::nullopt;
  const auto n = static_cast<size_t>(length_size_);
  // The units' bounds, and whether the parameter sets must go in front.
  bool idr = false, has_sps = false;
  size_t payload = 0, nals = 0;
  for (size_t pos = 0; pos < au.size();) {
    if (au.size() - pos < n) return std::nullopt;
    size_t size = 0;
    for (size_t i = 0; i < n; ++i) size = (size << 8) | au[pos + i];
    pos += n;
    if (size > au.size() - pos) return std::nullopt;
    if (size > 0) {
      const uint8_t type = au[pos] & 0x1f;
      idr = idr || type == kNalIdr;
      has_sps = has_sps || type == kNalSps;
      ++nals;
      payload += size;
    }
    pos += size;
  }
  Layout layout;
  layout.sets_first = idr && !has_sps;
  layout.size = payload + nals * sizeof kStartCode + (layout.sets_first ? parameter_sets_.size() : 0);
  return layout;
}

void AvcToAnnexB::write_into(std::span<const uint8_t> au, const Layout& layout, std::span<uint8_t> out) const {
  if (out.size() != layout.size) return;
  const auto n = static_cast<size_t>(length_size_);
  uint8_t* at = out.data();
  // The sets go first, or right after an access unit delimiter (which must lead the unit).
  bool sets_pending = layout.sets_first;
  for (size_t pos = 0; pos < au.size();) {
    size_t size = 0;
    for (size_t i = 0; i < n; ++i) size = (size << 8) | au[pos + i];
    pos += n;
    if (size > 0) {
      const bool aud = (au[pos] & 0x1f) == kNalAud;
      if (sets_pending && !aud) {
        at = std::copy(parameter_sets_.begin(), parameter_sets_.end(), at);
        sets_pending = false;
      }
      at = std::copy(std::begin(kStartCode), std::end(kStartCode), at);
      at = std::copy_n(au.data() + pos, size, at);
    }
    pos += size;
  }
}

bool AvcToAnnexB::convert(std::span<const uint8_t> au, std::vector<uint8_t>& out) const {
  const auto layout = measure(au);
  if (!layout) return false;
  const size_t start = out.size();
  out.resize(start + layout->size);
  write_into(au, *layout, std::span<uint8_t>(out).subspan(start));
  return true;
}

}  // namespace kek::hls
