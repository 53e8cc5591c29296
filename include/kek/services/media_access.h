// Who may fetch what under /media/. The auth plugin provides it and guards /media/ with it;
// plugins that publish media (rtmp for live streams, library for films) declare a policy for
// the path prefix they write, e.g. "live/cam1/" with the owner's chosen visibility.
#pragma once

#include <kek/error.h>

#include <glib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kek {

enum class Visibility { public_, unlisted, private_ };

inline const char* to_string(Visibility v) {
  switch (v) {
    case Visibility::public_: return "public";
    case Visibility::unlisted: return "unlisted";
    case Visibility::private_: return "private";
  }
  return "private";
}

// Grants name accounts by id (kek::UserIdentity::id), never by name: ids are never reused, so
// a deleted account's grants end with it and whoever later gets a similar name inherits nothing.
struct MediaPolicy {
  Visibility visibility = Visibility::public_;
  int64_t owner_id = 0;                     // always allowed; 0: no owner (only allowed ones)
  std::vector<int64_t> allowed_user_ids;    // accounts it is shared with
  std::vector<std::string> allowed_groups;  // group names ("family"), members at the time of the check
};

class MediaAccess {
 public:
  static constexpr const char* kName = "auth.media-access/2";
  virtual ~MediaAccess() = default;
  // prefix is relative to the media root, ending in '/': "live/cam1/". The longest match wins;
  // paths under no policy are public. The provider keeps a marker (policy_marker_path) for
  // every non-public policy, so that a server started without it serves none of it.
  virtual void set_policy(const std::string& prefix, MediaPolicy policy) = 0;
  virtual void remove_policy(const std::string& prefix) = 0;
  // A URL token for external players (VLC, ffmpeg), made for the account user_id: it carries
  // who asked and when, and is checked at every use against the policies in force then (the
  // account must still exist and still be allowed to watch). 403 when user_id may not watch
  // everything under the prefix now. Append as ?token=... to any URL under the prefix, or use
  // /media/~t/<token>/<prefix> so that a playlist's relative URLs carry it.
  virtual Result<std::string> sign(const std::string& prefix, int64_t ttl_seconds, int64_t user_id) = 0;
  // Whether a token sign() made opens relative_path ("live/cam/index.m3u8") now, checked as the
  // /media/ guard checks it: for media served outside /media/ (RTSP). Main thread. Added after
  // the methods above (a provider built before it does not have it).
  virtual bool token_opens(const std::string& token, const std::string& relative_path) = 0;
};

// Markers of the prefixes a MediaAccess provider keeps private or unlisted, one file each in a
// folder of the media root that is never served: <media_dir>/.kek-policies/<SHA-256 hex of the
// prefix> (the file holds the prefix). A server running without a provider (no auth plugin)
// serves nothing below a marked prefix.
inline constexpr const char* kPolicyMarkerDir = ".kek-policies";

inline std::string policy_marker_path(const std::string& media_dir, std::string_view prefix) {
  g_autofree char* digest =
      g_compute_checksum_for_data(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(prefix.data()), prefix.size());
  return media_dir + "/" + kPolicyMarkerDir + "/" + digest;
}

}  // namespace kek
