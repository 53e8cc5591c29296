// Type=notify as systemd sees it: a datagram socket in $NOTIFY_SOCKET receives READY=1 once kek
// serves, WATCHDOG=1 at half of $WATCHDOG_USEC, RELOADING=1 then READY=1 around SIGHUP, and
// STOPPING=1 on SIGTERM.
#include "support/kek_process.h"
#include "support/wait.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

using namespace kek::test;

namespace {

struct NotifySocket {
  std::string dir = make_temp_dir();
  std::string path = dir + "/notify";
  int fd = -1;
  std::string received;
  NotifySocket() {
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ADD_FAILURE() << "bind " << path;
  }
  ~NotifySocket() {
    close(fd);
    remove_tree(dir);
  }
  // Everything received so far, one datagram per line.
  const std::string& drain() {
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      received.append(buf, static_cast<size_t>(n));
      received += '\n';
    }
    return received;
  }
  size_t count(const std::string& what) {
    drain();
    size_t n = 0;
    for (size_t at = received.find(what); at != std::string::npos; at = received.find(what, at + 1)) ++n;
    return n;
  }
};

}  // namespace

TEST(SystemdNotify, ReadyWatchdogReloadAndStopping) {
  NotifySocket sd;
  KekOptions o;
  o.env = {"NOTIFY_SOCKET=" + sd.path, "WATCHDOG_USEC=200000"};
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();
  ASSERT_TRUE(wait_for([&] { return sd.count("READY=1") == 1; }, 5000)) << sd.drain();
  EXPECT_NE(sd.received.find("STATUS=serving on " + kek.http_url()), std::string::npos) << sd.received;
  ASSERT_TRUE(wait_for([&] { return sd.count("WATCHDOG=1") >= 5; }, 10000)) << "pings every 100 ms: " << sd.drain();
  kek.signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] { return sd.count("RELOADING=1") == 1 && sd.count("READY=1") == 2; }, 10000)) << sd.drain();
  EXPECT_LT(sd.received.find("RELOADING=1"), sd.received.rfind("READY=1"));
  EXPECT_EQ(kek.stop(), 0) << kek.output();
  EXPECT_EQ(sd.count("STOPPING=1"), 1u) << sd.drain();
}

TEST(SystemdNotify, NothingIsSentWithoutNotifySocket) {
  KekProcess kek;  // no NOTIFY_SOCKET: starts and stops as before
  ASSERT_TRUE(kek.ready()) << kek.output();
  EXPECT_EQ(kek.stop(), 0);
}
