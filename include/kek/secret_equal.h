// Comparing secrets (stream keys, tokens) in time that does not depend on where they differ, so
// a client timing its refusals learns nothing about how much of a guess was right.
#pragma once

#include <cstddef>
#include <string_view>

namespace kek {

// True when a and b are equal. Reads every byte of the longer one whatever the contents; only
// the lengths' difference shows (they are not secret: any key's length is in the docs).
inline bool secret_equal(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  // volatile: the compiler may not turn the loop back into an early-exit comparison.
  volatile unsigned char result = diff;
  return result == 0;
}

}  // namespace kek
