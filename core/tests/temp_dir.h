// A temporary folder removed with everything in it when the test ends.
#pragma once

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>

#include <string>

namespace kek::test {

class TempDir {
 public:
  TempDir() {
    g_autofree char* d = g_dir_make_tmp("kek-test-XXXXXX", nullptr);
    path_ = d;
  }
  ~TempDir() { remove_tree(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  static void remove_tree(const std::string& path) {
    if (g_file_test(path.c_str(), G_FILE_TEST_IS_DIR) && !g_file_test(path.c_str(), G_FILE_TEST_IS_SYMLINK)) {
      if (GDir* d = g_dir_open(path.c_str(), 0, nullptr)) {
        while (const char* name = g_dir_read_name(d)) remove_tree(path + "/" + name);
        g_dir_close(d);
      }
    }
    g_remove(path.c_str());
  }

 private:
  std::string path_;
};

}  // namespace kek::test
