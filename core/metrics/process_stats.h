// This process's CPU time, resident memory and thread count, from /proc/self (procfs: no disk
// I/O, cheap enough for the main loop every few seconds).
#pragma once

#include <cstdint>
#include <optional>

namespace kek::core::metrics {

struct ProcessStats {
  double cpu_seconds = 0;      // user + system
  int64_t resident_bytes = 0;
  int64_t virtual_bytes = 0;
  int threads = 0;
  int open_fds = 0;
  double start_time_s = 0;     // unix time the process started
};

std::optional<ProcessStats> read_process_stats();

}  // namespace kek::core::metrics
