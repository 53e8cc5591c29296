// Import folders against a real `kek serve`: files there become the folder owner's items, read in
// place, with sidecar subtitles; the file monitor notices a new file, a moved one (same item) and
// a removed one; a deleted item's file is not imported again; `kek library scan` works offline.
#include "library_test_support.h"

#include <glib/gstdio.h>

#include <map>

using namespace kek::library::test;

namespace {

class LibraryFolders : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    films_ = dir_ + "/films";
    ASSERT_EQ(g_mkdir_with_parents(films_.c_str(), 0755), 0);
  }
  void TearDown() override { remove_tree(dir_); }

  KekOptions options(const std::string& extra = "") {
    return library_options("folders: [{path: " + films_ + ", owner: admin}], scan_interval_s: 0" + extra);
  }

  // Items of the admin, by title -> id.
  std::map<std::string, std::string> titles(Browser& admin) {
    std::map<std::string, std::string> out;
    const std::string body = admin.get("/api/library/items?owner=me&limit=100").body;
    for (int i = 0;; ++i) {
      auto id = json_field(body, "items." + std::to_string(i) + ".id");
      if (!id) break;
      out[*json_field(body, "items." + std::to_string(i) + ".title")] = *id;
    }
    return out;
  }

  std::string dir_, films_;
};

TEST_F(LibraryFolders, NewMovedAndRemovedFilesAreNoticed) {
  const std::string film = make_film(films_, "Film_One.mp4");
  ASSERT_TRUE(g_file_set_contents((films_ + "/Film_One.en.srt").c_str(), "1\n00:00:00,000 --> 00:00:01,000\nHello\n", -1,
                                  nullptr));
  ASSERT_TRUE(g_file_set_contents((films_ + "/notes.txt").c_str(), "not a film", -1, nullptr));
  KekProcess kek(options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);

  std::string first;
  ASSERT_TRUE(wait_for([&] { return !(first = titles(admin)["Film One"]).empty(); }, 20000)) << kek.output();
  ASSERT_TRUE(wait_probed(admin, first)) << item_json(admin, first);
  std::string item = item_json(admin, first);
  EXPECT_EQ(json_field(item, "owner.username"), std::optional<std::string>("admin")) << item;
  EXPECT_EQ(json_field(item, "origin"), std::optional<std::string>("import")) << item;
  EXPECT_EQ(json_field(item, "subtitles.0.language"), std::optional<std::string>("en")) << item;
  EXPECT_EQ(json_field(item, "source.width"), std::optional<std::string>("320")) << item;
  EXPECT_EQ(titles(admin).size(), 1u) << "notes.txt is not media";
  // In place: nothing was copied into the library's folder.
  EXPECT_FALSE(g_file_test((kek.media_dir() + "/vod/" + first + "/source").c_str(), G_FILE_TEST_EXISTS));

  // A new file, seen by the monitor.
  make_film(dir_, "Second.mkv");
  ASSERT_EQ(g_rename((dir_ + "/Second.mkv").c_str(), (films_ + "/Second.mkv").c_str()), 0);
  std::string second;
  ASSERT_TRUE(wait_for([&] { return !(second = titles(admin)["Second"]).empty(); }, 20000)) << kek.output();

  // Moved into a new subfolder and renamed: the same item.
  ASSERT_EQ(g_mkdir((films_ + "/archive").c_str(), 0755), 0);
  ASSERT_EQ(g_rename((films_ + "/Film_One.mp4").c_str(), (films_ + "/archive/Film One (1999).mp4").c_str()), 0);
  ASSERT_TRUE(wait_for(
      [&] {
        return json_field(item_json(admin, first), "source.filename") == std::optional<std::string>("Film One (1999).mp4");
      },
      20000))
      << item_json(admin, first) << kek.output();
  EXPECT_EQ(json_field(item_json(admin, first), "title"), std::optional<std::string>("Film One")) << "the item kept its title";

  // Removed: its item goes.
  ASSERT_EQ(g_unlink((films_ + "/Second.mkv").c_str()), 0);
  ASSERT_TRUE(wait_for([&] { return admin.get("/api/library/items/" + second).status == 404; }, 20000)) << kek.output();
  EXPECT_EQ(admin.get("/api/library/items/" + first).status, 200);

  // Deleting an imported item keeps the admin's file, and the scans leave it alone.
  ASSERT_EQ(admin.request("DELETE", "/api/library/items/" + first).status, 204);
  EXPECT_TRUE(g_file_test((films_ + "/archive/Film One (1999).mp4").c_str(), G_FILE_TEST_EXISTS));
  make_film(films_, "Third.mp4", 1);
  ASSERT_TRUE(wait_for([&] { return !titles(admin)["Third"].empty(); }, 20000)) << kek.output();
  EXPECT_TRUE(titles(admin)["Film One"].empty()) << "a deleted import came back";
}

// copy: true (a folder on a disk that may go away): the library keeps a copy of its own, made
// before the probe, and the folder's file is left as it was.
TEST_F(LibraryFolders, ACopyFolderIsCopiedIntoTheLibraryAndItsFileLeftAlone) {
  const std::string film = make_film(films_, "Borrowed.mp4");
  KekProcess kek(library_options("folders: [{path: " + films_ + ", owner: admin, copy: true}], scan_interval_s: 0"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  std::string id;
  ASSERT_TRUE(wait_for([&] { return !(id = titles(admin)["Borrowed"]).empty(); }, 20000)) << kek.output();
  ASSERT_TRUE(wait_probed(admin, id)) << item_json(admin, id);
  const std::string item = item_json(admin, id);
  EXPECT_EQ(json_field(item, "source.width"), std::optional<std::string>("320")) << item;
  const std::string copy = kek.media_dir() + "/vod/" + id + "/source/original.mp4";
  EXPECT_EQ(sha256_of(read_file(copy)), sha256_of(film)) << "the library's copy is the file, byte for byte";
  EXPECT_EQ(sha256_of(read_file(films_ + "/Borrowed.mp4")), sha256_of(film)) << "the folder's file is untouched";
  ASSERT_TRUE(wait_for([&] { return json_field(item_json(admin, id), "status") == std::optional<std::string>("ready"); }, 90000))
      << item_json(admin, id) << kek.output();
}

TEST_F(LibraryFolders, OfflineScanCommandAddsAndReports) {
  make_film(films_, "Offline.mp4", 1);
  std::string config;
  {
    KekProcess kek(options());
    ASSERT_TRUE(kek.ready()) << kek.output();
    config = kek.config_path();
    Browser admin(kek.http_url());
    ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
    ASSERT_TRUE(wait_for([&] { return !titles(admin)["Offline"].empty(); }, 20000));
    kek.stop();
    make_film(films_, "Later.mp4", 1);
    auto [status, output] = run_command({KEK_EXE, "library", "scan", "--config", config},
                                        60000, {"KEK_ADMIN_PASSWORD=correct-horse-battery"});
    EXPECT_EQ(status, 0) << output;
    EXPECT_NE(output.find("added: " + films_ + "/Later.mp4"), std::string::npos) << output;
    EXPECT_NE(output.find("1 added, 0 moved, 0 changed, 0 removed, 1 unchanged"), std::string::npos) << output;
  }
}

}  // namespace
