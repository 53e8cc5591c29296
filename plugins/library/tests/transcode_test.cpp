// The transcode against a real `kek serve`: films uploaded through tus, made by ffmpeg in the
// test at small sizes. The ladder's rungs have the promised sizes (ffprobe), none above the
// source, keyframes at the same times on every rung, the copy rung is the source's own video
// (the same samples); the master plays with ffprobe and with hls.js in Debian's Chromium while
// the job still runs; a kek killed mid-job finishes it after a restart; every audio track and
// subtitle is a rendition hls.js lists and switches (full_disk_test.cpp: a disk that fills).
#include "library_test_support.h"
#include "support/live.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <cmath>
#include <set>

using namespace kek::library::test;

namespace {

class LibraryTranscode : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  std::string dir_;
};

// ffprobe over HTTP with the viewer's session, as a player outside the browser reads it.
std::pair<int, std::string> ffprobe_url(Browser& b, const std::string& base, const std::string& path,
                                        const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ffprobe", "-v", "error", "-headers", "Cookie: kek_session=" + b.cookie() + "\r\n"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(base.substr(0, base.size() - 1) + path);
  return run_command(argv, 60000);
}

// Keyframe times (ms) of a playlist's video.
std::vector<long> keyframes(const std::string& playlist) {
  auto [rc, out] = run_command({"ffprobe", "-v", "error", "-select_streams", "v", "-skip_frame", "nokey", "-show_entries",
                                "frame=pts_time", "-of", "csv=p=0", playlist});
  std::vector<long> ms;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t eol = out.find('\n', pos);
    std::string line = out.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (!line.empty() && (g_ascii_isdigit(line[0]) || line[0] == '-')) ms.push_back(std::lround(std::atof(line.c_str()) * 1000));
    pos = eol == std::string::npos ? out.size() : eol + 1;
  }
  return ms;
}

// The MD5 of every video sample (ffmpeg's framemd5 of the stream copied), in order.
std::vector<std::string> sample_hashes(const std::string& input) {
  auto [rc, out] = run_command({"ffmpeg", "-v", "error", "-i", input, "-map", "0:v", "-c", "copy", "-f", "framemd5", "-"});
  std::vector<std::string> hashes;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t eol = out.find('\n', pos);
    std::string line = out.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? out.size() : eol + 1;
    if (line.empty() || line[0] == '#') continue;
    hashes.push_back(line.substr(line.rfind(',') + 1));
  }
  return hashes;
}

// hls.js in Chromium (hlsjs_play.mjs) on this item; the JSON line it printed, or a skip.
struct PlayerRun {
  int status = -1;
  std::string json;
};
PlayerRun hlsjs(KekProcess& kek, Browser& b, const std::string& id, const std::string& mode,
                const std::vector<std::string>& env = {}) {
  auto [status, out] = run_command({"node", std::string(KEK_SOURCE_DIR) + "/plugins/library/tests/hlsjs_play.mjs",
                                    std::string(KEK_SOURCE_DIR) + "/webui/node_modules", kek.http_url(), id, b.cookie(),
                                    mode},
                                   120000, env);
  std::string last;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t eol = out.find('\n', pos);
    std::string line = out.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (!line.empty() && (line[0] == '{' || line.rfind("SKIP", 0) == 0)) last = line;
    pos = eol == std::string::npos ? out.size() : eol + 1;
  }
  return {status, last.empty() ? out : last};
}

bool node_and_chromium() {
  return g_file_test("/usr/bin/chromium", G_FILE_TEST_EXISTS) && g_find_program_in_path("node") &&
         g_file_test((std::string(KEK_SOURCE_DIR) + "/webui/node_modules/hls.js").c_str(), G_FILE_TEST_IS_DIR);
}

}  // namespace

TEST_F(LibraryTranscode, RungsHaveTheirSizesNoneAboveTheSourceKeyframesAlignedAndTheCopyIsTheSource) {
  KekProcess kek(library_options("segment_s: 1, ladder: \"1080p:1080:5000,360p:360:800,180p:180:300\""));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser ann(kek.http_url());
  ASSERT_EQ(ann.register_user("ann", "a-long-secret-phrase").status, 201);
  const std::string source = film(dir_, "film.mp4", "640x360", 4, 25);
  const std::string id = upload(ann, "film.mp4", read_file(source));
  ASSERT_TRUE(wait_status(ann, id, "ready")) << item_json(ann, id) << kek.output();
  const std::string item = item_json(ann, id);
  // 1080p is above the source: left out. 360p is the source's size and H.264: copied.
  EXPECT_EQ(json_field(item, "renditions.0.name"), std::optional<std::string>("360p")) << item;
  EXPECT_EQ(json_field(item, "renditions.0.width"), std::optional<std::string>("640"));
  EXPECT_EQ(json_field(item, "renditions.1.name"), std::optional<std::string>("180p"));
  EXPECT_EQ(json_field(item, "renditions.1.width"), std::optional<std::string>("320"));
  EXPECT_EQ(json_field(item, "renditions.2.name"), std::nullopt) << item;
  EXPECT_EQ(item.find("1080p"), std::string::npos);

  // The master plays in ffprobe over HTTP: both rungs at their sizes, and the audio.
  const std::string hls = json_field(item, "hls").value_or("");
  ASSERT_FALSE(hls.empty()) << item;
  auto [rc, streams] = ffprobe_url(ann, kek.http_url(), hls, {"-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0"});
  EXPECT_EQ(rc, 0) << streams;
  EXPECT_NE(streams.find("h264,640,360"), std::string::npos) << streams;
  EXPECT_NE(streams.find("h264,320,180"), std::string::npos) << streams;
  EXPECT_NE(streams.find("aac"), std::string::npos) << streams;

  // Every rung has its keyframes at the same times (1 s segments), so players switch cleanly.
  const std::string stream = kek.media_dir() + "/vod/" + id + "/stream";
  auto top = keyframes(stream + "/360p/index.m3u8"), low = keyframes(stream + "/180p/index.m3u8");
  EXPECT_GE(top.size(), 4u);
  EXPECT_EQ(top, low);
  // The copied rung is the source's video, sample for sample.
  auto original = sample_hashes(source), copied = sample_hashes(stream + "/360p/index.m3u8");
  EXPECT_EQ(original.size(), 100u);
  EXPECT_EQ(copied, original);
}

TEST_F(LibraryTranscode, TheMasterPlaysWithFfprobeAndHlsJsBeforeTheJobEnds) {
  // Not a skip: bash scripts/dev.sh installs them, and a skip would count as passed.
  ASSERT_TRUE(node_and_chromium()) << "needs node, /usr/bin/chromium and webui/node_modules (bash scripts/dev.sh)";
  // A minute of video through the slowest x264 preset, every rung encoded: the job runs for a
  // long while after its first 1-second segments are out.
  KekProcess kek(library_options("segment_s: 1, preset: veryslow, copy_rungs: false, ladder: \"360p:360:600,180p:180:200\""));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser bea(kek.http_url());
  ASSERT_EQ(bea.register_user("bea", "a-long-secret-phrase").status, 201);
  const std::string id = upload(bea, "long.mp4", read_file(film(dir_, "long.mp4", "640x360", 60, 25)));
  ASSERT_TRUE(wait_for([&] { return !item_field(bea, id, "hls").empty() && item_field(bea, id, "hls") != "null"; }, 90000))
      << item_json(bea, id) << kek.output();
  const std::string item = item_json(bea, id);
  EXPECT_EQ(json_field(item, "status"), std::optional<std::string>("processing")) << item;
  auto [rc, out] = ffprobe_url(bea, kek.http_url(), json_field(item, "hls").value_or(""),
                               {"-show_entries", "stream=codec_name,width", "-of", "csv=p=0"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("h264,640"), std::string::npos) << out;
  EXPECT_NE(out.find("h264,320"), std::string::npos) << out;

  // The operator sees the job in /metrics: running, part done.
  Browser admin(kek.http_url());
  ASSERT_EQ(admin.login("admin", "correct-horse-battery").status, 200);
  std::string metrics;
  double progress = 0;
  const std::string progress_line = "kek_library_job_progress{item=\"" + id + "\"} ";
  ASSERT_TRUE(wait_for([&] {
    metrics = admin.get("/metrics").body;
    const size_t at = metrics.find(progress_line);
    progress = at == std::string::npos ? 0 : std::stod(metrics.substr(at + progress_line.size()));
    return progress > 0;
  }, 15000)) << metrics;
  EXPECT_LT(progress, 1) << metrics;
  EXPECT_NE(metrics.find("kek_library_jobs{state=\"running\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("kek_library_jobs{state=\"queued\"} 0"), std::string::npos) << metrics;

  PlayerRun player = hlsjs(kek, bea, id, "progressive");
  ASSERT_NE(player.status, 77) << "hls.js could not run: " << player.json;
  ASSERT_EQ(player.status, 0) << player.json;
  // While hls.js played, the job was still running and the playlist an EVENT one.
  EXPECT_EQ(json_field(player.json, "status"), std::optional<std::string>("processing")) << player.json;
  EXPECT_EQ(json_field(player.json, "event"), std::optional<std::string>("true")) << player.json;
  EXPECT_EQ(json_field(player.json, "ended"), std::optional<std::string>("false")) << player.json;
  EXPECT_EQ(json_field(player.json, "levels"), std::optional<std::string>("2")) << player.json;
}

TEST_F(LibraryTranscode, TheOwnerCancelsARunningJobAndRetriesIt) {
  KekProcess kek(library_options("segment_s: 1, preset: veryslow, copy_rungs: false, ladder: \"360p:360:600\""));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser ida(kek.http_url());
  ASSERT_EQ(ida.register_user("ida", "a-long-secret-phrase").status, 201);
  Browser other(kek.http_url());
  ASSERT_EQ(other.register_user("ike", "a-long-secret-phrase").status, 201);
  const std::string id = upload(ida, "slow.mp4", read_file(film(dir_, "slow.mp4", "640x360", 30, 25)));
  ASSERT_TRUE(wait_for([&] { return item_field(ida, id, "status") == "processing"; }, 60000)) << item_json(ida, id);
  EXPECT_EQ(other.post("/api/library/items/" + id + "/cancel").status, 404) << "not someone else's to cancel";

  auto cancelled = ida.post("/api/library/items/" + id + "/cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  ASSERT_TRUE(wait_for([&] { return item_field(ida, id, "status") == "failed"; }, 15000)) << item_json(ida, id);
  EXPECT_EQ(item_field(ida, id, "error"), "cancelled");
  g_usleep(1500000);
  EXPECT_EQ(item_field(ida, id, "status"), "failed") << "it stays cancelled: " << item_json(ida, id);
  EXPECT_EQ(ida.post("/api/library/items/" + id + "/cancel").status, 409) << "nothing runs any more";

  auto retried = ida.post("/api/library/items/" + id + "/retry");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(json_field(retried.body, "error"), std::optional<std::string>("")) << retried.body;
  EXPECT_TRUE(wait_for([&] { return item_field(ida, id, "status") == "processing"; }, 30000)) << item_json(ida, id);
  // And a queued job is cancelled before it starts.
  const std::string next = upload(ida, "next.mp4", read_file(film(dir_, "next.mp4", "320x180", 2, 25)));
  ASSERT_TRUE(wait_for([&] { return item_field(ida, next, "status") == "queued" && item_field(ida, next, "source.width") == "320"; },
                       30000))
      << item_json(ida, next);
  auto queued = ida.post("/api/library/items/" + next + "/cancel");
  ASSERT_EQ(queued.status, 200) << queued.body;
  EXPECT_EQ(json_field(queued.body, "status"), std::optional<std::string>("failed")) << queued.body;
  EXPECT_EQ(json_field(queued.body, "error"), std::optional<std::string>("cancelled")) << queued.body;
}

TEST_F(LibraryTranscode, AKekKilledMidJobFinishesTheJobAfterARestart) {
  const std::string data = make_temp_dir();
  KekOptions options = library_options("segment_s: 1, preset: veryslow, copy_rungs: false, ladder: \"360p:360:600\"");
  options.data_dir = data;
  KekProcess first(options);
  ASSERT_TRUE(first.ready()) << first.output();
  Browser cy(first.http_url());
  ASSERT_EQ(cy.register_user("cyril", "a-long-secret-phrase").status, 201);
  const std::string id = upload(cy, "cut.mp4", read_file(film(dir_, "cut.mp4", "640x360", 12, 25)));
  ASSERT_TRUE(wait_for([&] { return item_field(cy, id, "status") == "processing"; }, 60000)) << item_json(cy, id);
  first.signal(SIGKILL);
  first.wait_exit(10000);

  KekProcess second(options);
  ASSERT_TRUE(second.ready()) << second.output();
  Browser again(second.http_url());
  ASSERT_EQ(again.login("cyril", "a-long-secret-phrase").status, 200);
  ASSERT_TRUE(wait_status(again, id, "ready", 180000)) << item_json(again, id) << second.output();
  EXPECT_NE(second.output().find("was interrupted, queued again"), std::string::npos) << second.output();
  // The whole film, from a clean folder: one run's segments, all of them.
  auto [rc, out] = ffprobe_url(again, second.http_url(), json_field(item_json(again, id), "hls").value_or(""),
                               {"-show_entries", "format=duration", "-of", "csv=p=0"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NEAR(std::atof(out.c_str()), 12.0, 0.5) << out;
}

TEST_F(LibraryTranscode, EveryAudioTrackAndSubtitleIsARenditionHlsJsSwitches) {
  KekProcess kek(library_options("segment_s: 1"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser dee(kek.http_url());
  ASSERT_EQ(dee.register_user("dee", "a-long-secret-phrase").status, 201);
  // An MKV with two audio languages and a German SubRip track; a French SRT uploaded beside it.
  const std::string srt = dir_ + "/de.srt";
  const std::string german = "1\n00:00:00,200 --> 00:00:03,800\nGuten Tag\n";
  ASSERT_TRUE(g_file_set_contents(srt.c_str(), german.c_str(), -1, nullptr));
  const std::string mkv = dir_ + "/film.mkv";
  auto [frc, fout] = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                  "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440", "-f", "lavfi",
                                  "-i", "sine=frequency=660", "-i", srt, "-t", "4", "-map", "0:v", "-map", "1:a", "-map",
                                  "2:a", "-map", "3:s", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac",
                                  "-c:s", "srt", "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fra",
                                  "-metadata:s:s:0", "language=ger", mkv});
  ASSERT_EQ(frc, 0) << fout;
  const std::string id = upload(dee, "film.mkv", read_file(mkv));
  ASSERT_TRUE(wait_status(dee, id, "ready")) << item_json(dee, id) << kek.output();
  auto added = dee.request("POST", "/api/library/items/" + id + "/subtitles?lang=fr&label=Fran%C3%A7ais",
                           "1\r\n00:00:00,500 --> 00:00:03,500\r\nBonjour & bienvenue\r\n", {}, "application/x-subrip");
  ASSERT_EQ(added.status, 201) << added.body;
  // The uploaded one is converted and added to the published master at once.
  const std::string stream = kek.media_dir() + "/vod/" + id + "/stream";
  ASSERT_TRUE(wait_for([&] { return read_file(stream + "/master.m3u8").find("LANGUAGE=\"fr\",DEFAULT=NO,AUTOSELECT=NO") !=
                                    std::string::npos; }, 20000))
      << read_file(stream + "/master.m3u8") << item_json(dee, id);
  const std::string item = item_json(dee, id);
  EXPECT_NE(json_field(item, "subtitles.0.url").value_or("null"), "null") << item;
  EXPECT_NE(json_field(item, "subtitles.1.url").value_or("null"), "null") << item;

  // The manifests: two audio renditions with their languages, two subtitle renditions.
  const std::string master = read_file(stream + "/master.m3u8");
  EXPECT_NE(master.find("TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES"), std::string::npos)
      << master;
  EXPECT_NE(master.find("TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"French\",LANGUAGE=\"fr\",DEFAULT=NO"), std::string::npos);
  EXPECT_NE(master.find("TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"German\",LANGUAGE=\"de\""), std::string::npos) << master;
  EXPECT_NE(master.find("TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"Fran\xc3\xa7" "ais\",LANGUAGE=\"fr\""), std::string::npos);
  EXPECT_NE(master.find("AUDIO=\"audio\",SUBTITLES=\"subs\""), std::string::npos);
  const std::string mpd = read_file(stream + "/manifest.mpd");
  EXPECT_NE(mpd.find("contentType=\"audio\" mimeType=\"audio/mp4\" startWithSAP=\"1\" lang=\"en\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("contentType=\"audio\" mimeType=\"audio/mp4\" startWithSAP=\"1\" lang=\"fr\""), std::string::npos);
  EXPECT_NE(mpd.find("contentType=\"text\" mimeType=\"text/vtt\" lang=\"de\""), std::string::npos);
  EXPECT_NE(mpd.find("contentType=\"text\" mimeType=\"text/vtt\" lang=\"fr\""), std::string::npos);
  // The catalogue lists both with their WebVTT (the uploaded one first: it has no stream index).
  std::string german_url;
  for (const char* i : {"0", "1"})
    if (json_field(item, std::string("subtitles.") + i + ".language") == std::optional<std::string>("de"))
      german_url = json_field(item, std::string("subtitles.") + i + ".url").value_or("/");
  auto vtt = http_get(kek.http_url(), german_url, {{"Cookie", "kek_session=" + dee.cookie()}});
  EXPECT_NE(vtt.body.find("Guten Tag"), std::string::npos) << "the German text track as WebVTT: " << vtt.body << item;

  // Not a skip: bash scripts/dev.sh installs them, and a skip would count as passed.
  ASSERT_TRUE(node_and_chromium()) << "needs node, /usr/bin/chromium and webui/node_modules (bash scripts/dev.sh)";
  PlayerRun player = hlsjs(kek, dee, id, "renditions", {"KEK_SUBTITLE_LANG=fr"});
  ASSERT_NE(player.status, 77) << "hls.js could not run: " << player.json;
  ASSERT_EQ(player.status, 0) << player.json;
  EXPECT_EQ(json_field(player.json, "audio.0.lang"), std::optional<std::string>("en")) << player.json;
  EXPECT_EQ(json_field(player.json, "audio.1.lang"), std::optional<std::string>("fr")) << player.json;
  EXPECT_EQ(json_field(player.json, "audioTrack"), std::optional<std::string>("1")) << player.json;
  EXPECT_EQ(json_field(player.json, "subtitles.0.lang"), std::optional<std::string>("de")) << player.json;
  EXPECT_EQ(json_field(player.json, "subtitles.1.lang"), std::optional<std::string>("fr")) << player.json;
  // The French cue is showing (its text as WebVTT has it: & escaped).
  EXPECT_NE(player.json.find("\"language\":\"fr\",\"mode\":\"showing\",\"cues\":[\"Bonjour &amp; bienvenue\"]"),
            std::string::npos)
      << player.json;
}
