#include "playlist_store.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include <cerrno>

namespace kek::hls {

std::optional<std::string> FilePlaylistStore::replace(const std::string& path, std::string_view text) {
  g_autoptr(GError) error = nullptr;
  if (g_file_set_contents_full(path.c_str(), text.data(), static_cast<gssize>(text.size()),
                               G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
    return std::nullopt;
  return std::string(error->message);
}

uint64_t FilePlaylistStore::size(const std::string& path) const {
  GStatBuf st;
  return g_stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

void FilePlaylistStore::remove(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return;
  if (warn_) warn_("could not delete " + path + ": " + g_strerror(errno));
}

}  // namespace kek::hls
