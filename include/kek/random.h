// Unguessable tokens from the kernel's CSPRNG (getrandom), for ids that grant something to
// whoever knows them: unlisted items, upload ids, calendar feed secrets. Header-only.
#pragma once

#include <sys/random.h>

#include <cerrno>
#include <string>
#include <vector>

namespace kek {

// `bytes` random bytes as URL-safe base64 without padding (12 bytes: 16 characters of
// [A-Za-z0-9_-]); "" if the kernel gave none (practically never: callers treat it as a 500).
inline std::string random_token(size_t bytes = 12) {
  std::vector<unsigned char> raw(bytes);
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    got += static_cast<size_t>(n);
  }
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned int acc = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

}  // namespace kek
