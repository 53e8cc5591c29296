#include "avatars.h"

#include <glib.h>
#include <glib/gstdio.h>

namespace kek::auth {

Status store_avatar(const std::string& media_dir, int64_t user_id, int64_t version, const AvatarImages& images) {
  const std::string dir = media_dir + "/avatars/" + std::to_string(user_id);
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0)
    return Error{"cannot create " + dir + ": " + g_strerror(errno), 500};
  const std::string prefix = std::to_string(version) + "-";
  const std::pair<int, const std::string*> files[] = {{kAvatarLargeSize, &images.large_jpeg},
                                                      {kAvatarSmallSize, &images.small_jpeg}};
  for (const auto& [size, data] : files) {
    const std::string path = dir + "/" + prefix + std::to_string(size) + ".jpg";
    GError* error = nullptr;
    if (!g_file_set_contents_full(path.c_str(), data->data(), static_cast<gssize>(data->size()),
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error)) {
      Error e{"cannot write " + path + ": " + error->message, 500};
      g_clear_error(&error);
      return e;
    }
  }
  // Older versions are no longer linked from anywhere.
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    while (const char* name = g_dir_read_name(d))
      if (!g_str_has_prefix(name, prefix.c_str())) g_remove((dir + "/" + name).c_str());
    g_dir_close(d);
  }
  return {};
}

void remove_avatars(const std::string& media_dir, int64_t user_id) {
  const std::string dir = media_dir + "/avatars/" + std::to_string(user_id);
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    while (const char* name = g_dir_read_name(d)) g_remove((dir + "/" + name).c_str());
    g_dir_close(d);
  }
  g_rmdir(dir.c_str());
}

}  // namespace kek::auth
