// The processes a test starts (kek serve, a publisher) die with the test process, however it
// ends: a test binary killed with SIGKILL in the middle of a test leaves nothing running, and a
// kek started from a thread that has ended since keeps serving until the test stops it.
#include "support/http_client.h"
#include "support/kek_process.h"
#include "support/wait.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <sstream>
#include <thread>

using namespace kek::test;

namespace {

// A process that is neither gone nor a zombie (one killed whose new parent has not reaped it).
bool alive(int pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  size_t end = stat.rfind(')');
  if (end == std::string::npos || end + 2 >= stat.size()) return false;
  char state = stat[end + 2];
  return state != 'Z' && state != 'X';
}

std::string self_exe() {
  g_autofree char* path = g_file_read_link("/proc/self/exe", nullptr);
  return path ? path : "";
}

}  // namespace

// Not run by itself: the test below starts this binary with only it, then kills that process.
TEST(ChildLifetime, DISABLED_HoldsAServerAndAPublisherUntilKilled) {
  std::unique_ptr<KekProcess> kek;
  std::thread([&] { kek = std::make_unique<KekProcess>(); }).join();
  ASSERT_TRUE(kek->ready()) << kek->output();
  BackgroundProcess sleeper({"sleep", "300"});
  ASSERT_TRUE(sleeper.started());
  EXPECT_EQ(kek->wait_exit(1000), -1) << "kek outlives the thread that started it: " << kek->output();
  EXPECT_EQ(http_get(kek->http_url(), "/api/health").status, 200) << kek->output();
  std::printf("HELD kek=%d sleep=%d dir=%s\n", kek->pid(), sleeper.pid(), kek->data_dir().c_str());
  std::fflush(stdout);
  g_usleep(300 * G_USEC_PER_SEC);
}

TEST(ChildLifetime, ATestProcessKilledMidTestLeavesNoKekBehind) {
  BackgroundProcess held({self_exe(), "--gtest_also_run_disabled_tests",
                          "--gtest_filter=ChildLifetime.DISABLED_HoldsAServerAndAPublisherUntilKilled"});
  std::string line;
  ASSERT_TRUE(wait_for([&] {
    std::string out = held.output();
    size_t at = out.find("HELD ");
    if (at == std::string::npos || out.find('\n', at) == std::string::npos) return !held.running();
    line = out.substr(at, out.find('\n', at) - at);
    return true;
  }, 60000)) << held.output();
  ASSERT_FALSE(line.empty()) << "the holding test failed or ended early: " << held.output();
  int kek_pid = 0, sleep_pid = 0;
  char dir[4096] = {0};
  ASSERT_EQ(std::sscanf(line.c_str(), "HELD kek=%d sleep=%d dir=%4095s", &kek_pid, &sleep_pid, dir), 3) << line;
  const std::string data_dir = dir;
  ASSERT_TRUE(alive(kek_pid)) << line;
  ASSERT_TRUE(alive(sleep_pid)) << line;
  ASSERT_NE(read_file("/proc/" + std::to_string(kek_pid) + "/cmdline").find("serve"), std::string::npos);

  held.kill_now(SIGKILL);  // no destructor, no atexit handler runs in it
  EXPECT_EQ(held.wait(10000), 128 + SIGKILL);
  EXPECT_TRUE(wait_for([&] { return !alive(kek_pid); }, 10000)) << "kek " << kek_pid << " is still running";
  EXPECT_TRUE(wait_for([&] { return !alive(sleep_pid); }, 10000)) << "the publisher " << sleep_pid << " is still running";
  if (alive(kek_pid)) kill(kek_pid, SIGKILL);
  if (alive(sleep_pid)) kill(sleep_pid, SIGKILL);
  if (data_dir.find("/kek-it-") != std::string::npos) remove_tree(data_dir);  // its destructor never ran
}
