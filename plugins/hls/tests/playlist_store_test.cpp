// FilePlaylistStore on a real folder: a playlist replaced whole (a reader sees the old text or the
// new one), no temporary file left beside it, a reason when it cannot be written, sizes and
// deletes of segments.
#include "playlist_store.h"

#include "support/wait.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using kek::hls::FilePlaylistStore;
using kek::test::read_file;

namespace {

class PlaylistStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char* made = g_dir_make_tmp("kek-playlist-store-XXXXXX", nullptr);
    ASSERT_NE(made, nullptr);
    dir = made;
    g_free(made);
  }
  void TearDown() override {
    for (const auto& name : names()) g_remove((dir + "/" + name).c_str());
    g_rmdir(dir.c_str());
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    GDir* d = g_dir_open(dir.c_str(), 0, nullptr);
    if (!d) return out;
    while (const char* n = g_dir_read_name(d)) out.emplace_back(n);
    g_dir_close(d);
    return out;
  }
  std::string dir;
  FilePlaylistStore store;
};

}  // namespace

TEST_F(PlaylistStoreTest, ReplacesThePlaylistWholeAndLeavesNoTemporaryFile) {
  const std::string path = dir + "/index.m3u8";
  EXPECT_FALSE(store.replace(path, "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:1\n").has_value());
  EXPECT_EQ(read_file(path), "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:1\n");
  EXPECT_FALSE(store.replace(path, "#EXTM3U\n").has_value()) << "a shorter text replaces a longer one";
  EXPECT_EQ(read_file(path), "#EXTM3U\n");
  EXPECT_EQ(names(), std::vector<std::string>{"index.m3u8"});
  GStatBuf st;
  ASSERT_EQ(g_stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u & ~[] { mode_t m = umask(0); umask(m); return m; }());
}

TEST_F(PlaylistStoreTest, AFolderThatIsGoneGivesTheSystemsReason) {
  auto why = store.replace(dir + "/gone/index.m3u8", "#EXTM3U\n");
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, g_strerror(ENOENT));
  EXPECT_TRUE(names().empty());
}

TEST_F(PlaylistStoreTest, SizesAndDeletesSegments) {
  const std::string segment = dir + "/0-00001.ts";
  ASSERT_TRUE(g_file_set_contents(segment.c_str(), std::string(188 * 3, 'G').c_str(), 188 * 3, nullptr));
  EXPECT_EQ(store.size(segment), 188u * 3);
  EXPECT_EQ(store.size(dir + "/missing.ts"), 0u);
  store.remove(segment);
  store.remove(segment);  // already gone: no error
  EXPECT_TRUE(names().empty());
}
