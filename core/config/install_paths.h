// Where this kek finds what it did not get from its config: plugins, pipeline templates, the
// web UI, and the default config file. A kek run from its build tree uses the source and build
// folders; an installed kek uses the folders `meson install` put things in, found relative to
// its own executable (so a --destdir copy, or a moved prefix, works as well as /usr).
#pragma once

#include <string>

namespace kek::core {

struct InstallPaths {
  bool build_tree = false;  // this executable lives in the build folder
  std::string plugin_dir;   // build/plugins, or PREFIX/LIBDIR/kek/plugins
  std::string template_dir; // SOURCE/pipelines, or PREFIX/DATADIR/kek/pipelines
  std::string webui_dir;    // SOURCE/webui/dist, or PREFIX/DATADIR/kek/webui
  std::string config_file;  // "" in the build tree, else SYSCONFDIR/kek/kek.yaml
};

// exe: the running executable's path ("" reads /proc/self/exe).
InstallPaths install_paths(const std::string& exe = "");

}  // namespace kek::core
