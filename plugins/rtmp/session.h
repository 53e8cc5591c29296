// One RTMP connection, from the first handshake byte to the end of a publish: the protocol
// state machine above the handshake and the chunk layer. It owns no socket and no clock; the
// server feeds it received bytes, writes out what it produces, and hears about the publish
// through SessionCallbacks. Ingest only: `play` is refused.
//
// The conversation it answers (as ffmpeg, OBS and GStreamer's rtmp2sink hold it):
//   C0+C1 -> S0+S1+S2, C2
//   connect            -> Window Ack Size, Set Peer Bandwidth, Set Chunk Size,
//                         _result {fmsVer, capabilities} {NetConnection.Connect.Success}
//   releaseStream      -> _result (only when the client asked for one: transaction id != 0)
//   FCPublish          -> _result (same rule)
//   createStream       -> _result with the new message stream id (1, 2, ...)
//   publish            -> on_publish() decides: accepted -> Stream Begin, onFCPublish,
//                         onStatus NetStream.Publish.Start; refused -> onStatus level "error"
//                         (NetStream.Publish.BadName unless the verdict names another code), then
//                         should_close()
//   @setDataFrame/onMetaData (type 18, or 15 = AMF3 wrapper) -> on_metadata()
//   audio (8) / video (9) -> on_codec() on the first tag and on codec changes, then on_media()
//   FCUnpublish / closeStream / deleteStream -> onStatus NetStream.Unpublish.Success, on_unpublish()
//   play               -> onStatus NetStream.Play.Failed (level "error"), should_close()
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amf0.h"
#include "chunk_reader.h"
#include "chunk_writer.h"
#include "handshake.h"
#include "media_codec.h"
#include "result.h"

namespace kek::rtmp {

// What a client asked to publish, from its connect and publish commands.
struct PublishRequest {
  std::string app;            // connect's "app" up to any '?', e.g. "live"
  std::string app_query;      // what followed '?' in the app (rtmp2sink puts auth there), or ""
  std::string tc_url;         // connect's "tcUrl", e.g. "rtmp://host:1935/live"
  std::string flash_version;  // connect's "flashVer", which names the client software
  std::string stream_key;     // the publish name up to any '?'
  std::string stream_query;   // what followed '?' in the publish name, or ""
  std::string publish_type;   // "live" (default), "record" or "append"
  std::uint32_t message_stream_id = 0;
};

struct PublishVerdict {
  bool accepted = true;
  std::string reason;       // sent to the client as the onStatus description
  std::string status_code;  // onStatus code sent with a refusal

  static PublishVerdict accept() { return {}; }
  // GStreamer's rtmp2sink reports BadName as "stream already exists" and NetStream.Publish.Denied
  // as "publish denied"; ffmpeg and OBS print the description whatever the code.
  static PublishVerdict refuse(std::string reason,
                               std::string status_code = "NetStream.Publish.BadName") {
    return {false, std::move(reason), std::move(status_code)};
  }
};

// A data message of the publishing stream, typically onMetaData.
struct MetadataMessage {
  std::string name;              // "onMetaData" ("@setDataFrame" is already stripped)
  amf0::Values arguments;        // for onMetaData: one ECMA array of stream properties
  // `name` and `arguments` encoded as AMF0: the body of an FLV script tag. Borrowed.
  std::span<const std::uint8_t> script_tag_body;
  std::uint32_t timestamp = 0;
};

// Called from inside Session::feed() (and terminate() / notify_disconnected() for
// on_unpublish). A callback may call terminate() but must not call feed().
class SessionCallbacks {
 public:
  virtual ~SessionCallbacks() = default;

  // A client asks to publish. Accepting starts the publish; refusing sends the reason to the
  // client and ends the connection.
  virtual PublishVerdict on_publish(const PublishRequest& request) = 0;
  // The codec of the first audio or video tag, and again whenever it changes. Refusing ends the
  // publish (onStatus level "error" with the reason, then on_unpublish, then should_close).
  virtual PublishVerdict on_codec(const CodecInfo& codec) {
    (void)codec;
    return PublishVerdict::accept();
  }
  virtual void on_metadata(const MetadataMessage& metadata) { (void)metadata; }
  // One FLV audio or video tag body, as the client sent it (first byte = codec/frame flags).
  // Borrowed: copy what you keep. Timestamps are RTMP's: milliseconds, 32 bits, wrapping.
  virtual void on_media(MediaKind kind, std::uint32_t timestamp_ms,
                        std::span<const std::uint8_t> payload) = 0;
  // The accepted publish ended, for whatever reason: the client unpublished, a codec or
  // terminate() refused it, the input turned malformed, the peer disconnected. Called exactly
  // once per accepted on_publish.
  virtual void on_unpublish() {}
  // Something odd but harmless (unknown command, media outside a publish), for the log.
  virtual void on_warning(std::string_view message) { (void)message; }
};

struct SessionConfig {
  std::uint32_t chunk_size = 4096;  // outgoing (1..16 MiB); announced with Set Chunk Size after connect
  // Announced after connect. The client acknowledges every this many bytes it receives, and
  // unless it announces its own window we acknowledge every this many bytes we receive.
  std::uint32_t window_ack_size = 2500000;
  std::uint32_t peer_bandwidth = 2500000;
  ChunkReaderLimits limits;
  amf0::DecodeLimits amf_limits;
  std::uint32_t max_message_streams = 8;  // createStream calls per connection
  std::size_t max_pending_output = 1024 * 1024;  // unsent replies before we give up on the peer
  std::uint64_t random_seed = 0;          // S1 filler; pass something unpredictable
  std::uint32_t uptime_ms = 0;            // S1 time field
};

class Session {
 public:
  enum class State {
    handshake,         // exchanging C0..C2 / S0..S2
    awaiting_connect,  // handshake done, no connect yet
    connected,         // connect answered, not publishing
    publishing,        // a publish was accepted; media flows to on_media
    closing,           // we decided to end the connection: flush the output, then close
    failed,            // feed() reported an error: close now
  };

  explicit Session(SessionCallbacks& callbacks, SessionConfig config = {});
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Processes bytes received from the peer. A failure means the peer broke the protocol
  // (the message says how): write what pending_output() still holds if convenient, then close.
  // After should_close() further input is ignored.
  Status feed(std::span<const std::uint8_t> bytes);

  // Bytes to send to the peer; call consume_output() with how many were written.
  std::span<const std::uint8_t> pending_output() const;
  void consume_output(std::size_t count);
  bool has_output() const { return out_begin_ < out_.size(); }

  // Close the connection once pending_output() is written (publish refused, play refused,
  // terminate()), or now after a failed feed().
  bool should_close() const { return state_ == State::closing || state_ == State::failed; }
  const std::string& close_reason() const { return close_reason_; }

  // The server ends the connection (pipeline failed, shutdown, stream kicked): tells a
  // publishing client why (onStatus NetStream.Failed, level "error"), calls on_unpublish if a
  // publish was running, and sets should_close().
  void terminate(std::string_view reason);
  // The peer went away (socket closed or errored): calls on_unpublish if a publish was running.
  void notify_disconnected();

  State state() const { return state_; }
  bool publishing() const { return state_ == State::publishing; }
  // The last publish request handed to on_publish (empty before).
  const PublishRequest& publish_request() const { return request_; }
  const std::optional<CodecInfo>& video_codec() const { return video_codec_; }
  const std::optional<CodecInfo>& audio_codec() const { return audio_codec_; }
  std::uint64_t bytes_received() const { return bytes_received_; }

 private:
  struct Command;

  Status feed_bytes(std::span<const std::uint8_t> bytes);
  Status handle_message(const Message& message);
  Status handle_command(const Message& message, std::span<const std::uint8_t> body);
  Status handle_data(const Message& message, std::span<const std::uint8_t> body);
  Status handle_media(MediaKind kind, const Message& message);
  Status handle_aggregate(const Message& message);
  Status handle_user_control(const Message& message);

  Status on_connect(const Command& command);
  Status on_create_stream(const Command& command);
  Status on_publish(const Message& message, const Command& command);
  Status on_play(const Message& message);
  void on_delete_stream(const Command& command);
  void stop_publishing_by_client();

  void send(std::uint32_t chunk_stream, std::uint8_t type, std::uint32_t stream_id,
            std::span<const std::uint8_t> payload);
  void send_control(std::uint8_t type, std::uint32_t value);
  void send_user_control(std::uint16_t event, std::uint32_t value);
  void send_command(std::uint32_t stream_id, std::span<const amf0::Value> values);
  void send_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                   std::string_view description);
  void send_acknowledgement_if_due();

  void end_publish();  // leaves `publishing`, calls on_unpublish
  void begin_close(std::string reason);
  Status fail(std::string reason);
  void warn_once(std::size_t slot, std::string_view message);

  SessionCallbacks& callbacks_;
  SessionConfig config_;
  State state_ = State::handshake;
  ServerHandshake handshake_;
  ChunkReader reader_;
  ChunkWriter writer_;

  std::vector<std::uint8_t> out_;
  std::size_t out_begin_ = 0;
  std::vector<std::uint8_t> scratch_;      // reused for encoding outgoing commands
  std::vector<std::uint8_t> script_body_;  // MetadataMessage::script_tag_body

  std::uint64_t bytes_received_ = 0;
  std::uint64_t acknowledged_ = 0;  // bytes_received_ at the last Acknowledgement we sent
  std::uint32_t peer_window_ = 0;   // the client's Window Ack Size, 0 if it sent none

  PublishRequest request_;  // app, tcUrl, flashVer filled at connect; the rest at publish
  std::vector<std::uint32_t> message_streams_;  // ids handed out by createStream
  std::uint32_t next_stream_id_ = 1;
  std::uint32_t publish_stream_id_ = 0;
  bool fc_publish_seen_ = false;
  std::optional<CodecInfo> video_codec_;
  std::optional<CodecInfo> audio_codec_;
  std::string close_reason_;
  std::bitset<8> warned_;
};

}  // namespace kek::rtmp
