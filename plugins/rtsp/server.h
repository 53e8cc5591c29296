// KEK's RTSP output: gst-rtsp-server on the main loop, a mount per live stream at
// rtsp://HOST:PORT/<app>/<stream>, made when a player first asks for it (so it matches the tracks
// the stream has) and removed when the stream ends. One shared media per stream, however many
// players: kekrtmpsrc ! flvdemux ! the parsers ! RTP payloaders, no re-encode. Every DESCRIBE,
// SETUP and PLAY is checked against the stream's visibility (kek::Identity::may_open): a public
// or unlisted stream opens for anyone, a private one only with a signed token (?token=...) of
// an account that may watch it: the auth plugin's signed media URL token (MediaAccess::sign,
// checked by MediaAccess::token_opens as the /media/ guard checks it).
#pragma once

#include "settings.h"

#include <kek/host.h>

#include <gst/rtsp-server/rtsp-server.h>

#include <map>
#include <optional>
#include <string>

namespace kek::rtsp {

class Server {
 public:
  Server(Host& host, Settings settings) : host_(host), settings_(std::move(settings)) {}
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  kek::Status listen();
  void stop();
  int port() const { return port_; }
  const Settings& settings() const { return settings_; }

  // The stream ended: its mount goes (a new publish gets a new shared media).
  void unmount(const std::string& app, const std::string& stream);
  // GET /api/rtsp/{stream}: the URL the caller may open, with a token for a private stream.
  HttpResponse url_for(const HttpRequest& request);

 private:
  struct Target {
    std::string app, stream;
    std::string prefix() const { return app + "/" + stream + "/"; }
  };
  static std::optional<Target> target_of(const GstRTSPUrl* uri);
  GstRTSPStatusCode admit(GstRTSPClient* client, GstRTSPContext* ctx, bool mount);
  void ensure_mount(const Target& target, bool has_video, bool has_audio);
  static void on_client(GstRTSPServer* server, GstRTSPClient* client, gpointer self);
  static GstRTSPStatusCode on_describe(GstRTSPClient* client, GstRTSPContext* ctx, gpointer self);
  static GstRTSPStatusCode on_other(GstRTSPClient* client, GstRTSPContext* ctx, gpointer self);
  static void on_media_configure(GstRTSPMediaFactory* factory, GstRTSPMedia* media, gpointer self);

  Host& host_;
  Settings settings_;
  GstRTSPServer* server_ = nullptr;
  guint source_ = 0;
  guint cleanup_ = 0;
  int port_ = 0;
  std::map<std::string, std::string> mounted_;  // path -> the launch line it was made with
};

}  // namespace kek::rtsp
