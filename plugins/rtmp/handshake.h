// Server side of the RTMP handshake (spec section 5.2): C0+C1 in, S0+S1+S2 out, C2 in.
//
// We answer with the "simple" handshake: S1 carries zeros in its version field and S2 echoes
// C1 byte for byte. Clients that open with the Flash-style digest C1 (ffmpeg, librtmp/OBS) look
// at the server's version field and skip digest verification when it is zero; GStreamer's
// rtmp2sink only checks that S2 echoes its C1 random bytes. nginx-rtmp and SRS fall back to the
// same answer for clients that send a plain C1. The digest handshake is only needed for Flash
// Player playback of protected streams, which an ingest server never sees.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "result.h"

namespace kek::rtmp {

class ServerHandshake {
 public:
  static constexpr std::size_t kPacketSize = 1536;  // C1, C2, S1, S2
  static constexpr std::uint8_t kVersion = 3;       // C0/S0: plain RTMP

  enum class Stage { waiting_for_c0c1, waiting_for_c2, done, failed };

  // `random_seed` fills S1's random part (pass something unpredictable per connection; tests
  // pass a constant). `uptime_ms` goes into S1's time field.
  explicit ServerHandshake(std::uint64_t random_seed, std::uint32_t uptime_ms = 0);

  // Consumes handshake bytes from `input` and appends S0+S1+S2 to `out` once C0+C1 are
  // complete. Returns how many bytes of `input` belonged to the handshake: the rest (the first
  // chunks, which clients may send in the same segment as C2) goes to the chunk reader. A
  // failure means the peer is not speaking RTMP; close the connection.
  Result<std::size_t> feed(std::span<const std::uint8_t> input, std::vector<std::uint8_t>& out);

  Stage stage() const { return stage_; }
  bool done() const { return stage_ == Stage::done; }

 private:
  void send_s0s1s2(std::vector<std::uint8_t>& out) const;

  Stage stage_ = Stage::waiting_for_c0c1;
  std::uint64_t random_state_;
  std::uint32_t uptime_ms_;
  // C0+C1 as received so far (C1 is echoed as S2), then C2 progress.
  std::array<std::uint8_t, 1 + kPacketSize> c0c1_{};
  std::size_t c0c1_received_ = 0;
  std::size_t c2_received_ = 0;
};

}  // namespace kek::rtmp
