#include "handshake.h"

#include <algorithm>
#include <string>

namespace kek::rtmp {

namespace {

// splitmix64: a tiny, well-mixed generator for S1's filler bytes. S1 randomness is not a
// security property of plain RTMP (everything is cleartext); it only has to look like noise.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

ServerHandshake::ServerHandshake(std::uint64_t random_seed, std::uint32_t uptime_ms)
    : random_state_(random_seed), uptime_ms_(uptime_ms) {}

Result<std::size_t> ServerHandshake::feed(std::span<const std::uint8_t> input,
                                          std::vector<std::uint8_t>& out) {
  std::size_t used = 0;
  if (stage_ == Stage::failed) return Status::failure("RTMP handshake already failed");

  if (stage_ == Stage::waiting_for_c0c1 && used < input.size()) {
    if (c0c1_received_ == 0 && input[0] != kVersion) {
      stage_ = Stage::failed;
      // 0x06 is RTMPE; 'G'/'P'/'H' is someone speaking HTTP to the RTMP port; 0x16 is TLS.
      std::string hint;
      if (input[0] == 0x06 || input[0] == 0x08) hint = " (encrypted RTMPE is not supported)";
      else if (input[0] == 0x16) hint = " (looks like TLS: use rtmp://, or put a TLS proxy in front)";
      else if (input[0] == 'G' || input[0] == 'P' || input[0] == 'H') hint = " (looks like HTTP)";
      return Status::failure("RTMP handshake: unsupported version byte " +
                             std::to_string(input[0]) + " in C0, expected 3" + hint);
    }
    std::size_t take = std::min(c0c1_.size() - c0c1_received_, input.size() - used);
    std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(used), take,
                c0c1_.begin() + static_cast<std::ptrdiff_t>(c0c1_received_));
    c0c1_received_ += take;
    used += take;
    if (c0c1_received_ == c0c1_.size()) {
      send_s0s1s2(out);
      stage_ = Stage::waiting_for_c2;
    }
  }

  if (stage_ == Stage::waiting_for_c2 && used < input.size()) {
    // C2 should echo S1, but clients differ in what they put in it (time fields, or a digest
    // response); nobody relies on the server checking it, so we only count its bytes.
    std::size_t take = std::min(kPacketSize - c2_received_, input.size() - used);
    c2_received_ += take;
    used += take;
    if (c2_received_ == kPacketSize) stage_ = Stage::done;
  }
  return used;
}

void ServerHandshake::send_s0s1s2(std::vector<std::uint8_t>& out) const {
  out.reserve(out.size() + 1 + 2 * kPacketSize);
  out.push_back(kVersion);

  // S1: time, four zero bytes (version 0 = "no digest" to clients that look), random filler.
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(uptime_ms_ >> shift));
  out.insert(out.end(), 4, 0);
  std::uint64_t state = random_state_;
  for (std::size_t i = 8; i < kPacketSize; i += 8) {
    std::uint64_t r = next_random(state);
    for (int b = 0; b < 8; ++b) out.push_back(static_cast<std::uint8_t>(r >> (8 * b)));
  }

  // S2: C1 echoed unchanged, which is what every client we serve checks (if anything).
  out.insert(out.end(), c0c1_.begin() + 1, c0c1_.end());
}

}  // namespace kek::rtmp
