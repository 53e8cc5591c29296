#include "backup/files.h"

#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace kek::core::backup {

namespace {

Error io_error(const std::string& what, const std::string& path) {
  return Error{what + " " + path + ": " + g_strerror(errno), 500};
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

Result<CopiedFile> stream_file(const std::string& src, int out_fd) {
  Fd in{g_open(src.c_str(), O_RDONLY | O_CLOEXEC, 0)};
  if (in.fd < 0) return io_error("cannot open", src);
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  std::vector<char> buf(1 << 20);
  CopiedFile out;
  for (;;) {
    ssize_t n = read(in.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", src);
    if (n == 0) break;
    g_checksum_update(sum, reinterpret_cast<const guchar*>(buf.data()), n);
    out.size += n;
    for (ssize_t done = 0; out_fd >= 0 && done < n;) {
      ssize_t w = write(out_fd, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Error{std::string("cannot write a copy of ") + src + ": " + g_strerror(errno), 500};
      done += w;
    }
  }
  out.sha256 = g_checksum_get_string(sum);
  return out;
}

}  // namespace

Result<CopiedFile> hash_file(const std::string& path) { return stream_file(path, -1); }

Result<CopiedFile> copy_file_hashed(const std::string& src, const std::string& dst, int mode) {
  g_autofree char* dir = g_path_get_dirname(dst.c_str());
  if (g_mkdir_with_parents(dir, 0750) != 0) return io_error("cannot create", dir);
  const std::string partial = dst + ".partial";
  Fd out{g_open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)};
  if (out.fd < 0) return io_error("cannot create", partial);
  auto copied = stream_file(src, out.fd);
  if (copied && fsync(out.fd) != 0) copied = io_error("cannot flush", partial);
  close(out.fd);
  out.fd = -1;
  if (!copied || g_rename(partial.c_str(), dst.c_str()) != 0) {
    g_unlink(partial.c_str());
    if (!copied) return copied.error();
    return io_error("cannot rename to", dst);
  }
  return copied;
}

Status walk_files(const std::string& root, const std::function<Status(const std::string& rel)>& fn,
                  const std::string& rel) {
  const std::string here = rel.empty() ? root : root + "/" + rel;
  GError* error = nullptr;
  GDir* dir = g_dir_open(here.c_str(), 0, &error);
  if (!dir) {
    Error e{std::string("cannot list ") + here + ": " + error->message, 500};
    g_error_free(error);
    return e;
  }
  std::vector<std::string> names;
  while (const char* name = g_dir_read_name(dir)) names.emplace_back(name);
  g_dir_close(dir);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const std::string child_rel = rel.empty() ? name : rel + "/" + name;
    const std::string child = root + "/" + child_rel;
    GStatBuf st;
    if (g_lstat(child.c_str(), &st) != 0) continue;  // gone meanwhile (a live segment rotated out)
    if (S_ISDIR(st.st_mode)) {
      if (auto s = walk_files(root, fn, child_rel); !s) return s;
    } else if (S_ISREG(st.st_mode)) {
      if (auto s = fn(child_rel); !s) return s;
    }
  }
  return {};
}

bool empty_or_missing(const std::string& path) {
  if (!g_file_test(path.c_str(), G_FILE_TEST_EXISTS)) return true;
  GDir* dir = g_dir_open(path.c_str(), 0, nullptr);
  if (!dir) return false;
  const bool empty = g_dir_read_name(dir) == nullptr;
  g_dir_close(dir);
  return empty;
}

}  // namespace kek::core::backup
