// Small helpers every integration test needs: bounded waiting and reading files kek wrote.
#pragma once

#include <glib.h>

#include <functional>
#include <string>

namespace kek::test {

// Polls done() until it holds or timeout_ms passes; false on timeout.
inline bool wait_for(const std::function<bool()>& done, int timeout_ms) {
  const int64_t deadline = g_get_monotonic_time() + int64_t{timeout_ms} * 1000;
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    g_usleep(50000);
  }
  return true;
}

// The whole file, or "" when it is not there (yet).
inline std::string read_file(const std::string& path) {
  g_autofree char* text = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &text, &len, nullptr)) return "";
  return std::string(text, len);
}

}  // namespace kek::test
