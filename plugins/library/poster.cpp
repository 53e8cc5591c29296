#include "poster.h"

#include <glib.h>
#include <glib/gstdio.h>

namespace kek::library {

Status write_poster(const std::string& jpeg, const std::string& out_path) {
  g_autofree char* dir = g_path_get_dirname(out_path.c_str());
  g_mkdir_with_parents(dir, 0755);
  GError* error = nullptr;
  if (!g_file_set_contents(out_path.c_str(), jpeg.data(), static_cast<gssize>(jpeg.size()), &error)) {
    Error e{std::string("poster: ") + error->message, 500};
    g_clear_error(&error);
    return e;
  }
  return {};
}

}  // namespace kek::library
