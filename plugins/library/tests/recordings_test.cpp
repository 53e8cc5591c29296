// A live recording becomes a library item: owned by the streamer, as private as the stream key,
// probed and transcoded like an upload; deleting the item leaves the recording to the stream.
#include "library_test_support.h"

#include <algorithm>

using namespace kek::library::test;

namespace {

TEST(LibraryRecordings, ARecordedPrivateStreamBecomesThePrivateItemOfItsStreamer) {
  KekOptions o = library_options();
  o.extra_yaml = "plugins:\n  - {name: auth}\n  - {name: rtmp, args: {address: 127.0.0.1, port: 0}}\n  - {name: library}\n";
  KekProcess kek(o);
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser rita(kek.http_url());
  ASSERT_EQ(rita.register_user("rita", "a-long-secret-phrase").status, 201);
  Browser sam(kek.http_url());
  ASSERT_EQ(sam.register_user("sam", "a-long-secret-phrase").status, 201);
  auto key = rita.post("/api/me/stream-keys", R"({"name":"family","visibility":"private","record":true})");
  ASSERT_EQ(key.status, 201) << key.body;
  const std::string stream = *json_field(key.body, "stream");
  BackgroundProcess pub({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                         "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i", "sine", "-t", "3", "-c:v", "libx264",
                         "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-f", "flv",
                         kek.endpoint("rtmp") + "/" + *json_field(key.body, "key")});
  ASSERT_EQ(pub.wait(30000), 0) << pub.output();

  std::string id;
  ASSERT_TRUE(wait_for(
      [&] {
        id = json_field(rita.get("/api/library/items?owner=me").body, "items.0.id").value_or("");
        return !id.empty();
      },
      30000))
      << kek.output();
  const std::string item = item_json(rita, id);
  EXPECT_EQ(json_field(item, "origin"), std::optional<std::string>("recording")) << item;
  EXPECT_EQ(json_field(item, "owner.username"), std::optional<std::string>("rita")) << item;
  EXPECT_EQ(json_field(item, "visibility"), std::optional<std::string>("private")) << item;
  EXPECT_EQ(json_field(item, "title").value_or("").rfind(stream + " · ", 0), 0u) << item;
  ASSERT_TRUE(wait_status(rita, id, "ready")) << item_json(rita, id) << kek.output();
  EXPECT_EQ(sam.get("/api/library/items/" + id).status, 403);
  EXPECT_EQ(sam.get("/api/library/items").body.find(id), std::string::npos);
  EXPECT_EQ(sam.get(*json_field(item_json(rita, id), "hls")).status, 403);
  EXPECT_EQ(rita.get(*json_field(item_json(rita, id), "hls")).status, 200);

  // Deleting the item takes the film's folder; the recording stays with the stream.
  const std::string recordings = kek.media_dir() + "/recordings/" + stream;
  auto files_in = [](const std::string& dir) {
    std::vector<std::string> out;
    g_autoptr(GDir) d = g_dir_open(dir.c_str(), 0, nullptr);
    while (const char* name = d ? g_dir_read_name(d) : nullptr) out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto recorded = files_in(recordings);
  ASSERT_FALSE(recorded.empty()) << recordings;
  EXPECT_EQ(rita.request("DELETE", "/api/library/items/" + id).status, 204);
  EXPECT_TRUE(wait_for([&] { return !g_file_test((kek.media_dir() + "/vod/" + id).c_str(), G_FILE_TEST_EXISTS); }, 10000));
  EXPECT_EQ(files_in(recordings), recorded) << "the recording is the stream's";
  EXPECT_EQ(rita.get("/api/library/items/" + id).status, 404);
}

}  // namespace
