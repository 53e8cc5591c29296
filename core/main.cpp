// kek: one process that ingests, packages and serves video. See core/cli/cli.cpp for commands.
#include "cli/cli.h"
#include "log/log_writer.h"

#include <gst/gst.h>

#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  // Every line logged from here on, GStreamer's start included, goes through the one writer;
  // run_cli settles the format (--log-format, then the config's log.format).
  kek::core::log::install(kek::core::log::Format::text);
  gst_init(nullptr, nullptr);
  int rc = kek::core::run_cli(args);
  return rc;
}
