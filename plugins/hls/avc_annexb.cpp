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
      if (list == 0 && sps_size == 0 && (avcc[pos] & 0x1f) == kNalSps) {  // the first real SPS
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

template <typename Fn>
bool AvcToAnnexB::for_each_nal(std::span<const uint8_t> au, Fn&& fn) const {
  const auto n = static_cast<size_t>(length_size_);
  for (size_t pos = 0; pos < au.size();) {
    if (au.size() - pos < n) return false;
    size_t size = 0;
    for (size_t i = 0; i < n; ++i) size = (size << 8) | au[pos + i];
    pos += n;
    if (size > au.size() - pos) return false;
    if (size > 0 && !fn(static_cast<uint8_t>(au[pos] & 0x1f), au.subspan(pos, size))) return true;
    pos += size;
  }
  return true;
}

std::optional<size_t> AvcToAnnexB::measure(std::span<const uint8_t> au) const {
  if (!configured()) return std::nullopt;
  // The units' sizes, and whether the parameter sets go in front.
  bool idr = false, has_sps = false;
  size_t payload = 0, nals = 0;
  const bool ok = for_each_nal(au, [&](uint8_t type, std::span<const uint8_t> nal) {
    idr = idr || type == kNalIdr;
    has_sps = has_sps || type == kNalSps;
    ++nals;
    payload += nal.size();
    return true;
  });
  if (!ok) return std::nullopt;
  const bool sets_first = idr && !has_sps;
  return payload + nals * sizeof kStartCode + (sets_first ? parameter_sets_.size() : 0);
}

bool AvcToAnnexB::pieces(std::span<const uint8_t> au, Pieces& out) const {
  if (!configured()) return false;
  const size_t start = out.size();
  size_t sets_at = start;  // where the sets would go: first, or after a leading delimiter
  bool idr = false, has_sps = false, leading = true;
  const bool ok = for_each_nal(au, [&](uint8_t type, std::span<const uint8_t> nal) {
    idr = idr || type == kNalIdr;
    has_sps = has_sps || type == kNalSps;
    out.emplace_back(kStartCode, sizeof kStartCode);
    out.push_back(nal);
    if (leading && type == kNalAud) sets_at = out.size();
    leading = false;
    return true;
  });
  if (!ok) {
    out.resize(start);
    return false;
  }
  if (idr && !has_sps && !parameter_sets_.empty())
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(sets_at), std::span<const uint8_t>(parameter_sets_));
  return true;
}

std::span<const uint8_t> AvcToAnnexB::sps(std::span<const uint8_t> au) const {
  if (!configured()) return {};
  bool idr = false;
  std::span<const uint8_t> own;
  const bool ok = for_each_nal(au, [&](uint8_t type, std::span<const uint8_t> nal) {
    if (type == kNalSps) own = nal;
    idr = idr || type == kNalIdr;
    return own.empty();  // stop at the unit's own SPS
  });
  if (!ok) return {};
  if (!own.empty()) return own;
  return idr ? std::span<const uint8_t>(parameter_sets_).subspan(first_sps_at_, first_sps_size_) : std::span<const uint8_t>();
}

}  // namespace kek::hls
