#include "session.h"

#include <new>

#include <algorithm>
#include <array>
#include <utility>

namespace kek::rtmp {

namespace {

using amf0::Property;
using amf0::Value;

// What nginx-rtmp answers; clients only print it.
constexpr std::string_view kServerVersion = "FMS/3,0,1,123";
constexpr double kServerCapabilities = 31;
constexpr std::uint8_t kPeerBandwidthDynamic = 2;

// warn_once() slots.
enum WarningSlot : std::size_t {
  kMediaOutsidePublish,
  kMediaOnOtherStream,
  kDataOutsidePublish,
  kUnsupportedMessage,
  kEmptyMedia,
  kUnnamedData,
  kAggregateContent,
};

std::uint32_t read_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
std::uint32_t read_u24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | std::uint32_t{p[2]};
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// A stream id the peer sent as an AMF0 number; nullopt for NaN, fractions, negatives and
// values past 32 bits (converting those to an integer would be undefined behaviour).
std::optional<std::uint32_t> to_stream_id(double value) {
  if (!(value >= 0 && value <= 4294967295.0) || value != static_cast<double>(static_cast<std::uint64_t>(value))) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(value);
}

// "name?query" -> {"name", "query"}.
std::pair<std::string, std::string> split_query(std::string_view text) {
  const auto mark = text.find('?');
  if (mark == std::string_view::npos) return {std::string(text), std::string()};
  return {std::string(text.substr(0, mark)), std::string(text.substr(mark + 1))};
}

Value status_object(std::string_view level, std::string_view code, std::string_view description) {
  return Value::object({
      Property{"level", Value::string(std::string(level))},
      Property{"code", Value::string(std::string(code))},
      Property{"description", Value::string(std::string(description))},
  });
}

SessionConfig sanitized(SessionConfig config) {
  // Chunk sizes outside 1..2^31-1 cannot be announced; past 16 MiB they only waste memory.
  config.chunk_size = std::clamp<std::uint32_t>(config.chunk_size, 1, 0x1000000);
  return config;
}

}  // namespace

struct Session::Command {
  std::string_view name;
  double transaction_id = 0;
  const Value* object = nullptr;        // the command object (null for most commands)
  std::span<const Value> arguments;     // what follows the command object

  const Value* argument(std::size_t i) const { return i < arguments.size() ? &arguments[i] : nullptr; }
  std::string_view string_argument(std::size_t i) const {
    const Value* v = argument(i);
    return v ? std::string_view(v->as_string()) : std::string_view();
  }
  bool wants_reply() const { return transaction_id != 0; }
};

Session::Session(SessionCallbacks& callbacks, SessionConfig config)
    : callbacks_(callbacks),
      config_(sanitized(config)),
      handshake_(config.random_seed, config.uptime_ms),
      reader_(config.limits),
      writer_(kDefaultChunkSize) {}

std::span<const std::uint8_t> Session::pending_output() const {
  return std::span<const std::uint8_t>(out_).subspan(out_begin_);
}

void Session::consume_output(std::size_t count) {
  out_begin_ += std::min(count, out_.size() - out_begin_);
  if (out_begin_ == out_.size()) {
    out_.clear();
    out_begin_ = 0;
  } else if (out_begin_ > 65536 && out_begin_ > out_.size() / 2) {
    // A slow reader: drop what was written so the buffer does not only grow.
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_begin_));
    out_begin_ = 0;
  }
}

Status Session::feed(std::span<const std::uint8_t> bytes) {
  // Memory grows only with what has arrived, but a machine can still run out: that ends this
  // connection with a reason, never escapes into the server's event loop.
  try {
    return feed_bytes(bytes);
  } catch (const std::bad_alloc&) {
    return fail("out of memory while reading this connection's input");
  }
}

Status Session::feed_bytes(std::span<const std::uint8_t> bytes) {
  if (state_ == State::failed) return Status::failure(close_reason_);
  if (state_ == State::closing) return {};
  bytes_received_ += bytes.size();

  if (state_ == State::handshake) {
    auto used = handshake_.feed(bytes, out_);
    if (!used) return fail(used.error());
    bytes = bytes.subspan(*used);
    if (!handshake_.done()) return {};
    state_ = State::awaiting_connect;
  }
  if (bytes.empty()) return {};

  Status handled;
  Status parsed = reader_.feed(bytes, [&](const Message& message) {
    handled = handle_message(message);
    return handled.ok() && !should_close();
  });
  if (!parsed) return fail(parsed.error());
  if (!handled) return fail(handled.error());
  if (!should_close()) send_acknowledgement_if_due();
  // Every reply is caused by input, so a peer that keeps sending pings or calls without ever
  // reading the answers could make this buffer grow without end.
  if (out_.size() - out_begin_ > config_.max_pending_output) {
    return fail("peer does not read its replies (" + std::to_string(out_.size() - out_begin_) +
                " bytes pending)");
  }
  return {};
}

Status Session::handle_message(const Message& m) {
  switch (m.type_id) {
    case message_type::command_amf0: return handle_command(m, m.payload);
    case message_type::command_amf3:
    case message_type::data_amf3: {
      // The AMF3 variants wrap AMF0 values behind a format byte that must be 0 (what every
      // client sends; nginx-rtmp likewise skips it). Real AMF3 values are not supported.
      if (m.payload.empty()) return {};
      if (m.payload[0] != 0) {
        return Status::failure("AMF3-encoded " + std::string(m.type_id == message_type::command_amf3
                                                                 ? "command"
                                                                 : "data message") +
                               " (format byte " + std::to_string(m.payload[0]) +
                               ") is not supported; connect with objectEncoding 0");
      }
      auto body = m.payload.subspan(1);
      return m.type_id == message_type::command_amf3 ? handle_command(m, body) : handle_data(m, body);
    }
    case message_type::data_amf0: return handle_data(m, m.payload);
    case message_type::audio: return handle_media(MediaKind::audio, m);
    case message_type::video: return handle_media(MediaKind::video, m);
    case message_type::aggregate: return handle_aggregate(m);
    case message_type::user_control: return handle_user_control(m);
    case message_type::window_ack_size:
      if (m.payload.size() < 4) {
        return Status::failure("Window Acknowledgement Size message of " +
                               std::to_string(m.payload.size()) + " bytes, expected 4");
      }
      peer_window_ = read_u32(m.payload.data());
      return {};
    case message_type::acknowledgement:
    case message_type::set_peer_bandwidth:
      // We send a handful of small replies; the client's view of our bandwidth is moot.
      return {};
    default:
      warn_once(kUnsupportedMessage, "ignoring RTMP message type " + std::to_string(m.type_id) +
                                         " (shared objects and other types are not supported)");
      return {};
  }
}

Status Session::handle_user_control(const Message& m) {
  if (m.payload.size() < 2) {
    return Status::failure("User Control message of " + std::to_string(m.payload.size()) + " bytes");
  }
  const auto event = static_cast<std::uint16_t>((m.payload[0] << 8) | m.payload[1]);
  if (event == user_control_event::ping_request) {
    if (m.payload.size() < 6) return Status::failure("Ping Request without a timestamp");
    send_user_control(user_control_event::ping_response, read_u32(m.payload.data() + 2));
  }
  // Set Buffer Length, Ping Response and the stream events need nothing from a server.
  return {};
}

Status Session::handle_command(const Message& m, std::span<const std::uint8_t> body) {
  auto decoded = amf0::decode_all(body, config_.amf_limits);
  if (!decoded) return Status::failure("malformed AMF0 command: " + decoded.error());
  const amf0::Values& values = *decoded;
  if (values.empty() || !values[0].is_string()) {
    return Status::failure("command message does not start with a command name");
  }
  Command command;
  command.name = values[0].as_string();
  if (values.size() > 1) command.transaction_id = values[1].as_number();
  if (values.size() > 2) command.object = &values[2];
  if (values.size() > 3) command.arguments = std::span<const Value>(values).subspan(3);

  if (state_ == State::awaiting_connect) {
    if (command.name != "connect") {
      return Status::failure("command '" + std::string(command.name) + "' before connect");
    }
    return on_connect(command);
  }
  if (command.name == "connect") return Status::failure("second connect on the same connection");
  if (command.name == "createStream") return on_create_stream(command);
  if (command.name == "publish") return on_publish(m, command);
  if (command.name == "play" || command.name == "play2") return on_play(m);
  if (command.name == "releaseStream" || command.name == "FCPublish") {
    // Flash Media Encoder rituals: nothing to release, nothing to prepare. Answer when asked
    // (ffmpeg and OBS number them; rtmp2sink sends them with transaction id 0).
    if (command.name == "FCPublish") fc_publish_seen_ = true;
    if (command.wants_reply()) {
      const std::array reply{Value::string("_result"), Value::number(command.transaction_id),
                             Value::null(), Value::undefined()};
      send_command(0, reply);
    }
    return {};
  }
  if (command.name == "FCUnpublish" || command.name == "closeStream") {
    stop_publishing_by_client();
    if (command.wants_reply()) {
      const std::array reply{Value::string("_result"), Value::number(command.transaction_id),
                             Value::null(), Value::undefined()};
      send_command(0, reply);
    }
    return {};
  }
  if (command.name == "deleteStream") {
    on_delete_stream(command);
    return {};
  }
  // Commands of players and of clients we do not know. A client that numbered its call waits
  // for an answer: tell it the method does not exist, as Flash Media Server does.
  callbacks_.on_warning("ignoring RTMP command '" + std::string(command.name) + "'");
  if (command.wants_reply()) {
    const std::array reply{
        Value::string("_error"), Value::number(command.transaction_id), Value::null(),
        status_object("error", "NetConnection.Call.Failed",
                      "Method not found (" + std::string(command.name) + ")")};
    send_command(0, reply);
  }
  return {};
}

Status Session::on_connect(const Command& command) {
  if (command.object == nullptr || !command.object->has_properties()) {
    const std::array reply{
        Value::string("_error"), Value::number(command.transaction_id), Value::null(),
        status_object("error", "NetConnection.Connect.Rejected", "connect without a command object")};
    send_command(0, reply);
    begin_close("connect without a command object");
    return {};
  }
  const Value& object = *command.object;
  auto [app, app_query] = split_query(object.string_property("app"));
  request_.app = std::move(app);
  request_.app_query = std::move(app_query);
  request_.tc_url = std::string(object.string_property("tcUrl"));
  request_.flash_version = std::string(object.string_property("flashVer"));

  // The order nginx-rtmp and SRS use, which every client handles: flow control first, then our
  // chunk size (written at the old size, used from the next message on), then the result.
  send_control(message_type::window_ack_size, config_.window_ack_size);
  {
    scratch_.clear();
    put_u32(scratch_, config_.peer_bandwidth);
    scratch_.push_back(kPeerBandwidthDynamic);
    send(chunk_stream::protocol_control, message_type::set_peer_bandwidth, 0, scratch_);
  }
  send_control(message_type::set_chunk_size, config_.chunk_size);
  writer_.set_chunk_size(config_.chunk_size);

  // objectEncoding 0 in the answer keeps AMF3-capable clients on AMF0, the only one we speak.
  const std::array reply{
      Value::string("_result"),
      Value::number(command.transaction_id),
      Value::object({
          Property{"fmsVer", Value::string(std::string(kServerVersion))},
          Property{"capabilities", Value::number(kServerCapabilities)},
          Property{"mode", Value::number(1)},
      }),
      Value::object({
          Property{"level", Value::string("status")},
          Property{"code", Value::string("NetConnection.Connect.Success")},
          Property{"description", Value::string("Connection succeeded.")},
          Property{"objectEncoding", Value::number(0)},
      }),
  };
  send_command(0, reply);
  state_ = State::connected;
  return {};
}

Status Session::on_create_stream(const Command& command) {
  if (message_streams_.size() >= config_.max_message_streams) {
    return Status::failure("client called createStream more than " +
                           std::to_string(config_.max_message_streams) + " times without deleteStream");
  }
  const std::uint32_t id = next_stream_id_++;
  message_streams_.push_back(id);
  const std::array reply{Value::string("_result"), Value::number(command.transaction_id), Value::null(),
                         Value::number(id)};
  send_command(0, reply);
  return {};
}

Status Session::on_publish(const Message& m, const Command& command) {
  const std::uint32_t stream_id = m.stream_id;
  if (state_ == State::publishing) {
    send_status(stream_id, "error", "NetStream.Publish.BadName", "Already publishing on this connection.");
    begin_close("second publish on a connection that is already publishing");
    return {};
  }
  auto [key, query] = split_query(command.string_argument(0));
  request_.stream_key = std::move(key);
  request_.stream_query = std::move(query);
  request_.publish_type = std::string(command.string_argument(1));
  if (request_.publish_type.empty()) request_.publish_type = "live";
  request_.message_stream_id = stream_id;

  if (request_.stream_key.empty()) {
    send_status(stream_id, "error", "NetStream.Publish.BadName", "No stream key given.");
    begin_close("publish without a stream key");
    return {};
  }

  PublishVerdict verdict = callbacks_.on_publish(request_);
  if (should_close()) return {};  // the callback called terminate()
  if (!verdict.accepted) {
    const std::string code = verdict.status_code.empty() ? "NetStream.Publish.BadName" : verdict.status_code;
    send_status(stream_id, "error", code, verdict.reason);
    begin_close("publish refused: " + verdict.reason);  // never the key: it is a secret and this is logged
    return {};
  }

  state_ = State::publishing;
  publish_stream_id_ = stream_id;
  video_codec_.reset();
  audio_codec_.reset();
  send_user_control(user_control_event::stream_begin, stream_id);
  if (fc_publish_seen_) {
    const std::array notice{Value::string("onFCPublish"), Value::number(0), Value::null(),
                            status_object("status", "NetStream.Publish.Start", "Start publishing")};
    send_command(0, notice);
  }
  send_status(stream_id, "status", "NetStream.Publish.Start", "Start publishing");
  return {};
}

Status Session::on_play(const Message& m) {
  send_status(m.stream_id, "error", "NetStream.Play.Failed",
              "This server only accepts publishing; RTMP playback is not supported.");
  begin_close("client tried to play; this server is ingest-only");
  return {};
}

void Session::on_delete_stream(const Command& command) {
  // deleteStream names the stream by number (ffmpeg, OBS); rtmp2sink sends the stream name.
  const Value* target = command.argument(0);
  std::optional<std::uint32_t> id = publish_stream_id_;
  if (target != nullptr && target->is_number()) id = to_stream_id(target->as_number());
  if (!id) return;  // not a stream id we could have handed out
  if (state_ == State::publishing && *id == publish_stream_id_) stop_publishing_by_client();
  std::erase(message_streams_, *id);
}

void Session::stop_publishing_by_client() {
  if (state_ != State::publishing) return;
  send_status(publish_stream_id_, "status", "NetStream.Unpublish.Success", "Stop publishing");
  end_publish();
  state_ = State::connected;
}

Status Session::handle_data(const Message& m, std::span<const std::uint8_t> body) {
  auto decoded = amf0::decode_all(body, config_.amf_limits);
  if (!decoded) return Status::failure("malformed AMF0 data message: " + decoded.error());
  amf0::Values& values = *decoded;
  std::size_t first = 0;
  // "@setDataFrame" asks the server to keep the rest as the stream's data frame; for us that
  // is simply the metadata. "@clearDataFrame" has nothing to clear.
  if (!values.empty() && values[0].as_string() == "@clearDataFrame") return {};
  if (!values.empty() && values[0].as_string() == "@setDataFrame") first = 1;
  if (first >= values.size() || !values[first].is_string()) {
    warn_once(kUnnamedData, "ignoring a data message without a name");
    return {};
  }
  if (state_ != State::publishing || m.stream_id != publish_stream_id_) {
    warn_once(kDataOutsidePublish, "ignoring data message '" + values[first].as_string() +
                                       "' outside the publishing stream");
    return {};
  }
  MetadataMessage metadata;
  metadata.name = values[first].as_string();
  metadata.arguments.assign(std::make_move_iterator(values.begin() + static_cast<std::ptrdiff_t>(first + 1)),
                            std::make_move_iterator(values.end()));
  metadata.timestamp = m.timestamp;
  // Its own buffer, not scratch_: a callback that calls terminate() sends a status message
  // while still holding this span.
  script_body_.clear();
  amf0::encode(Value::string(metadata.name), script_body_);
  amf0::encode_all(metadata.arguments, script_body_);
  metadata.script_tag_body = script_body_;
  callbacks_.on_metadata(metadata);
  return {};
}

Status Session::handle_media(MediaKind kind, const Message& m) {
  if (state_ != State::publishing) {
    warn_once(kMediaOutsidePublish, "ignoring audio/video sent before publish was accepted");
    return {};
  }
  if (m.stream_id != publish_stream_id_) {
    warn_once(kMediaOnOtherStream, "ignoring audio/video on message stream " + std::to_string(m.stream_id) +
                                       ", publishing on " + std::to_string(publish_stream_id_));
    return {};
  }
  if (m.payload.empty()) {
    warn_once(kEmptyMedia, "ignoring empty audio/video messages");
    return {};
  }

  std::optional<CodecInfo> codec =
      kind == MediaKind::video ? parse_video_codec(m.payload) : parse_audio_codec(m.payload);
  std::optional<CodecInfo>& known = kind == MediaKind::video ? video_codec_ : audio_codec_;
  if (codec && known != codec) {
    known = codec;
    PublishVerdict verdict = callbacks_.on_codec(*codec);
    if (should_close()) return {};
    if (!verdict.accepted) {
      const std::string code = verdict.status_code.empty() ? "NetStream.Publish.BadName" : verdict.status_code;
      send_status(publish_stream_id_, "error", code, verdict.reason);
      end_publish();
      begin_close("codec refused: " + verdict.reason);
      return {};
    }
  }
  callbacks_.on_media(kind, m.timestamp, m.payload);
  return {};
}

Status Session::handle_aggregate(const Message& m) {
  // An aggregate message is a run of FLV tags: [type:1][size:3][timestamp:3+1][stream id:3]
  // [body:size][previous tag size:4]. Their timestamps are relative to the first one, which
  // the aggregate's own timestamp replaces.
  std::span<const std::uint8_t> rest = m.payload;
  bool first = true;
  std::uint32_t first_timestamp = 0;
  while (!rest.empty()) {
    if (rest.size() < 11) return Status::failure("aggregate message with a truncated sub-message header");
    const std::uint8_t type = rest[0];
    const std::uint32_t size = read_u24(rest.data() + 1);
    const std::uint32_t timestamp = read_u24(rest.data() + 4) | (std::uint32_t{rest[7]} << 24);
    if (rest.size() - 11 < size) {
      return Status::failure("aggregate sub-message of " + std::to_string(size) + " bytes runs past the end");
    }
    if (first) {
      first_timestamp = timestamp;
      first = false;
    }
    Message sub = m;
    sub.type_id = type;
    sub.timestamp = m.timestamp + (timestamp - first_timestamp);
    sub.payload = rest.subspan(11, size);
    Status st;
    if (type == message_type::audio) st = handle_media(MediaKind::audio, sub);
    else if (type == message_type::video) st = handle_media(MediaKind::video, sub);
    else if (type == message_type::data_amf0) st = handle_data(sub, sub.payload);
    else warn_once(kAggregateContent, "ignoring aggregate sub-message of type " + std::to_string(type));
    if (!st) return st;
    if (should_close()) return {};
    rest = rest.subspan(11 + size);
    // The back pointer after each tag; tolerate its absence at the very end.
    rest = rest.subspan(std::min<std::size_t>(4, rest.size()));
  }
  return {};
}

void Session::terminate(std::string_view reason) {
  if (should_close()) return;
  if (state_ == State::publishing) {
    send_status(publish_stream_id_, "error", "NetStream.Failed", reason);
    end_publish();
  }
  begin_close(std::string(reason));
}

void Session::notify_disconnected() {
  if (state_ == State::publishing) end_publish();
  if (!should_close()) begin_close("peer disconnected");
}

void Session::end_publish() {
  if (state_ != State::publishing) return;
  state_ = State::connected;
  callbacks_.on_unpublish();
}

void Session::begin_close(std::string reason) {
  if (should_close()) return;
  end_publish();  // whatever closes the connection also ends its publish
  state_ = State::closing;
  close_reason_ = std::move(reason);
}

Status Session::fail(std::string reason) {
  end_publish();
  state_ = State::failed;
  close_reason_ = reason;
  return Status::failure(std::move(reason));
}

void Session::warn_once(std::size_t slot, std::string_view message) {
  if (warned_.test(slot)) return;
  warned_.set(slot);
  callbacks_.on_warning(message);
}

void Session::send(std::uint32_t chunk_stream, std::uint8_t type, std::uint32_t stream_id,
                   std::span<const std::uint8_t> payload) {
  writer_.write(Message{chunk_stream, type, 0, stream_id, payload}, out_);
}

void Session::send_control(std::uint8_t type, std::uint32_t value) {
  std::array<std::uint8_t, 4> payload{};
  for (std::size_t i = 0; i < 4; ++i) payload[i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
  send(chunk_stream::protocol_control, type, 0, payload);
}

void Session::send_user_control(std::uint16_t event, std::uint32_t value) {
  std::array<std::uint8_t, 6> payload{static_cast<std::uint8_t>(event >> 8), static_cast<std::uint8_t>(event)};
  for (std::size_t i = 0; i < 4; ++i) payload[2 + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
  send(chunk_stream::protocol_control, message_type::user_control, 0, payload);
}

void Session::send_command(std::uint32_t stream_id, std::span<const Value> values) {
  scratch_.clear();
  amf0::encode_all(values, scratch_);
  send(chunk_stream::command, message_type::command_amf0, stream_id, scratch_);
}

void Session::send_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                          std::string_view description) {
  const std::array values{Value::string("onStatus"), Value::number(0), Value::null(),
                          status_object(level, code, description)};
  send_command(stream_id, values);
}

void Session::send_acknowledgement_if_due() {
  // The spec has the receiver acknowledge per the window its peer announced. Clients that
  // publish rarely announce one, so fall back to the window we announced: acknowledgements
  // are cheap and keep any client that waits for them from stalling.
  const std::uint32_t window = peer_window_ != 0 ? peer_window_ : config_.window_ack_size;
  if (window == 0 || state_ == State::handshake) return;
  if (bytes_received_ - acknowledged_ < window) return;
  acknowledged_ = bytes_received_;
  send_control(message_type::acknowledgement, static_cast<std::uint32_t>(bytes_received_));
}

}  // namespace kek::rtmp
