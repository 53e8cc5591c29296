// Finds and opens kek plugins: one shared object each, both a GStreamer plugin (its elements
// registered with GStreamer) and a kek plugin (the versioned kek_plugin_entry descriptor).
#pragma once

#include <kek/error.h>
#include <kek/plugin.h>

#include <gmodule.h>

#include <string>
#include <vector>

namespace kek::core {

struct LoadedPlugin {
  std::string name;
  std::string path;
  std::string version;
  std::string description;
  const KekPluginDescriptor* descriptor = nullptr;
  GModule* module = nullptr;  // kept open for the life of the process
};

// libkek<name>.so in dir, or in dir/<name>/ (the build tree's layout).
Result<std::string> find_plugin_file(const std::vector<std::string>& dirs, const std::string& name);

// Opens the file, registers its GStreamer side, checks the descriptor (ABI major, struct size,
// name matching the file). Errors name the path and the reason.
Result<LoadedPlugin> open_plugin(const std::string& path, const std::string& expected_name);

}  // namespace kek::core
