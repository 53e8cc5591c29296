// The one C entry a kek plugin exports. Plain C at the boundary (a version-first table the host
// checks before touching anything else), C++ inside.
//
//   static kek::Status init(kek::Host& host) { host.http().route(...); return {}; }
//   KEK_PLUGIN(hello, "0.1.0", "Says hello", init)
//
// and, in the same file or another, GST_PLUGIN_DEFINE(..., kekhello, ...) for its elements.
#pragma once

#include <stddef.h>
#include <stdint.h>

// GST_PLUGIN_DEFINE names the plugin's package with PACKAGE: a plugin built out of tree that
// defines none (no config.h) gets "kek", as the plugins in KEK's tree do.
#ifndef PACKAGE
#define PACKAGE "kek"
#endif

#define KEK_ABI_MAJOR 1
#define KEK_ABI_MINOR 2
#define KEK_PLUGIN_ENTRY_SYMBOL "kek_plugin_entry"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct KekPluginDescriptor {
  uint32_t abi_major;    // must equal the host's KEK_ABI_MAJOR
  uint32_t abi_minor;    // the host reads only fields this minor (and struct_size) cover
  uint32_t struct_size;  // sizeof(KekPluginDescriptor) as the plugin was built
  const char* name;      // "hls": the library is libkekhls.so, the GStreamer plugin "kekhls"
  const char* version;
  const char* description;
  // host is a kek::Host* for abi_major 1. Returns 0 on success; on failure writes a message.
  int (*init)(void* host, char* error, size_t error_size);
} KekPluginDescriptor;

typedef const KekPluginDescriptor* (*KekPluginEntryFunc)(void);

#ifdef __cplusplus
}

#include <kek/host.h>

#include <gmodule.h>

#include <cstdio>
#include <exception>

namespace kek::detail {
inline int call_plugin_init(Status (*fn)(Host&), void* host, char* error, size_t size) {
  try {
    Status s = fn(*static_cast<Host*>(host));
    if (s.ok()) return 0;
    std::snprintf(error, size, "%s", s.error().message.c_str());
  } catch (const std::exception& e) {  // exceptions never cross the C boundary
    std::snprintf(error, size, "exception: %s", e.what());
  } catch (...) {
    std::snprintf(error, size, "unknown exception");
  }
  return 1;
}
}  // namespace kek::detail

#define KEK_PLUGIN(NAME, VERSION, DESCRIPTION, INIT_FN)                                   \
  static int kek_plugin_init_c_(void* host, char* error, size_t size) {                   \
    return ::kek::detail::call_plugin_init(INIT_FN, host, error, size);                   \
  }                                                                                       \
  extern "C" G_MODULE_EXPORT const KekPluginDescriptor* kek_plugin_entry(void) {          \
    static const KekPluginDescriptor descriptor = {                                       \
        KEK_ABI_MAJOR, KEK_ABI_MINOR, sizeof(KekPluginDescriptor), #NAME, VERSION,        \
        DESCRIPTION, kek_plugin_init_c_};                                                 \
    return &descriptor;                                                                   \
  }
#endif
