// The kek command line: serve, config check, pipelines list/show, launch, and the commands
// plugins add (kek users ...).
#pragma once

#include <string>
#include <vector>

namespace kek::core {

// Returns the process exit code: 0 ok, 1 runtime failure, 2 bad usage or bad config.
int run_cli(const std::vector<std::string>& args);

}  // namespace kek::core
