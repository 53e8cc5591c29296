#define G_LOG_DOMAIN "kek"
#include "host/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace kek::core {

SystemdNotifier::SystemdNotifier() {
  const char* path = g_getenv("NOTIFY_SOCKET");
  if (!path || (path[0] != '/' && path[0] != '@') || std::strlen(path) >= sizeof(sockaddr_un::sun_path)) return;
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  socket_path_ = path;
}

SystemdNotifier::~SystemdNotifier() {
  if (watchdog_source_) g_source_remove(watchdog_source_);
  if (fd_ >= 0) close(fd_);
}

bool SystemdNotifier::notify(const std::string& state) {
  if (!active()) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // an abstract socket
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
  ssize_t n = sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&addr), len);
  if (n < 0) g_debug("sd_notify to %s failed: %s", socket_path_.c_str(), g_strerror(errno));
  return n == static_cast<ssize_t>(state.size());
}

void SystemdNotifier::start_watchdog() {
  if (!active() || watchdog_source_) return;
  const char* usec_text = g_getenv("WATCHDOG_USEC");
  if (!usec_text) return;
  // WATCHDOG_PID, when set, names the process the watchdog is meant for.
  if (const char* pid = g_getenv("WATCHDOG_PID"); pid && std::strtoll(pid, nullptr, 10) != getpid()) return;
  const long long usec = std::strtoll(usec_text, nullptr, 10);
  if (usec <= 0) return;
  const guint interval_ms = static_cast<guint>(std::max<long long>(usec / 2000, 1));
  watchdog_source_ = g_timeout_add(interval_ms, [](gpointer self) -> gboolean {
    static_cast<SystemdNotifier*>(self)->notify("WATCHDOG=1");
    return G_SOURCE_CONTINUE;
  }, this);
  notify("WATCHDOG=1");
}

}  // namespace kek::core
