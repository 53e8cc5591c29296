// kek: one process that ingests, packages and serves video. See core/cli/cli.cpp for commands.
#include "cli/cli.h"

#include <gst/gst.h>

#include <string>
#include <vector>

int main(int argc, char** argv) {
  gst_init(nullptr, nullptr);
  std::vector<std::string> args(argv, argv + argc);
  int rc = kek::core::run_cli(args);
  return rc;
}
