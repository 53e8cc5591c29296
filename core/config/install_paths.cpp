#include "config/install_paths.h"

#include <glib.h>

namespace kek::core {

namespace {

std::string executable_path() {
  g_autofree char* link = g_file_read_link("/proc/self/exe", nullptr);
  return link ? link : "";
}

// PREFIX/<rel>, or rel itself when the build was configured with an absolute folder.
std::string under(const std::string& prefix, const char* rel) {
  if (g_path_is_absolute(rel)) return rel;
  return prefix + "/" + rel;
}

}  // namespace

InstallPaths install_paths(const std::string& exe_in) {
  const std::string exe = exe_in.empty() ? executable_path() : exe_in;
  InstallPaths p;
  const std::string build_root = KEK_BUILD_ROOT;
  p.build_tree = exe.empty() || exe.starts_with(build_root + "/");
  if (p.build_tree) {
    const char* source_dir = g_getenv("KEK_SOURCE_DIR");
    const std::string src = source_dir && *source_dir ? source_dir : KEK_SOURCE_DIR;
    p.plugin_dir = KEK_PLUGIN_BUILD_DIR;
    p.template_dir = src + "/pipelines";
    p.webui_dir = src + "/webui/dist";
    return p;
  }
  // EXE = PREFIX/BINDIR/kek: the prefix is BINDIR's levels up from the executable's folder.
  g_autofree char* dir = g_path_get_dirname(exe.c_str());
  std::string prefix = dir;
  if (!g_path_is_absolute(KEK_REL_BINDIR)) {
    g_auto(GStrv) levels = g_strsplit(KEK_REL_BINDIR, "/", -1);
    for (char** l = levels; *l; ++l) {
      if (!**l) continue;
      g_autofree char* up = g_path_get_dirname(prefix.c_str());
      prefix = up;
    }
  } else {
    prefix = KEK_PREFIX;
  }
  p.plugin_dir = under(prefix, KEK_REL_LIBDIR "/kek/plugins");
  p.template_dir = under(prefix, KEK_REL_DATADIR "/kek/pipelines");
  p.webui_dir = under(prefix, KEK_REL_DATADIR "/kek/webui");
  p.config_file = std::string(KEK_SYSCONFDIR) + "/kek/kek.yaml";
  return p;
}

}  // namespace kek::core
