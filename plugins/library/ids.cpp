#include "ids.h"

#include <kek/random.h>

#include <stdexcept>
#include <vector>

namespace kek::library {

std::string random_id(size_t bytes) {
  std::string id = random_token(bytes);
  if (id.empty()) throw std::runtime_error("getrandom failed");
  return id;
}

bool is_valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace kek::library
