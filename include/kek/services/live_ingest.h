// Publishing into KEK's live streams from another protocol (SRT, WHIP, ...). The rtmp plugin
// provides it: a publish that comes this way is authorized by the same PublishAuthorizer as an
// RTMP publish, starts the same app layout (its source is the same kind of stream), is listed by
// /api/live and LiveStreams, and gets the same reconnect grace. The ingest plugin hands over its
// media as FLV tag bodies (what an RTMP publisher sends): VIDEODATA with an AVC sequence header
// (AVCDecoderConfigurationRecord) before the first frame, AUDIODATA with the AAC
// AudioSpecificConfig before the first frame.
//
//   auto* ingest = host.services().get<kek::LiveIngest>();
//   auto publish = ingest->publish({"live", key, remote, "SRT"}, [](const std::string& why) { ... });
//   if (!publish) refuse(publish.error().message);
//   (*publish)->media(kek::LiveMediaKind::video, ts_ms, body);
//   publish->reset();  // the publisher is gone
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace kek {

enum class LiveMediaKind { audio, video };

struct LiveIngestRequest {
  std::string app;     // "live"
  std::string key;     // the stream key (secret)
  std::string remote;  // peer address, for logs and the authorizer
  std::string client;  // what publishes, as /api/live's "client" shows it: "SRT", "WHIP (OBS)"
};

// What the publisher sends, once it knows (an MPEG-TS PMT, an SDP): the pipeline starts at once
// with these tracks instead of waiting for the second one. Sizes 0 when not known.
struct LiveTracks {
  bool has_audio = false;
  bool has_video = false;
  int width = 0;
  int height = 0;
  double fps = 0;
};

// One publish, from LiveIngest::publish to its destruction, which ends it (the stream waits for
// a publisher with the same key for the reconnect grace, as for RTMP). Main loop only.
class LivePublish {
 public:
  virtual ~LivePublish() = default;
  virtual const std::string& stream() const = 0;  // the public name: /media/<app>/<stream>/
  virtual void describe(const LiveTracks& tracks) = 0;
  // An FLV AUDIODATA or VIDEODATA tag body with its decode timestamp in milliseconds. A codec
  // other than H.264/AAC ends the publish (on_terminated with the reason).
  virtual void media(LiveMediaKind kind, uint32_t timestamp_ms, std::span<const uint8_t> body) = 0;
};

class LiveIngest {
 public:
  static constexpr const char* kName = "rtmp.live-ingest/1";
  virtual ~LiveIngest() = default;
  // Main loop. Asks the publish authorizer; a refusal is an error (403 with the reason, 404 for
  // an unknown app). on_terminated is called (main loop, at most once) when the server ends the
  // publish itself: another publisher took the stream over, the pipeline did not start, the
  // codec is not accepted, the server stops. The publisher should then disconnect and drop
  // the LivePublish, later (an idle callback): the call comes from inside the server.
  virtual Result<std::unique_ptr<LivePublish>> publish(const LiveIngestRequest& request,
                                                       std::function<void(const std::string& reason)> on_terminated) = 0;
};

}  // namespace kek
