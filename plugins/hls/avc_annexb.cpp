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
  size_t sps_at = 0, sps_size = 0;
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
      if (list == 0 && i == 0) {
        sps_at = sets.size() + sizeof kStartCode;
        sps_size = size;
      }
      append_nal(sets, avcc.subspan(pos, size));
      pos += size;
    }
  }
  length_size_ = length_size;
  parameter_sets_ = std::move(sets);
  first_sps_at_ = sps_at;
  first_sps_size_ = sps_size;
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

bool AvcToAnnexB::pieces(std::span<const uint8_t> au, Pieces& out) const {
  if (!configured()) return false;
  const auto n = static_cast<size_t>(length_size_);
  const size_t start = out.size();
  size_t sets_at = start;  // where the sets would go: first, or after a leading delimiter
  bool idr = false, has_sps = false, leading = true;
  for (size_t pos = 0; pos < au.size();) {
    size_t size = 0;
    if (au.size() - pos >= n)
      for (size_t i = 0; i < n; ++i) size = (size << 8) | au[pos + i];
    if (au.size() - pos < n || size > au.size() - pos - n) {
      out.resize(start);
      return false;
    }
    pos += n;
    if (size > 0) {
      const uint8_t type = au[pos] & 0x1f;
      idr = idr || type == kNalIdr;
      has_sps = has_sps || type == kNalSps;
      out.emplace_back(kStartCode, sizeof kStartCode);
      out.push_back(au.subspan(pos, size));
      if (leading && type == kNalAud) sets_at = out.size();
      leading = false;
    }
    pos += size;
  }
  if (idr && !has_sps && !parameter_sets_.empty())
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(sets_at), std::span<const uint8_t>(parameter_sets_));
  return true;
}

std::span<const uint8_t> AvcToAnnexB::sps(std::span<const uint8_t> au) const {
  if (!configured()) return {};
  const auto n = static_cast<size_t>(length_size_);
  bool idr = false;
  for (size_t pos = 0; pos < au.size();) {
    if (au.size() - pos < n) return {};
    size_t size = 0;
    for (size_t i = 0; i < n; ++i) size = (size << 8) | au[pos + i];
    pos += n;
    if (size > au.size() - pos) return {};
    if (size > 0) {
      const uint8_t type = au[pos] & 0x1f;
      if (type == kNalSps) return au.subspan(pos, size);
      idr = idr || type == kNalIdr;
    }
    pos += size;
  }
  return idr ? std::span<const uint8_t>(parameter_sets_).subspan(first_sps_at_, first_sps_size_) : std::span<const uint8_t>();
}

}  // namespace kek::hls
