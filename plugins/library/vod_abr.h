// The `vod-abr` pipeline template: one gst-launch line that turns a probed film into an adaptive
// ladder (HLS with a master playlist, and DASH), decoding the source once. The library plugin
// registers it; `kek pipelines show vod-abr --set source=... --set out=...` prints the line.
#pragma once

#include <kek/error.h>
#include <kek/pipelines.h>

#include <string>
#include <vector>

namespace kek::library {

inline constexpr const char* kVodAbrTemplate = "vod-abr";

// Where the line packages an item, relative to its folder (media/vod/<id>/): one CMAF packaging
// with the packager's own MPD and HLS master over it; the library publishes its manifests beside
// them (with the subtitle renditions added).
inline constexpr const char* kVodStreamDir = "stream";
inline constexpr const char* kVodPackagedMpd = "packaged.mpd";
inline constexpr const char* kVodPackagedMaster = "packaged.m3u8";
// Audio tracks a film keeps (every one a rendition); more are left out.
inline constexpr size_t kMaxAudioTracks = 16;

// One rung of the VOD ladder as configured ("720p", 720 lines, 3000 kb/s).
struct VodRung {
  std::string name;
  int height = 0;
  int bitrate_kbps = 0;
};

// The default ladder: 1080p 5 Mb/s, 720p 3 Mb/s, 480p 1.4 Mb/s, 360p 0.8 Mb/s.
std::vector<VodRung> default_vod_ladder();
// "1080p:1080:5000,720p:720:3000" <-> rungs (the `ladder` variable and the config's form).
Result<std::vector<VodRung>> parse_vod_ladder(const std::string& text);
std::string format_vod_ladder(const std::vector<VodRung>& rungs);

// What the job knows of the source (from the probe) that shapes the line.
struct VodSource {
  std::string container;    // "quicktime" | "matroska" | other (decodebin)
  int width = 0, height = 0;
  int fps_num = 0, fps_den = 1;
  std::string video_codec;  // "h264", other, "" = no video
  std::string audio_codec;  // "aac", other, "" = no audio
};

// A rung as it will be made for a given source.
struct PlannedRung {
  std::string name;
  int width = 0, height = 0;
  int bitrate_kbps = 0;  // 0 for a copied rung: its rate is measured
  bool copy = false;     // the source's own H.264, not encoded again
};

// Rungs above the source are left out; a rung at the source's size is copied when the source is
// H.264 (and copy is allowed); a source smaller than every rung gets one rung at its own size.
std::vector<PlannedRung> plan_rungs(const VodSource& source, const std::vector<VodRung>& ladder, bool allow_copy);

// Seek-preview tiles: 160 pixels wide, the source's aspect, 10 x 10 per sheet.
inline constexpr int kSpriteTileWidth = 160;
inline constexpr int kSpriteColumns = 10;
inline constexpr int kSpriteRows = 10;
int sprite_tile_height(int source_width, int source_height);

// The template the library plugin registers (its generator reads the variables below).
//   source, out             the film's path and the item's output folder (required)
//   container, width, height, fps, video_codec, audio_codec    from the probe
//   audio_tracks            every audio track's codec in demuxer order ("aac,ac3"); empty: the
//                           one audio_codec names
//   ladder, segment_s, preset, threads, copy                   from the config (threads 0: per encoder,
//                           1.5 a core shared by the encoders, at least 2)
//   fast_start              true: short first segments (kekkeyframes + startup-durations)
PipelineTemplate vod_abr_template();

// x264 threads of each encoder: the configured number, or (0) 1.5 per core shared by the
// ladder's encoders, at least 2 each.
int encoder_threads(int configured, int encoders, int cores);

// The first segments' durations for a segment length: 1, 1, 2, ... up to segment_s (4: 1,1,2;
// 6: 1,1,2,2); empty when segment_s is 1.
std::vector<int> startup_durations(int segment_s);

// The audio tracks the line packages: audio_tracks, else audio_codec alone.
std::vector<std::string> audio_track_codecs(const VarLookup& var);

// The generator itself, for tests and for `kek pipelines show`.
Result<std::string> vod_abr_launch(const VarLookup& var);

}  // namespace kek::library
