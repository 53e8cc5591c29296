// The master playlist as a ladder runs: what each variant's pads have told (caps, SPS, measured
// or declared bit rates, whether its media playlist exists) becomes the STREAM-INF entries, and
// the file is (re)written through the PlaylistStore when it first can be and when a figure moves
// enough. Pure logic, unit-tested on its own; the caller serializes the calls.
#pragma once

#include "bandwidth.h"
#include "playlist_store.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kek::hls {

// What the master needs to know about a video pad, from its caps and its keyframes' SPS.
struct VideoFormat {
  bool have_caps = false;
  bool codec_known = false;  // codec settled: from the SPS, codec_data, or the caps as a fallback
  int width = 0, height = 0;
  int fps_num = 0, fps_den = 1;
  std::string caps_codec;  // avc1.* from codec_data or profile/level caps
  std::string codec;       // what goes into CODECS
  std::vector<uint8_t> codec_data;  // the caps' (avc stream-format only), to see the SPS change
  // From the last in-band SPS: what the decoder will actually produce. h264parse keeps the size
  // upstream caps announced (flvdemux's, from onMetaData) when a new SPS changes it in-band, so
  // the caps alone can go on saying 320x180 over 640x360 pictures.
  int sps_width = 0, sps_height = 0;
  std::string sps_codec;

  int shown_width() const { return sps_width > 0 ? sps_width : width; }
  int shown_height() const { return sps_height > 0 ? sps_height : height; }

  bool same_as(const VideoFormat& o) const {
    return width == o.width && height == o.height && fps_num == o.fps_num && fps_den == o.fps_den &&
           codec == o.codec;
  }
};

// One variant as the master sees it.
struct MasterVariant {
  std::string_view name;       // its directory: the URI is <name>/index.m3u8
  bool audio_only = false;
  bool playlist_written = false;
  const VideoFormat* format = nullptr;  // video variants
  Rates rates;                 // measured on its video pad
  uint64_t declared_bps = 0;   // the whole variant's, until measured; 0 = none
};

// The shared audio pad, if there is one.
struct MasterAudio {
  bool have_caps = false;
  std::string_view codec;
  Rates rates;
};

// Bandwidth moves this much before the master is rewritten (players only need a rough figure;
// rewriting on every wobble would just churn the file).
inline constexpr double kMasterRewriteThreshold = 0.10;
// BANDWIDTH is the busiest window's rate plus this: windows are not cut where segments are, and
// the busiest run of segments measured 0.4-3 % above it in the element tests (RFC 8216 wants
// BANDWIDTH at or above it; 10 % keeps it within 1.0-1.3x of the real peak).
inline constexpr uint64_t kPeakHeadroomPercent = 10;

class MasterPlaylistWriter {
 public:
  explicit MasterPlaylistWriter(PlaylistStore& store) : store_(store) {}

  // A new run: the master at `path`, rewritten at most once per `window_ns` of media time.
  void start(std::string path, uint64_t window_ns);
  // Caps or an SPS changed what a variant looks like: rewrite at the next chance.
  void format_changed() { format_changed_ = true; }

  // Writes the master if every variant can be described and it is new or has changed enough;
  // `media_ts` is the caller's stream time, `final` (EOS) lifts the once-a-window limit and the
  // wait for every media playlist.
  std::optional<WriteError> update(std::span<const MasterVariant> variants, const MasterAudio* audio,
                                   uint64_t media_ts, bool final);

  bool written() const { return written_; }
  uint64_t last_write_ts() const { return last_write_ts_; }
  const std::string& text() const { return last_text_; }

 private:
  struct Bandwidth {
    uint64_t peak = 0, average = 0;
    bool known = false;
  };
  static Bandwidth bandwidth_of(const MasterVariant& v, const MasterAudio* audio);

  PlaylistStore& store_;
  std::string path_;
  uint64_t window_ns_ = 0;
  bool written_ = false;
  bool format_changed_ = false;
  uint64_t last_write_ts_ = 0;
  std::string last_text_;
  std::vector<Bandwidth> written_bw_;  // per variant, as last written
};

}  // namespace kek::hls
