// A tiny filesystem for a disk-full test, in the kek process's own mount namespace (nothing is
// mounted on the host, nothing is left behind if the test dies): `unshare -m` as root, else
// `unshare -rm` (an unprivileged user namespace). Where neither can mount a tmpfs, the test
// binary exits 77, which meson counts as SKIP (visibly: a GTEST_SKIP would count as a pass).
#pragma once

#include "support/kek_process.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace kek::test {

// KekOptions::wrapper that runs kek with a tmpfs of `size` ("200k", "1m") mounted at
// `mount_point` (created if missing). Exits the test binary with 77 when no way works here.
inline std::vector<std::string> small_disk_wrapper(const std::string& mount_point, const std::string& size) {
  const std::string script = "mkdir -p \"$0\" && mount -t tmpfs -o size=" + size + " tmpfs \"$0\" && exec \"$@\"";
  std::string why;
  for (const char* flags : {"-m", "-rm"}) {
    std::vector<std::string> wrapper = {"unshare", flags, "sh", "-c", script, mount_point};
    std::vector<std::string> probe = wrapper;
    probe.push_back("true");
    auto [rc, out] = run_command(probe, 10000);
    if (rc == 0) return wrapper;
    why += std::string(" unshare ") + flags + ": " + out;
  }
  std::printf("SKIP: cannot mount a small tmpfs in a mount namespace here:%s\n", why.c_str());
  std::fflush(stdout);
  std::exit(77);
}

}  // namespace kek::test
