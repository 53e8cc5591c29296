// The sd_notify protocol without libsystemd: one datagram per state change to $NOTIFY_SOCKET
// (Type=notify units): READY=1 once serving, RELOADING=1/READY=1 around SIGHUP, STOPPING=1 when
// stopping, and WATCHDOG=1 from the main loop at half of $WATCHDOG_USEC, so a main loop that
// stops turning gets the service restarted. Without $NOTIFY_SOCKET every call does nothing.
#pragma once

#include <glib.h>

#include <string>

namespace kek::core {

class SystemdNotifier {
 public:
  SystemdNotifier();
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  bool active() const { return !socket_path_.empty(); }
  // Sends "STATE\n..." lines, e.g. "READY=1\nSTATUS=serving on http://127.0.0.1:8080/".
  bool notify(const std::string& state);
  // Starts pinging WATCHDOG=1 on the thread-default main context when systemd asked for it.
  void start_watchdog();

 private:
  std::string socket_path_;
  int fd_ = -1;
  guint watchdog_source_ = 0;
};

}  // namespace kek::core
