// tus uploads against a real `kek serve` (auth + library): an upload cut off mid-PATCH resumes
// from HEAD's offset and ends byte-identical; limits, quota, offsets and concurrent PATCHes get
// their clear refusals; the stored item is probed (a film, a non-media file, a truncated MP4).
#include "library_test_support.h"

#include <glib/gstdio.h>

#include <csignal>

using namespace kek::library::test;

namespace {

class LibraryUploads : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  std::string dir_;
};

TEST_F(LibraryUploads, CutOffUploadResumesAndEndsByteIdentical) {
  KekProcess kek(library_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  const std::string film = make_film(dir_, "film.mp4");
  ASSERT_GT(film.size(), 20000u);
  Browser anna(kek.http_url());
  ASSERT_EQ(anna.register_user("anna", "a-long-secret-phrase").status, 201);

  // A name with quotes, spaces, "..", a slash and Unicode: metadata only.
  const std::string name = "My \"best\" ../film Ünïcødé 🎬.mp4";
  auto created = tus_create(anna, static_cast<int64_t>(film.size()), {{"filename", name}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string location = created.header("location");
  ASSERT_EQ(location.rfind("/api/uploads/", 0), 0u) << location;
  EXPECT_FALSE(created.header("upload-expires").empty());
  EXPECT_EQ(created.header("tus-resumable"), "1.0.0");

  // The first PATCH dies a third of the way in: the bytes that arrived are kept.
  const size_t third = film.size() / 3;
  tus_patch_cut(kek.http_url(), anna, location, 0, static_cast<int64_t>(film.size()), film.substr(0, third));
  int64_t offset = 0;
  ASSERT_TRUE(wait_for(
      [&] {
        auto head = tus_head(anna, location);
        offset = head.status == 200 ? std::stoll(head.header("upload-offset")) : -1;
        return offset > 0;
      },
      10000));
  EXPECT_LE(offset, static_cast<int64_t>(third));
  EXPECT_EQ(tus_head(anna, location).header("upload-length"), std::to_string(film.size()));
  EXPECT_EQ(tus_head(anna, location).header("cache-control"), "no-store");

  // A client that lost track sends the wrong offset: 409 and the right one.
  auto wrong = tus_patch(anna, location, 0, film.substr(0, 10));
  EXPECT_EQ(wrong.status, 409) << wrong.body;
  EXPECT_EQ(wrong.header("upload-offset"), std::to_string(offset));

  // Resume in two PATCHes; the last one names the item.
  const size_t middle = static_cast<size_t>(offset) + (film.size() - static_cast<size_t>(offset)) / 2;
  auto part = tus_patch(anna, location, offset, film.substr(static_cast<size_t>(offset), middle - static_cast<size_t>(offset)));
  ASSERT_EQ(part.status, 204) << part.body;
  EXPECT_EQ(part.header("upload-offset"), std::to_string(middle));
  EXPECT_TRUE(part.header("kek-library-item").empty());
  auto last = tus_patch(anna, location, static_cast<int64_t>(middle), film.substr(middle));
  ASSERT_EQ(last.status, 204) << last.body;
  const std::string id = last.header("kek-library-item");
  ASSERT_FALSE(id.empty()) << "the completing PATCH names the item";

  // Stored under the id, byte-identical, the name only in the metadata.
  const std::string stored = read_file(kek.media_dir() + "/vod/" + id + "/source/original.mp4");
  EXPECT_EQ(sha256_of(stored), sha256_of(film));
  EXPECT_EQ(tus_head(anna, location).status, 410) << "a complete upload is not resumed again";

  ASSERT_TRUE(wait_probed(anna, id)) << item_json(anna, id) << kek.output();
  const std::string item = item_json(anna, id);
  // The title is the name's last part without its extension (a name with a slash is a path).
  EXPECT_EQ(json_field(item, "title"), std::optional<std::string>("film Ünïcødé 🎬")) << item;
  EXPECT_EQ(json_field(item, "source.filename"), std::optional<std::string>(name)) << item;
  EXPECT_EQ(json_field(item, "source.width"), std::optional<std::string>("320")) << item;
  EXPECT_EQ(json_field(item, "source.height"), std::optional<std::string>("180")) << item;
  EXPECT_EQ(json_field(item, "source.video_codec"), std::optional<std::string>("h264")) << item;
  EXPECT_EQ(json_field(item, "source.audio_codec"), std::optional<std::string>("aac")) << item;
  EXPECT_EQ(json_field(item, "source.container"), std::optional<std::string>("mp4")) << item;
  EXPECT_EQ(json_field(item, "has_video"), std::optional<std::string>("true")) << item;
  EXPECT_EQ(json_field(item, "owner.username"), std::optional<std::string>("anna")) << item;
  EXPECT_EQ(json_field(item, "audio.0.codec"), std::optional<std::string>("aac")) << item;
}

TEST_F(LibraryUploads, AKekKilledMidPatchResumesFromTheBytesItRecordedAndEndsByteIdentical) {
  const std::string data = make_temp_dir();
  KekOptions options = library_options();
  options.data_dir = data;
  // 6 MiB of varied bytes: one PATCH of several 1 MiB blocks.
  std::string bytes(6 * 1024 * 1024, '\0');
  g_autoptr(GRand) rand = g_rand_new_with_seed(10);
  for (char& c : bytes) c = static_cast<char>(g_rand_int(rand) & 0xff);
  // first stays in scope while second runs: a KekProcess removes its data folder when it goes.
  KekProcess first(options);
  std::string location;
  {
    ASSERT_TRUE(first.ready()) << first.output();
    Browser fay(first.http_url());
    ASSERT_EQ(fay.register_user("fay", "a-long-secret-phrase").status, 201);
    auto created = tus_create(fay, static_cast<int64_t>(bytes.size()), {{"filename", "big.bin"}});
    ASSERT_EQ(created.status, 201) << created.body;
    location = created.header("location");
    // One PATCH announcing the whole file; half of it is sent and the connection stays open.
    const size_t sent = bytes.size() / 2 + 1000;
    GSocketConnection* open = tus_patch_cut(first.http_url(), fay, location, 0, static_cast<int64_t>(bytes.size()),
                                            bytes.substr(0, sent), /*keep_open=*/true);
    ASSERT_NE(open, nullptr);
    // While that PATCH runs, the server has already recorded blocks of it.
    int64_t recorded = 0;
    EXPECT_TRUE(wait_for(
        [&] {
          auto head = tus_head(fay, location);
          recorded = head.status == 200 ? std::stoll(head.header("upload-offset")) : -1;
          return recorded >= 1024 * 1024;
        },
        15000))
        << "the offset during the PATCH: " << recorded;
    first.signal(SIGKILL);
    first.wait_exit(10000);
    g_object_unref(open);
  }
  KekProcess second(options);
  ASSERT_TRUE(second.ready()) << second.output();
  Browser fay(second.http_url());
  ASSERT_EQ(fay.login("fay", "a-long-secret-phrase").status, 200);
  auto head = tus_head(fay, location);
  ASSERT_EQ(head.status, 200) << head.body;
  const int64_t offset = std::stoll(head.header("upload-offset"));
  EXPECT_GE(offset, 1024 * 1024) << "the killed PATCH's recorded bytes are kept";
  EXPECT_LE(offset, static_cast<int64_t>(bytes.size() / 2 + 1000));
  auto rest = tus_patch(fay, location, offset, bytes.substr(static_cast<size_t>(offset)));
  ASSERT_EQ(rest.status, 204) << rest.body;
  const std::string id = rest.header("kek-library-item");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(sha256_of(read_file(second.media_dir() + "/vod/" + id + "/source/original.bin")), sha256_of(bytes));
}

TEST_F(LibraryUploads, RefusalsSayWhyAndLoseNothing) {
  KekProcess kek(library_options("max_file_bytes: 300000, quota_bytes: 500000"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser anonymous(kek.http_url());
  EXPECT_EQ(tus_create(anonymous, 1000, {{"filename", "a.mp4"}}).status, 401);
  Browser bob(kek.http_url());
  ASSERT_EQ(bob.register_user("bob", "a-long-secret-phrase").status, 201);

  auto options = bob.request("OPTIONS", "/api/uploads/");
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("tus-version"), "1.0.0");
  EXPECT_NE(options.header("tus-extension").find("termination"), std::string::npos);
  EXPECT_EQ(options.header("tus-max-size"), "300000");

  auto no_version = bob.request("POST", "/api/uploads/", "", {{"Upload-Length", "10"}});
  EXPECT_EQ(no_version.status, 412) << no_version.body;
  auto too_big = tus_create(bob, 300001, {{"filename", "big.mp4"}});
  EXPECT_EQ(too_big.status, 413);
  EXPECT_NE(too_big.body.find("300000 bytes"), std::string::npos) << too_big.body;
  auto empty = tus_create(bob, 0, {{"filename", "empty.mp4"}});
  EXPECT_EQ(empty.status, 400);
  EXPECT_NE(empty.body.find("empty"), std::string::npos) << empty.body;

  // Quota: two pending uploads of 200 kB fit in 500 kB, a third does not.
  auto a = tus_create(bob, 200000, {{"filename", "a.mp4"}});
  auto b = tus_create(bob, 200000, {{"filename", "b.mp4"}});
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  auto c = tus_create(bob, 200000, {{"filename", "c.mp4"}});
  EXPECT_EQ(c.status, 413);
  EXPECT_NE(c.body.find("quota"), std::string::npos) << c.body;
  EXPECT_NE(c.body.find("500000 bytes"), std::string::npos) << c.body;

  // Someone else's upload does not exist for you.
  Browser eve(kek.http_url());
  ASSERT_EQ(eve.register_user("eve", "a-long-secret-phrase").status, 201);
  EXPECT_EQ(tus_head(eve, a.header("location")).status, 404);
  EXPECT_EQ(tus_patch(eve, a.header("location"), 0, "xx").status, 404);

  // A body past Upload-Length is refused before it is read.
  EXPECT_EQ(tus_patch(bob, a.header("location"), 0, std::string(200001, 'x')).status, 413);
  // A PATCH in progress holds the upload: a second one at the same time is refused (423) and
  // does not disturb the first.
  const std::string first(50000, 'a');
  GSocketConnection* open =
      tus_patch_cut(kek.http_url(), bob, a.header("location"), 0, 100000, first, /*keep_open=*/true);
  ASSERT_NE(open, nullptr);
  g_usleep(300000);
  auto second = tus_patch(bob, a.header("location"), 0, std::string(1000, 'b'));
  EXPECT_EQ(second.status, 423) << second.body;
  EXPECT_EQ(bob.request("DELETE", a.header("location"), "", {{"Tus-Resumable", "1.0.0"}}).status, 423);
  const std::string rest(50000, 'c');
  g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(open)), rest.data(), rest.size(), nullptr,
                            nullptr, nullptr);
  char reply[512] = {};
  gssize n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(open)), reply, sizeof reply - 1, nullptr, nullptr);
  EXPECT_GT(n, 0);
  EXPECT_NE(std::string(reply).find("204"), std::string::npos) << reply;
  EXPECT_NE(std::string(reply).find("Upload-Offset: 100000"), std::string::npos) << reply;
  g_object_unref(open);
  EXPECT_EQ(tus_head(bob, a.header("location")).header("upload-offset"), "100000");

  // Termination removes the partial file.
  std::string upload_id = a.header("location").substr(std::string("/api/uploads/").size());
  EXPECT_TRUE(g_file_test((kek.data_dir() + "/uploads/" + upload_id + ".part").c_str(), G_FILE_TEST_EXISTS));
  auto terminated = bob.request("DELETE", a.header("location"), "", {{"Tus-Resumable", "1.0.0"}});
  EXPECT_EQ(terminated.status, 204) << terminated.body;
  EXPECT_FALSE(g_file_test((kek.data_dir() + "/uploads/" + upload_id + ".part").c_str(), G_FILE_TEST_EXISTS));
  EXPECT_EQ(tus_head(bob, a.header("location")).status, 404);
}

TEST_F(LibraryUploads, ExpiredPartialUploadsAreRemoved) {
  KekProcess kek(library_options("upload_expiry_s: 2"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser carl(kek.http_url());
  ASSERT_EQ(carl.register_user("carl", "a-long-secret-phrase").status, 201);
  auto created = tus_create(carl, 1000, {{"filename", "x.mp4"}});
  ASSERT_EQ(created.status, 201);
  ASSERT_EQ(tus_patch(carl, created.header("location"), 0, std::string(400, 'x')).status, 204);
  const std::string part =
      kek.data_dir() + "/uploads/" + created.header("location").substr(std::string("/api/uploads/").size()) + ".part";
  EXPECT_TRUE(g_file_test(part.c_str(), G_FILE_TEST_EXISTS));
  EXPECT_TRUE(wait_for([&] { return !g_file_test(part.c_str(), G_FILE_TEST_EXISTS); }, 10000)) << "the file stays";
  EXPECT_EQ(tus_head(carl, created.header("location")).status, 404);
}

TEST_F(LibraryUploads, NotMediaAndTruncatedFilesFailWithAReason) {
  KekProcess kek(library_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser dora(kek.http_url());
  ASSERT_EQ(dora.register_user("dora", "a-long-secret-phrase").status, 201);
  const std::string text_id = upload(dora, "notes.mp4", std::string("these are my notes, not a film\n") + std::string(5000, 'n'));
  const std::string film = make_film(dir_, "whole.mp4");
  const std::string cut_id = upload(dora, "cut.mp4", film.substr(0, film.size() / 2));
  const std::string good_id = upload(dora, "good.mp4", film);
  ASSERT_TRUE(wait_probed(dora, text_id)) << item_json(dora, text_id) << kek.output();
  ASSERT_TRUE(wait_probed(dora, cut_id)) << item_json(dora, cut_id) << kek.output();
  ASSERT_TRUE(wait_probed(dora, good_id)) << "the next file is probed after the broken ones";
  const std::string text_item = item_json(dora, text_id);
  EXPECT_EQ(json_field(text_item, "status"), std::optional<std::string>("failed"));
  EXPECT_NE(text_item.find("not a video or audio file"), std::string::npos) << text_item;
  const std::string cut_item = item_json(dora, cut_id);
  EXPECT_EQ(json_field(cut_item, "status"), std::optional<std::string>("failed"));
  EXPECT_NE(cut_item.find("truncated"), std::string::npos) << cut_item;
  EXPECT_NE(json_field(item_json(dora, good_id), "status"), std::optional<std::string>("failed"));
  // Nobody else sees failed items, or their reasons.
  Browser other(kek.http_url());
  EXPECT_EQ(other.get("/api/library/items/" + text_id).status, 404);
  EXPECT_EQ(other.get("/api/library/items").body.find(text_id), std::string::npos);
}

// A film whose every frame claims 20000x20000 (MJPEG in Matroska, the frame headers' sizes
// rewritten): refused at the probe, with the size, before any decoder allocates such a picture.
TEST_F(LibraryUploads, AHeaderClaiming20000x20000IsRefusedWithItsSize) {
  KekProcess kek(library_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser ed(kek.http_url());
  ASSERT_EQ(ed.register_user("edgar", "a-long-secret-phrase").status, 201);
  auto [rc, out] = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                "testsrc=size=16x16:rate=25", "-t", "1", "-c:v", "mjpeg", dir_ + "/small.mkv"});
  ASSERT_EQ(rc, 0) << out;
  std::string bytes = read_file(dir_ + "/small.mkv");
  // JPEG SOF0: FF C0, length (2), precision 8, height (2), width (2).
  const std::string sof("\xff\xc0", 2), size16("\x00\x10\x00\x10", 4), size20000("\x4e\x20\x4e\x20", 4);
  int patched = 0;
  for (size_t at = bytes.find(sof); at != std::string::npos; at = bytes.find(sof, at + 2))
    if (at + 9 <= bytes.size() && bytes[at + 4] == 8 && bytes.compare(at + 5, 4, size16) == 0) {
      bytes.replace(at + 5, 4, size20000);
      ++patched;
    }
  ASSERT_GT(patched, 0);
  const std::string id = upload(ed, "huge.mkv", bytes);
  ASSERT_TRUE(wait_probed(ed, id)) << item_json(ed, id) << kek.output();
  const std::string item = item_json(ed, id);
  EXPECT_EQ(json_field(item, "status"), std::optional<std::string>("failed")) << item;
  EXPECT_NE(item.find("20000x20000, larger than the 8192x8192"), std::string::npos) << item;
  EXPECT_TRUE(kek.running()) << "the process stays up";
}

}  // namespace

namespace {

TEST(LibraryUploaders, AServerCanKeepUploadsToAdmins) {
  KekProcess kek(library_options("uploaders: admins"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser user(kek.http_url());
  ASSERT_EQ(user.register_user("uma", "a-long-secret-phrase").status, 201);
  auto refused = tus_create(user, 1000, {{"filename", "a.mp4"}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("only admins"), std::string::npos) << refused.body;
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  EXPECT_EQ(tus_create(admin, 1000, {{"filename", "a.mp4"}}).status, 201);
}

}  // namespace
