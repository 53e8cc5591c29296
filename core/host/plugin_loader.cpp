#define G_LOG_DOMAIN "kek-host"
#include "host/plugin_loader.h"

#include <gst/gst.h>

#include <cstddef>

namespace kek::core {

Result<std::string> find_plugin_file(const std::vector<std::string>& dirs, const std::string& name) {
  const std::string file = "libkek" + name + ".so";
  std::string looked;
  for (const auto& dir : dirs) {
    for (const std::string& candidate : {dir + "/" + file, dir + "/" + name + "/" + file}) {
      if (g_file_test(candidate.c_str(), G_FILE_TEST_IS_REGULAR)) return candidate;
      looked += (looked.empty() ? "" : ", ") + candidate;
    }
  }
  return Error{"plugin '" + name + "' not found (looked for " + looked + ")", 404};
}

Result<LoadedPlugin> open_plugin(const std::string& path, const std::string& expected_name) {
  auto refuse = [&](const std::string& why) { return Error{"plugin " + path + " refused: " + why, 400}; };
  for (char ch : expected_name)
    if (!g_ascii_isalnum(ch) && ch != '_') return refuse("plugin names use letters, digits and _");

  // The kek side first: a file without our entry symbol is not ours, whatever else it is.
  GModule* module = g_module_open(path.c_str(), G_MODULE_BIND_LOCAL);
  if (!module) return refuse(std::string("cannot open: ") + g_module_error());
  gpointer symbol = nullptr;
  if (!g_module_symbol(module, KEK_PLUGIN_ENTRY_SYMBOL, &symbol) || !symbol) {
    g_module_close(module);
    return refuse("no " KEK_PLUGIN_ENTRY_SYMBOL " symbol (is it a kek plugin?)");
  }
  const KekPluginDescriptor* d = reinterpret_cast<KekPluginEntryFunc>(symbol)();
  auto fail = [&](const std::string& why) {
    g_module_close(module);
    return refuse(why);
  };
  if (!d) return fail(KEK_PLUGIN_ENTRY_SYMBOL " returned no descriptor");
  if (d->abi_major != KEK_ABI_MAJOR)
    return fail("built for kek plugin ABI " + std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor) +
                ", this kek speaks ABI " + std::to_string(KEK_ABI_MAJOR) + "." + std::to_string(KEK_ABI_MINOR) +
                " (rebuild the plugin against this kek)");
  // Only read what the plugin's own struct covers.
  if (d->struct_size < offsetof(KekPluginDescriptor, init) + sizeof(d->init))
    return fail("descriptor too small (" + std::to_string(d->struct_size) + " bytes)");
  if (!d->name || expected_name != d->name)
    return fail(std::string("descriptor names plugin '") + (d->name ? d->name : "") + "', the file is for '" +
                expected_name + "'");
  if (!d->init) return fail("descriptor has no init function");

  // The GStreamer side: registers its elements so pipelines (and gst-inspect) can use them.
  GError* err = nullptr;
  GstPlugin* gst_plugin = gst_plugin_load_file(path.c_str(), &err);
  if (!gst_plugin) {
    std::string why = std::string("not a GStreamer plugin: ") + (err ? err->message : "unknown error");
    g_clear_error(&err);
    return fail(why);
  }
  const std::string gst_name = gst_plugin_get_name(gst_plugin);
  gst_object_unref(gst_plugin);
  if (gst_name != "kek" + expected_name)
    return fail("its GStreamer plugin is named '" + gst_name + "', expected 'kek" + expected_name + "'");

  LoadedPlugin p;
  p.name = d->name;
  p.path = path;
  p.version = d->version ? d->version : "";
  p.description = d->description ? d->description : "";
  p.descriptor = d;
  p.module = module;
  g_module_make_resident(module);
  return p;
}

}  // namespace kek::core
