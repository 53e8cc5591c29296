// The serving half of LL-HLS (RFC 8216bis): the LlNotices kekdashsink calls as it writes, and
// the MediaHold that keeps a media request waiting on the main loop until what it asks for is on
// disk.
//
//   Blocking playlist reload (6.2.5.2): GET <media playlist>?_HLS_msn=M[&_HLS_part=P] is held
//   until the playlist lists segment M whole (or part P of M; a P past M's last part means part 0
//   of M+1) and is then served the file as written. At once instead: 400 for _HLS_part without
//   _HLS_msn, for M more than two segments past the newest, for P more than the Advance Part
//   Limit (3 s of parts) ahead; the playlist as it is when it already satisfies the request or has
//   ended. 503 when not satisfied within three target durations.
//   Preload hints (4.4.5.3): GET of the next part file of a playlist's folder before it is
//   written (what EXT-X-PRELOAD-HINT names) is held until it is in place, then served; if a later
//   part or the whole segment comes instead, it is let go to the file server (404: it will never
//   exist); 503 after three target durations.
//   Playlists the notices never spoke of (plain HLS, DASH) and their folders are never held.
//
// Bounded: at most `per_playlist` held requests per playlist (its parts count with it) and
// `per_client` per playlist and client address; more are answered 503 at once. A client that
// goes away is dropped by the host (its late release is ignored); its entry here goes at the
// notice or timer that ends it. Every timer is removed with its entry and with the object.
#pragma once

#include "ll_notices.h"

#include <kek/http.h>

#include <glib.h>

#include <cstddef>
#include <memory>
#include <string>

namespace kek::dash {

struct LlHoldLimits {
  size_t per_playlist = 1024;
  size_t per_client = 16;
};

class LlHold final : public LlNotices {
 public:
  // media_dir: the folder served under /media/ (the host's config). Construct it on the thread
  // whose main context runs the HTTP server: notices and timers run there.
  explicit LlHold(std::string media_dir, LlHoldLimits limits = {});
  ~LlHold() override;
  LlHold(const LlHold&) = delete;
  LlHold& operator=(const LlHold&) = delete;

  // LlNotices: any thread; handed to the main context, never blocks the caller.
  void playlist_written(const LlPlaylistState& state) override;
  void file_written(const std::string& path) override;

  // The MediaHold for host.http().hold_media. Main loop.
  bool hold(const HttpRequest& request, MediaRelease release);

  // Requests held now (for tests and metrics). Main loop.
  size_t held() const;

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace kek::dash
