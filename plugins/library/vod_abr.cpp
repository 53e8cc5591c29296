#include "vod_abr.h"

#include <kek/media/ladder.h>
#include <kek/media/rendition_settings.h>

#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace kek::library {

namespace {

// Queues between branches. VOD runs as fast as the CPU allows, so a full queue only makes the
// faster branch wait for the slower one; bounded by time, never by an unbounded buffer count.
constexpr const char* kQueue = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000";
// Decoded pictures are big (3 MB at 1080p): two per branch, enough to keep each encoder busy
// (bench/vod_ladder.sh: four held 20 MiB more at the same CPU time).
constexpr const char* kRawQueue = "queue max-size-buffers=2 max-size-bytes=0 max-size-time=0";
// Audio waits in front of the packagers for the video of the same time to be encoded.
constexpr const char* kAudioQueue = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=5000000000";

bool has_element(const char* name) {
  GstElementFactory* f = gst_element_factory_find(name);
  if (f) gst_object_unref(f);
  return f != nullptr;
}

int to_int(const std::string& s, int fallback) {
  if (s.empty()) return fallback;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  return (end && *end == '\0' && v > 0 && v < 1000000) ? static_cast<int>(v) : fallback;
}

bool truthy(const std::string& s, bool fallback) {
  if (s.empty()) return fallback;
  return s == "1" || s == "true" || s == "yes";
}

// "30000/1001", "25/1", "25": numerator and denominator; 0/1 when unknown.
void parse_fps(const std::string& s, int& num, int& den) {
  num = 0;
  den = 1;
  if (s.empty()) return;
  size_t slash = s.find('/');
  num = to_int(s.substr(0, slash), 0);
  if (slash != std::string::npos) den = to_int(s.substr(slash + 1), 1);
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

}  // namespace

int sprite_tile_height(int source_width, int source_height) {
  if (source_width <= 0 || source_height <= 0) return kSpriteTileWidth * 9 / 16 / 2 * 2;
  return std::max(2, static_cast<int>(std::lround(static_cast<double>(kSpriteTileWidth) * source_height / source_width / 2)) * 2);
}

std::vector<VodRung> default_vod_ladder() {
  return {{"1080p", 1080, 5000}, {"720p", 720, 3000}, {"480p", 480, 1400}, {"360p", 360, 800}};
}

Result<std::vector<VodRung>> parse_vod_ladder(const std::string& text) {
  std::vector<VodRung> out;
  for (const auto& item : media::split_list(text)) {
    // name:height:kbps
    size_t a = item.find(':'), b = a == std::string::npos ? a : item.find(':', a + 1);
    if (b == std::string::npos) return Error{"ladder rung '" + item + "' is not name:height:kbps", 400};
    VodRung r{item.substr(0, a), to_int(item.substr(a + 1, b - a - 1), 0), to_int(item.substr(b + 1), 0)};
    if (!media::valid_rendition_name(r.name) || r.name == "audio")
      return Error{"ladder rung name '" + r.name + "' must be [A-Za-z0-9._-] (and not 'audio')", 400};
    if (r.height < 32 || r.height > 4320 || r.height % 2)
      return Error{"ladder rung " + r.name + ": height must be even, 32..4320", 400};
    if (r.bitrate_kbps < 50 || r.bitrate_kbps > 200000)
      return Error{"ladder rung " + r.name + ": bitrate must be 50..200000 kb/s", 400};
    for (const auto& o : out)
      if (o.name == r.name) return Error{"ladder rung " + r.name + " is named twice", 400};
    out.push_back(r);
  }
  if (out.empty()) return Error{"the ladder has no rungs", 400};
  std::sort(out.begin(), out.end(), [](auto& x, auto& y) { return x.height > y.height; });
  return out;
}

std::string format_vod_ladder(const std::vector<VodRung>& rungs) {
  std::vector<std::string> items;
  for (const auto& r : rungs)
    items.push_back(r.name + ":" + std::to_string(r.height) + ":" + std::to_string(r.bitrate_kbps));
  return join(items);
}

std::vector<PlannedRung> plan_rungs(const VodSource& source, const std::vector<VodRung>& ladder, bool allow_copy) {
  std::vector<PlannedRung> out;
  if (source.video_codec.empty()) return out;
  const bool h264 = source.video_codec == "h264";
  const int src_h = source.height > 0 ? source.height : 1080;
  for (const auto& r : ladder) {
    if (r.height > src_h) continue;  // never upscale
    PlannedRung p{r.name, media::rung_width(r.height, source.width, source.height), r.height, r.bitrate_kbps, false};
    if (allow_copy && h264 && r.height == source.height && p.width == source.width) {
      p.copy = true;
      p.bitrate_kbps = 0;
    }
    out.push_back(p);
  }
  if (out.empty()) {
    // Smaller than every rung: one rung at the source's own size, at the smallest rung's rate
    // scaled by the picture area (never below 150 kb/s).
    const VodRung& smallest = ladder.back();
    int w = source.width > 0 ? source.width : media::rung_width(src_h, 0, 0);
    double area = static_cast<double>(w) * src_h /
                  (static_cast<double>(media::rung_width(smallest.height, 16, 9)) * smallest.height);
    PlannedRung p{std::to_string(src_h) + "p", w - w % 2, src_h - src_h % 2,
                  std::max(150, static_cast<int>(smallest.bitrate_kbps * std::min(1.0, area))), false};
    if (allow_copy && h264 && p.width == source.width && p.height == source.height) {
      p.copy = true;
      p.bitrate_kbps = 0;
    }
    out.push_back(p);
  }
  return out;
}

int encoder_threads(int configured, int encoders, int cores) {
  if (configured > 0) return std::min(configured, 256);
  // x264 alone takes 1.5 threads a core; several encoders at once share that (at least 2 each:
  // frame threads keep one encoder's cores busy while another waits for pictures). Each frame
  // thread holds pictures of its own, so this is most of the memory a ladder needs.
  const int total = std::max(1, cores) * 3 / 2;
  return std::clamp((total + std::max(1, encoders) - 1) / std::max(1, encoders), 2, 16);
}

std::vector<int> startup_durations(int segment_s) {
  std::vector<int> out;
  int sum = 0;
  while (sum < segment_s) {
    const int d = std::max(1, std::min(sum, segment_s - sum));
    out.push_back(d);
    sum += d;
  }
  if (out.size() <= 1) out.clear();  // one segment of segment_s: nothing shorter to start with
  return out;
}

std::vector<std::string> audio_track_codecs(const VarLookup& var) {
  std::vector<std::string> out;
  for (auto& c : media::split_list(var("audio_tracks")))
    if (!c.empty()) out.push_back(c);
  if (out.empty() && !var("audio_codec").empty()) out.push_back(var("audio_codec"));
  if (out.size() > kMaxAudioTracks) out.resize(kMaxAudioTracks);
  return out;
}

Result<std::string> vod_abr_launch(const VarLookup& var) {
  if (var("source").empty()) return Error{"vod-abr needs source (the film's path)", 400};
  if (var("out").empty()) return Error{"vod-abr needs out (the item's output folder)", 400};
  VodSource src;
  src.container = var("container");
  src.width = to_int(var("width"), 0);
  src.height = to_int(var("height"), 0);
  parse_fps(var("fps"), src.fps_num, src.fps_den);
  src.video_codec = var("video_codec");
  const std::vector<std::string> audio = audio_track_codecs(var);
  src.audio_codec = audio.empty() ? "" : audio.front();
  if (src.video_codec.empty() && audio.empty()) return Error{"the source has neither video nor audio", 400};
  auto ladder = parse_vod_ladder(var("ladder").empty() ? format_vod_ladder(default_vod_ladder()) : var("ladder"));
  if (!ladder) return ladder.error();
  const auto rungs = plan_rungs(src, *ladder, truthy(var("copy"), true));
  const int segment_s = std::clamp(to_int(var("segment_s"), 4), 1, 30);
  const std::string preset = var("preset").empty() ? "veryfast" : var("preset");
  const int encoders = static_cast<int>(std::count_if(rungs.begin(), rungs.end(), [](auto& r) { return !r.copy; }));
  const int threads = encoder_threads(to_int(var("threads"), 0), encoders, static_cast<int>(g_get_num_processors()));
  const double fps = src.fps_num > 0 ? static_cast<double>(src.fps_num) / src.fps_den : 30.0;
  const int gop = std::max(1, static_cast<int>(std::lround(fps * segment_s)));

  // Demuxers whose pads are named by track (video_0, audio_0, audio_1): the copy rung needs the
  // parsed H.264, and every audio track is its own rendition; any other container is decoded by
  // decodebin (then nothing is copied, and only its first audio track is kept).
  const bool demuxed = src.container == "quicktime" || src.container == "matroska";
  std::string line = "filesrc location=${source} ! ";
  if (demuxed) {
    line += src.container == "quicktime" ? "qtdemux name=demux" : "matroskademux name=demux";
  } else {
    line += "decodebin name=demux";
  }

  // Pictures (plugins/thumbnails): the poster frame and the seek-preview sprite sheets, from the
  // same decoded pictures as the encoders.
  const bool pictures = truthy(var("pictures"), true) && has_element("kekposterpick") && has_element("kekspritesheet");
  std::vector<std::string> names, bitrates;
  // A film starts with short segments (1 s, 1 s, 2 s, then segment_s): its first segment of
  // every rung is out, and it plays, after about a second of media instead of segment_s.
  std::vector<int> startup;
  const bool any_encoded = std::any_of(rungs.begin(), rungs.end(), [](auto& r) { return !r.copy; });
  if (any_encoded && truthy(var("fast_start"), true) && has_element("kekkeyframes")) startup = startup_durations(segment_s);
  std::string keyframes_at, startup_list;
  for (int d = 0, sum = 0; d < static_cast<int>(startup.size()); ++d) {
    sum += startup[d];
    startup_list += (d ? "," : "") + std::to_string(startup[d]);
    keyframes_at += (d ? "," : "") + std::to_string(sum);
  }
  // Every encoder makes its keyframe where the grid has a boundary; then segment_s apart again.
  const std::string raw_tee = startup.empty() ? " ! tee name=raw" : " ! kekkeyframes at=" + keyframes_at + " ! tee name=raw";
  if (!rungs.empty()) {
    if (demuxed && src.video_codec == "h264") {
      line += " demux.video_0 ! " + std::string(kQueue) + " ! h264parse ! tee name=srcv";
      if (any_encoded || pictures)
        line += " srcv. ! " + std::string(kQueue) + " ! avdec_h264 ! videoconvert" + raw_tee;
    } else if (demuxed) {
      line += " demux.video_0 ! " + std::string(kQueue) + " ! decodebin ! videoconvert" + raw_tee;
    } else {
      line += " demux. ! video/x-raw ! " + std::string(kRawQueue) + " ! videoconvert" + raw_tee;
    }
    if (pictures) {
      // Poster: at most 720 lines; from about 10 % of the film (poster_at_s), two pictures a
      // second looked at, the first that is neither black nor flat kept.
      const int ph = std::min(720, src.height > 0 ? src.height - src.height % 2 : 720);
      const int pw = media::rung_width(ph, src.width, src.height);
      const double at_s = std::max(0.0, std::strtod(var("poster_at_s").c_str(), nullptr));
      line += " raw. ! " + std::string(kRawQueue) + " ! videorate max-rate=2 ! videoscale ! video/x-raw,format=I420,width=" +
              std::to_string(pw) + ",height=" + std::to_string(ph) + " ! kekposterpick at=" +
              std::to_string(static_cast<uint64_t>(at_s * 1e9)) +
              " ! jpegenc quality=85 ! filesink location=\"${out}/poster.jpg\" sync=false async=false";
      // Sprites: one 160-pixel-wide tile every sprite_interval_s, 10 x 10 tiles per sheet.
      const int interval = std::clamp(to_int(var("sprite_interval_s"), 10), 1, 3600);
      const int tw = kSpriteTileWidth, th = sprite_tile_height(src.width, src.height);
      line += " raw. ! " + std::string(kRawQueue) + " ! videorate ! video/x-raw,framerate=1/" + std::to_string(interval) +
              " ! videoscale ! video/x-raw,format=I420,width=" + std::to_string(tw) + ",height=" + std::to_string(th) +
              " ! kekspritesheet columns=" + std::to_string(kSpriteColumns) + " rows=" + std::to_string(kSpriteRows) +
              " ! jpegenc quality=75 ! multifilesink location=\"${out}/sprites/sheet-%03d.jpg\" sync=false async=false";
    }
    // Each encoded rung is scaled from the next taller encoded one (cheaper than from the source).
    auto scale_input = [&](size_t rung) {
      std::string best = "raw";
      int best_h = 0;
      for (size_t j = 0; j < rungs.size(); ++j) {
        const auto& o = rungs[j];
        if (j == rung || o.copy || o.height <= rungs[rung].height) continue;
        if (!best_h || o.height < best_h) {
          best_h = o.height;
          best = "scaled" + std::to_string(j);
        }
      }
      return best;
    };
    for (size_t i = 0; i < rungs.size(); ++i) {
      const auto& r = rungs[i];
      const std::string n = std::to_string(i);
      names.push_back(r.name);
      bitrates.push_back(std::to_string(r.bitrate_kbps * 1000));
      if (r.copy) {
        // The source's own H.264, its keyframes, into the packager as it is.
        line += " srcv. ! " + std::string(kQueue) + " ! cmaf.video_" + n;
        continue;
      }
      // Keyframes exactly every `gop` frames on every rung (no scene cuts): the segments of all
      // rungs start at the same frames, so players switch between them cleanly.
      line += " " + scale_input(i) + ". ! " + kRawQueue + " ! videoscale ! video/x-raw,format=I420,width=" +
              std::to_string(r.width) + ",height=" + std::to_string(r.height) + " ! tee name=scaled" + n +
              " scaled" + n + ". ! " + kRawQueue + " ! x264enc speed-preset=" + preset + " threads=" +
              std::to_string(threads) + " bitrate=" + std::to_string(r.bitrate_kbps) + " vbv-buf-capacity=" +
              std::to_string(segment_s * 500) + " key-int-max=" + std::to_string(gop) +
              " bframes=2 option-string=\"scenecut=0:min-keyint=" + std::to_string(gop) +
              "\" sync-lookahead=0 ! video/x-h264,profile=high ! h264parse ! cmaf.video_" + n;
    }
  }
  // Every audio track: AAC copied, anything else decoded and encoded to AAC stereo; each its own
  // rendition (its language from the demuxer's tags).
  for (size_t a = 0; a < audio.size() && (demuxed || a == 0); ++a) {
    const std::string pad = demuxed ? "demux.audio_" + std::to_string(a) : "demux. ! audio/x-raw";
    line += " " + pad + " ! " + kAudioQueue;
    if (demuxed && audio[a] == "aac") {
      line += " ! aacparse";
    } else {
      line += std::string(demuxed ? " ! decodebin" : "") +
              " ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=128000 ! aacparse";
    }
    line += " ! cmaf.audio_" + std::to_string(a);
  }
  // One packaging (CMAF: fragmented MP4, one track per file), two manifests: the MPD and HLS
  // playlists over the same segments. window=0 keeps every segment: EVENT playlists and a
  // dynamic MPD while the job runs, VOD (EXT-X-ENDLIST) and a static MPD at the end.
  // Paths are quoted whole: a value with spaces is inserted raw inside quotes (${out}/x outside
  // quotes would split into a quoted part and a bare one).
  line += " kekdashsink name=cmaf location=\"${out}/" + std::string(kVodStreamDir) + "\" window=0 target-duration=" +
          std::to_string(segment_s) + " mpd-name=" + kVodPackagedMpd + " hls-master-name=" + kVodPackagedMaster;
  if (!startup.empty()) line += " startup-durations=" + startup_list;
  if (!names.empty()) line += " representations=" + join(names) + " bitrates=" + join(bitrates);
  return line;
}

PipelineTemplate vod_abr_template() {
  PipelineTemplate t;
  t.name = kVodAbrTemplate;
  t.description = "A film as an adaptive ladder (1080p..360p, rungs above the source left out), HLS and DASH";
  t.defaults = {{"ladder", format_vod_ladder(default_vod_ladder())},
                {"segment_s", "4"},
                {"preset", "veryfast"},
                {"threads", "0"},
                {"copy", "true"},
                {"container", "quicktime"},
                {"video_codec", "h264"},
                {"audio_codec", "aac"},
                {"width", "1920"},
                {"height", "1080"},
                {"fps", "30/1"}};
  t.defaults["pictures"] = "true";
  t.defaults["fast_start"] = "true";
  t.defaults["poster_at_s"] = "0";
  t.defaults["sprite_interval_s"] = "10";
  t.directories = {"${out}/" + std::string(kVodStreamDir), "${out}/sprites"};
  t.origin = "plugin:library";
  t.generate = vod_abr_launch;
  return t;
}

}  // namespace kek::library
