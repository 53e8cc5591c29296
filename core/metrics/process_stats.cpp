#include "metrics/process_stats.h"

#include <glib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace kek::core::metrics {

namespace {

// Seconds since boot -> unix time, for starttime (which is in clock ticks since boot).
double boot_time_s() {
  g_autofree char* text = nullptr;
  if (!g_file_get_contents("/proc/stat", &text, nullptr, nullptr)) return 0;
  const char* btime = std::strstr(text, "\nbtime ");
  return btime ? std::strtod(btime + 7, nullptr) : 0;
}

}  // namespace

std::optional<ProcessStats> read_process_stats() {
  g_autofree char* stat = nullptr;
  if (!g_file_get_contents("/proc/self/stat", &stat, nullptr, nullptr)) return std::nullopt;
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const char* p = std::strrchr(stat, ')');
  if (!p) return std::nullopt;
  unsigned long utime = 0, stime = 0, vsize = 0;
  long threads = 0, rss_pages = 0;
  unsigned long long starttime = 0;
  // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime
  // cstime priority nice num_threads itrealvalue starttime vsize rss
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %ld %*d %llu %lu %ld",
                  &utime, &stime, &threads, &starttime, &vsize, &rss_pages) != 6)
    return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcessStats s;
  s.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  s.resident_bytes = static_cast<int64_t>(rss_pages) * sysconf(_SC_PAGESIZE);
  s.virtual_bytes = static_cast<int64_t>(vsize);
  s.threads = static_cast<int>(threads);
  s.start_time_s = boot_time_s() + static_cast<double>(starttime) / ticks;
  if (GDir* fds = g_dir_open("/proc/self/fd", 0, nullptr)) {
    while (g_dir_read_name(fds)) ++s.open_fds;
    g_dir_close(fds);
  }
  return s;
}

}  // namespace kek::core::metrics
