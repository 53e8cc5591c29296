// The film library as other plugins see it. The library plugin provides it; History (resume
// points) and Poster (premieres) ask it about items instead of reading its tables. Main thread
// only, like the database behind it.
#pragma once

#include <kek/error.h>
#include <kek/services/media_access.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kek {

// Published on the event bus when an item is gone (files, rows and pictures removed):
// fields id, owner_id, media_prefix. Plugins that keep something per item drop it.
inline constexpr const char* kEventLibraryDeleted = "library.deleted";
// Published when an item first plays (its master playlist exists): fields id, owner_id.
inline constexpr const char* kEventLibraryPlayable = "library.playable";

struct LibraryRendition {
  std::string name;          // "720p"
  int width = 0;
  int height = 0;
  int bitrate_kbps = 0;
  std::string playlist_url;  // "/media/vod/<id>/hls/720p/index.m3u8"
};

struct LibraryItemInfo {
  std::string id;
  std::string title;
  std::string status;        // "queued" | "processing" | "ready" | "failed"
  bool playable = false;     // the master playlist plays (before "ready" when progressive)
  bool has_video = true;     // false: an audio item, shown with its poster
  double duration_s = 0;     // 0 until probed
  int64_t owner_id = 0;      // the Identity user id (0: no accounts)
  std::string owner_username;
  Visibility visibility = Visibility::public_;
  // Who may watch it: the policy the library sets on media_prefix (visibility, owner, the
  // accounts and groups it is shared with), for media made from it (a premiere's stream).
  MediaPolicy policy;
  std::string media_prefix;  // "vod/<id>/": ask Identity::may_view(user, media_prefix)
  std::string media_dir;     // absolute folder of that prefix on disk
  std::string poster_url;    // "" when there is no poster yet
  std::string hls_url;       // master playlist URL once playable, else ""
  std::string dash_url;      // MPD URL once playable, else ""
  std::vector<LibraryRendition> renditions;
  int64_t created_at = 0;    // unix seconds
  int64_t updated_at = 0;
};

class Library {
 public:
  static constexpr const char* kName = "library.catalogue/1";
  virtual ~Library() = default;
  // One item; nullopt when there is none (or it was deleted). No visibility check: the caller
  // filters with Identity::may_view(user, info.media_prefix) before showing it to anyone.
  virtual Result<std::optional<LibraryItemInfo>> item(const std::string& id) = 0;
  // Several items in the order of `ids`; unknown ids are left out.
  virtual Result<std::vector<LibraryItemInfo>> items(const std::vector<std::string>& ids) = 0;
};

}  // namespace kek
