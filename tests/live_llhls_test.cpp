// Low-latency HLS end to end: a real `kek serve` with the shipped live-ll template, ffmpeg
// publishing over RTMP (320x180, a keyframe every second), and clients doing what LL-HLS players
// do: blocking playlist reloads (_HLS_msn/_HLS_part), a preload-hinted part fetched before it
// exists, and ffprobe reading the same master as an ordinary HLS player.
#include "support/http_client.h"
#include "support/kek_process.h"
#include "support/live.h"
#include "support/wait.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace kek::test;

namespace {

// What an LL-HLS client reads off a media playlist.
struct LlView {
  uint64_t media_sequence = 0;
  uint64_t segments = 0;  // EXTINF lines
  int open_parts = 0;     // EXT-X-PART lines after the last segment
  std::string hint;       // EXT-X-PRELOAD-HINT URI
  bool ended = false;
  bool can_block = false;
  double target = 0;
  // The newest segment or part listed: the open segment and its last part, or the last whole
  // segment and -1.
  uint64_t msn() const { return open_parts > 0 ? media_sequence + segments : media_sequence + segments - 1; }
  int64_t part() const { return open_parts > 0 ? open_parts - 1 : -1; }
  // The next part a player asks for.
  std::pair<uint64_t, uint64_t> next() const {
    return open_parts > 0 ? std::pair{msn(), uint64_t(open_parts)} : std::pair{msn() + 1, uint64_t{0}};
  }
  // Whether it lists part `p` of segment `m` (or that segment whole, or anything after it).
  bool lists(uint64_t m, uint64_t p) const {
    if (segments == 0 && open_parts == 0) return false;
    if (m < msn()) return true;
    return m == msn() && (part() < 0 || part() >= static_cast<int64_t>(p));
  }
};

std::string attribute(const std::string& line, const std::string& name) {
  const size_t at = line.find(name + "=");
  if (at == std::string::npos) return "";
  size_t start = at + name.size() + 1;
  if (line[start] == '"') {
    const size_t end = line.find('"', start + 1);
    return line.substr(start + 1, end - start - 1);
  }
  return line.substr(start, line.find(',', start) - start);
}

LlView parse_ll(const std::string& text) {
  LlView v;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with("#EXT-X-MEDIA-SEQUENCE:")) v.media_sequence = std::stoull(line.substr(22));
    else if (line.starts_with("#EXT-X-TARGETDURATION:")) v.target = std::atof(line.substr(22).c_str());
    else if (line.starts_with("#EXTINF:")) {
      ++v.segments;
      v.open_parts = 0;
    } else if (line.starts_with("#EXT-X-PART:")) ++v.open_parts;
    else if (line.starts_with("#EXT-X-PRELOAD-HINT:")) v.hint = attribute(line, "URI");
    else if (line.starts_with("#EXT-X-SERVER-CONTROL:")) v.can_block = attribute(line, "CAN-BLOCK-RELOAD") == "YES";
    else if (line == "#EXT-X-ENDLIST") v.ended = true;
  }
  return v;
}

// The first variant's media playlist, relative to the stream folder ("source/index.m3u8").
std::string first_variant(const std::string& master) {
  std::istringstream in(master);
  std::string line;
  bool next_is_uri = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with("#EXT-X-STREAM-INF")) next_is_uri = true;
    else if (next_is_uri && !line.empty() && line[0] != '#') return line;
  }
  return "";
}

std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/') + 1); }

}  // namespace

TEST(LiveLlHls, BlockingReloadPreloadHintsAndAnOrdinaryPlayerOnTheSameMaster) {
  TemplateDir t;  // the shipped live-ll, from pipelines/
  KekProcess kek({.extra_yaml = live_app_config(t, "live-ll")});
  ASSERT_TRUE(kek.ready()) << kek.output();
  auto pub = publish_test_stream(kek.endpoint("rtmp") + "/cam-key-001", 24, true, true, 25);
  const std::string base = kek.http_url();
  const std::string master_path = "/media/live/cam/index.m3u8";
  std::string master;
  ASSERT_TRUE(wait_for([&] {
    auto r = http_get(base, master_path);
    master = r.body;
    return r.status == 200 && !first_variant(master).empty();
  }, 30000)) << kek.output();
  const std::string media_path = "/media/live/cam/" + first_variant(master);
  const std::string media_file = kek.media_dir() + "/live/cam/" + first_variant(master);
  LlView view;
  ASSERT_TRUE(wait_for([&] {
    view = parse_ll(http_get(base, media_path).body);
    return view.segments >= 1 && !view.hint.empty();
  }, 30000)) << read_file(media_file) << kek.output();
  EXPECT_TRUE(view.can_block) << read_file(media_file);

  // The next part, one ahead: held until the playlist lists it, then the playlist as written.
  for (int i = 0; i < 4; ++i) {
    view = parse_ll(http_get(base, media_path).body);
    const auto [m, p] = view.next();
    const std::string query = "?_HLS_msn=" + std::to_string(m) + "&_HLS_part=" + std::to_string(p);
    auto r = http_get(base, media_path + query);
    ASSERT_EQ(r.status, 200) << query << ": " << r.body;  // 503 would be the 3-target-duration timeout
    const LlView after = parse_ll(r.body);
    EXPECT_TRUE(after.lists(m, p)) << query << " answered with:\n" << r.body;
    EXPECT_TRUE(after.msn() > view.msn() || after.part() > view.part()) << r.body;
    std::printf("%s -> playlist at %llu.%lld\n", query.c_str(), static_cast<unsigned long long>(after.msn()),
                static_cast<long long>(after.part()));
  }
  // A whole segment ahead (no _HLS_part) is held too.
  {
    view = parse_ll(http_get(base, media_path).body);
    const uint64_t m = view.msn() + 1;
    auto r = http_get(base, media_path + "?_HLS_msn=" + std::to_string(m));
    ASSERT_EQ(r.status, 200) << r.body;
    const LlView after = parse_ll(r.body);
    EXPECT_GE(after.media_sequence + after.segments, m + 1) << "segment " << m << " listed whole:\n" << r.body;
  }

  // Far ahead, or a part without its segment: refused at once.
  view = parse_ll(http_get(base, media_path).body);
  auto far = http_get(base, media_path + "?_HLS_msn=" + std::to_string(view.msn() + 10));
  EXPECT_EQ(far.status, 400) << far.body;
  auto lone_part = http_get(base, media_path + "?_HLS_part=1");
  EXPECT_EQ(lone_part.status, 400) << lone_part.body;

  // The preload-hinted part, asked for before it exists (with the blocking reload beside it, as a
  // player does): answered with its bytes once written. A hint the next keyframe overtakes (it
  // becomes part 0 of a new segment) is a 404; of several tries, at least one is held and served.
  int served_while_missing = 0;
  for (int attempt = 0; attempt < 8 && served_while_missing < 2; ++attempt) {
    view = parse_ll(http_get(base, media_path).body);
    const std::string part_file = dir_of(media_file) + view.hint;
    if (g_file_test(part_file.c_str(), G_FILE_TEST_EXISTS)) continue;  // written already: no hold to see
    const auto [m, p] = view.next();
    HttpResult playlist;
    std::thread reload([&, m = m, p = p] {
      playlist = http_get(base, media_path + "?_HLS_msn=" + std::to_string(m) + "&_HLS_part=" + std::to_string(p));
    });
    auto part = http_get(base, dir_of(media_path) + view.hint);
    reload.join();
    EXPECT_EQ(playlist.status, 200) << playlist.body;
    ASSERT_TRUE(part.status == 200 || part.status == 404) << view.hint << ": " << part.status << " " << part.body;
    if (part.status != 200) continue;
    EXPECT_EQ(part.body, read_file(part_file)) << view.hint;
    EXPECT_EQ(part.body.substr(4, 4), "moof") << view.hint;
    EXPECT_NE(playlist.body.find(view.hint), std::string::npos) << "the reload lists the hinted part\n" << playlist.body;
    ++served_while_missing;
  }
  std::printf("hinted parts held until written and served: %d\n", served_while_missing);
  EXPECT_GE(served_while_missing, 1) << "no hinted part was held until written";

  // An ordinary player reads the same master (no LL tags it does not know break it).
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                "compact=p=0", base + master_path.substr(1)});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("codec_name=h264|width=320|height=180"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac"), std::string::npos) << out;

  // Unpublished: the playlist ends, and a blocking reload is answered at once with it.
  EXPECT_EQ(pub->wait(60000), 0) << pub->output();
  ASSERT_TRUE(wait_for([&] { return parse_ll(read_file(media_file)).ended; }, 20000)) << read_file(media_file);
  view = parse_ll(http_get(base, media_path).body);
  auto final_reload = http_get(base, media_path + "?_HLS_msn=" + std::to_string(view.msn() + 1) + "&_HLS_part=0");
  EXPECT_EQ(final_reload.status, 200) << final_reload.body;
  EXPECT_TRUE(parse_ll(final_reload.body).ended) << final_reload.body;
}
