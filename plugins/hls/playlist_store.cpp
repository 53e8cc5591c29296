#include "playlist_store.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <kek/atomic_file.h>
#include <unistd.h>

#include <cerrno>

namespace kek::hls {

std::optional<std::string> FilePlaylistStore::replace(const std::string& path, std::string_view text) {
  // No fsync: a playlist lost in a crash is written again at the next segment, and an fsync per
  // write would wait for the disk on the thread that pushes this stream (and others).
  if (int err = replace_file_atomically(path, text.data(), text.size()); err != 0)
    return std::string(g_strerror(err));
  return std::nullopt;
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
