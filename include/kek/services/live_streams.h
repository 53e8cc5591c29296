// The live streams being published now. The rtmp plugin provides it; other plugins (channels,
// chat) ask it which streams are live and whose they are, instead of reading rtmp's state.
#pragma once

#include <kek/pipelines.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kek {

struct LiveStreamInfo {
  std::string app;      // "live"
  std::string stream;   // the public name: /media/<app>/<stream>/
  std::string owner;    // user name of the key's owner ("config" for keys from the rtmp config)
  int64_t owner_id = 0; // kek::UserIdentity::id; 0 for keys from the rtmp config
  int64_t since_us = 0; // g_get_real_time() when the publish began
  bool reconnecting = false;  // the publisher dropped; the grace period runs
  bool has_video = false;     // video has arrived (its codec is known); added after the fields above
  bool has_audio = false;     // audio has arrived

  std::string media_prefix() const { return app + "/" + stream + "/"; }  // for Identity::may_view
};

class LiveStreams {
 public:
  static constexpr const char* kName = "rtmp.live-streams/1";
  virtual ~LiveStreams() = default;
  // Main loop. Every stream, whoever may watch it: filter with Identity::may_view before showing.
  virtual std::vector<LiveStreamInfo> list() const = 0;
  virtual std::optional<LiveStreamInfo> find(const std::string& stream) const = 0;
};

// Live streams that no publisher sends (SDK 1.3): a premiere playing a film on schedule. Their
// plugin announces one while its pipeline runs and withdraws it at the end; the rtmp plugin's
// /api/live lists it beside the published streams, through the same visibility check
// (Identity::may_view on app/stream/), with the URLs its template's live layout publishes.
struct LiveAnnouncement {
  std::string app = "live";
  std::string stream;         // "premiere-<id>": its media are under /media/<app>/<stream>/
  std::string template_name;  // the live layout that writes it (its outputs give the URLs)
  Vars vars;                  // that layout's variables, for its outputs' URLs
  std::string owner;          // user name of whoever scheduled it
  int64_t owner_id = 0;
  int64_t since_us = 0;       // g_get_real_time() when it began (the scheduled start)
  std::string kind;           // "premiere": what the web UI says it is
  std::string title;          // shown as the stream's title
  std::string page;           // where a viewer watches it in the web UI: "/poster/<id>"
  std::string poster_url;     // a picture for its card, "" for none
  int width = 0;              // the top rendition's picture size
  int height = 0;

  std::string media_prefix() const { return app + "/" + stream + "/"; }
};

class LiveAnnouncements {
 public:
  static constexpr const char* kName = "rtmp.live-announcements/1";
  virtual ~LiveAnnouncements() = default;
  // Main loop. Lists it (replacing an announcement of the same app/stream).
  virtual void announce(LiveAnnouncement announcement) = 0;
  virtual void withdraw(const std::string& app, const std::string& stream) = 0;
  virtual std::vector<LiveAnnouncement> announced() const = 0;
};

}  // namespace kek
