// What kekdashsink tells the LL-HLS side of the plugin as it writes (RFC 8216bis blocking
// playlist reload and preload hints): a part or segment file put in place, a media playlist
// rewritten. The plugin provides one implementation as the service `kName`; the sink finds it
// through the kek.services GstContext (as kekthumbnailsink finds its decode pool) and writes
// without it when there is none (gst-launch outside kek).
//
// Thread-safe: called from the sink's streaming threads, after the file is renamed into place.
// An implementation must not block the caller (it hands over to the main loop).
#pragma once

#include <cstdint>
#include <string>

namespace kek::dash {

struct LlPlaylistState {
  std::string path;          // the media playlist's absolute path, just renamed into place
  uint64_t msn = 0;          // Media Sequence Number of the newest segment or part it lists
  int64_t part = -1;         // the newest part listed in segment `msn`; -1 when `msn` is a whole
                             // segment with no open part after it
  uint64_t target_ns = 0;    // EXT-X-TARGETDURATION in ns (a held request gives up after 3x)
  uint64_t part_target_ns = 0;  // EXT-X-PART-INF PART-TARGET in ns
  bool ended = false;        // it carries EXT-X-ENDLIST: every held request is answered now
};

class LlNotices {
 public:
  static constexpr const char* kName = "dash.ll-notices";
  virtual ~LlNotices() = default;
  virtual void playlist_written(const LlPlaylistState& state) = 0;
  // A part or segment file (absolute path) now in place: a preload-hinted request may go.
  virtual void file_written(const std::string& path) = 0;
};

}  // namespace kek::dash
