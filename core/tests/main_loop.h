// Runs the default main context until a condition holds or a time bound passes.
#pragma once

#include <glib.h>

#include <functional>

namespace kek::test {

inline bool run_until(const std::function<bool()>& done, int timeout_ms) {
  const int64_t deadline = g_get_monotonic_time() + int64_t{timeout_ms} * 1000;
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(2000);
  }
  return true;
}

}  // namespace kek::test
