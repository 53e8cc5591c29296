#include "session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

#include "alloc_probe.h"
#include "test_client.h"

namespace kek::rtmp {
namespace {

using amf0::Property;
using amf0::Value;
using testing::Bytes;
using testing::Reply;

constexpr std::size_t kHandshakeReply = 1 + 2 * ServerHandshake::kPacketSize;

struct Media {
  MediaKind kind;
  std::uint32_t timestamp;
  Bytes payload;
  friend bool operator==(const Media&, const Media&) = default;
};

// Records every callback; answers on_publish and on_codec as configured.
struct Recorder : SessionCallbacks {
  PublishVerdict publish_verdict = PublishVerdict::accept();
  bool refuse_non_h264 = false;
  Session* terminate_from_media = nullptr;

  std::vector<PublishRequest> publishes;
  std::vector<CodecInfo> codecs;
  std::vector<std::string> metadata_names;
  std::vector<amf0::Values> metadata_arguments;
  std::vector<Bytes> script_bodies;
  std::vector<Media> media;
  int unpublishes = 0;
  std::vector<std::string> warnings;

  PublishVerdict on_publish(const PublishRequest& request) override {
    publishes.push_back(request);
    return publish_verdict;
  }
  PublishVerdict on_codec(const CodecInfo& codec) override {
    codecs.push_back(codec);
    if (refuse_non_h264 && codec.kind == MediaKind::video && !codec.is_h264()) {
      return PublishVerdict::refuse(codec.describe() + " is not supported; send H.264",
                                    "NetStream.Publish.Failed");
    }
    return PublishVerdict::accept();
  }
  void on_metadata(const MetadataMessage& m) override {
    metadata_names.push_back(m.name);
    metadata_arguments.push_back(m.arguments);
    script_bodies.emplace_back(m.script_tag_body.begin(), m.script_tag_body.end());
  }
  void on_media(MediaKind kind, std::uint32_t ts, std::span<const std::uint8_t> payload) override {
    media.push_back({kind, ts, Bytes(payload.begin(), payload.end())});
    if (terminate_from_media) terminate_from_media->terminate("pipeline failed");
  }
  void on_unpublish() override { ++unpublishes; }
  void on_warning(std::string_view message) override { warnings.emplace_back(message); }
};

const Bytes kAvcSequenceHeader{0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x00};
const Bytes kAvcKeyframe{0x17, 0x01, 0, 0, 0, 0, 0, 0, 2, 0x65, 0x88};
const Bytes kAvcFrame{0x27, 0x01, 0, 0, 0, 0, 0, 0, 2, 0x41, 0x9a};
const Bytes kAacSequenceHeader{0xaf, 0x00, 0x12, 0x10};
const Bytes kAacFrame{0xaf, 0x01, 0x21, 0x10, 0x04};

Value connect_object(std::string app = "live") {
  return Value::object({
      Property{"app", Value::string(std::move(app))},
      Property{"type", Value::string("nonprivate")},
      Property{"flashVer", Value::string("FMLE/3.0 (compatible; Lavf60.16.100)")},
      Property{"tcUrl", Value::string("rtmp://127.0.0.1:1935/live")},
  });
}

Value metadata_array() {
  return Value::ecma_array({
      Property{"width", Value::number(1280)},
      Property{"height", Value::number(720)},
      Property{"videocodecid", Value::number(7)},
      Property{"audiocodecid", Value::number(10)},
      Property{"encoder", Value::string("Lavf60.16.100")},
  });
}

// The bytes ffmpeg sends to publish to rtmp://host/live/KEY, one step per exchange.
std::vector<Bytes> ffmpeg_publish_steps(std::string key = "secret-key") {
  std::vector<Bytes> steps;
  testing::ClientWriter w;
  steps.push_back(testing::c0c1());

  Bytes c2 = testing::c2();
  w.set_chunk_size(4096);
  w.command(0, {Value::string("connect"), Value::number(1), connect_object()});
  testing::append(c2, w.bytes());
  steps.push_back(c2);
  w.bytes().clear();

  w.command(0, {Value::string("releaseStream"), Value::number(2), Value::null(), Value::string(key)});
  w.command(0, {Value::string("FCPublish"), Value::number(3), Value::null(), Value::string(key)});
  w.command(0, {Value::string("createStream"), Value::number(4), Value::null()});
  steps.push_back(std::move(w.bytes()));
  w.bytes() = {};

  w.command(1, {Value::string("publish"), Value::number(5), Value::null(), Value::string(key), Value::string("live")});
  steps.push_back(std::move(w.bytes()));
  w.bytes() = {};

  w.data(1, {Value::string("@setDataFrame"), Value::string("onMetaData"), metadata_array()});
  w.message(6, message_type::video, 0, 1, kAvcSequenceHeader);
  w.message(4, message_type::audio, 0, 1, kAacSequenceHeader);
  w.message(6, message_type::video, 0, 1, kAvcKeyframe);
  w.message(4, message_type::audio, 23, 1, kAacFrame);
  w.message(6, message_type::video, 40, 1, kAvcFrame);
  steps.push_back(std::move(w.bytes()));
  w.bytes() = {};

  w.command(0, {Value::string("FCUnpublish"), Value::number(6), Value::null(), Value::string(key)});
  w.command(0, {Value::string("deleteStream"), Value::number(7), Value::null(), Value::number(1)});
  steps.push_back(std::move(w.bytes()));
  return steps;
}

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override { config_.random_seed = 99; }

  Session& session() {
    if (!session_) session_ = std::make_unique<Session>(recorder_, config_);
    return *session_;
  }

  Status feed(const Bytes& bytes, std::size_t piece = 0) {
    if (piece == 0) piece = std::max<std::size_t>(bytes.size(), 1);
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      Status st = session().feed(std::span<const std::uint8_t>(bytes).subspan(at, std::min(piece, bytes.size() - at)));
      if (!st) return st;
    }
    return {};
  }

  // Takes the server's output and decodes it (past the handshake reply) as the client would.
  std::vector<Reply> replies() {
    auto out = session().pending_output();
    Bytes bytes(out.begin(), out.end());
    all_output_.insert(all_output_.end(), bytes.begin(), bytes.end());
    session().consume_output(bytes.size());
    std::size_t skip = std::min(handshake_left_, bytes.size());
    handshake_left_ -= skip;
    return reader_.read(std::span<const std::uint8_t>(bytes).subspan(skip));
  }

  void handshake_and_connect() {
    auto steps = ffmpeg_publish_steps();
    ASSERT_TRUE(feed(steps[0]).ok());
    ASSERT_TRUE(feed(steps[1]).ok());
    replies();
    ASSERT_EQ(session().state(), Session::State::connected);
  }

  void create_stream_and_publish(std::string key = "secret-key") {
    auto steps = ffmpeg_publish_steps(std::move(key));
    ASSERT_TRUE(feed(steps[2]).ok());
    ASSERT_TRUE(feed(steps[3]).ok());
  }

  Recorder recorder_;
  SessionConfig config_;
  std::unique_ptr<Session> session_;
  testing::ReplyReader reader_;
  std::size_t handshake_left_ = kHandshakeReply;
  Bytes all_output_;
};

void expect_status(const Reply& r, std::uint32_t stream_id, std::string_view level, std::string_view code) {
  EXPECT_EQ(r.header.type_id, message_type::command_amf0);
  EXPECT_EQ(r.header.stream_id, stream_id);
  EXPECT_EQ(r.name(), "onStatus");
  EXPECT_EQ(r.at(1).as_number(), 0);
  EXPECT_TRUE(r.at(2).is_null());
  EXPECT_EQ(r.at(3).string_property("level"), level);
  EXPECT_EQ(r.at(3).string_property("code"), code);
}

TEST_F(SessionTest, FfmpegPublishConversation) {
  auto steps = ffmpeg_publish_steps();

  // C0+C1 -> S0+S1+S2.
  ASSERT_TRUE(feed(steps[0]).ok());
  EXPECT_EQ(session().pending_output().size(), kHandshakeReply);
  EXPECT_EQ(session().state(), Session::State::handshake);

  // C2, Set Chunk Size, connect -> flow control, chunk size, _result.
  ASSERT_TRUE(feed(steps[1]).ok());
  auto r = replies();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].header.type_id, message_type::window_ack_size);
  EXPECT_EQ(r[0].header.chunk_stream_id, chunk_stream::protocol_control);
  EXPECT_EQ(r[0].u32_at(0), 2500000u);
  EXPECT_EQ(r[1].header.type_id, message_type::set_peer_bandwidth);
  EXPECT_EQ(r[1].u32_at(0), 2500000u);
  EXPECT_EQ(r[1].payload.at(4), 2);  // dynamic
  EXPECT_EQ(reader_.chunk_size(), 4096u);  // Set Chunk Size was applied by the client reader
  EXPECT_EQ(r[2].name(), "_result");
  EXPECT_EQ(r[2].at(1).as_number(), 1);
  EXPECT_EQ(r[2].at(2).string_property("fmsVer"), "FMS/3,0,1,123");
  EXPECT_EQ(r[2].at(2).find("capabilities")->as_number(), 31);
  EXPECT_EQ(r[2].at(3).string_property("level"), "status");
  EXPECT_EQ(r[2].at(3).string_property("code"), "NetConnection.Connect.Success");
  EXPECT_EQ(r[2].at(3).find("objectEncoding")->as_number(), 0);
  EXPECT_EQ(session().state(), Session::State::connected);

  // releaseStream, FCPublish, createStream -> three _results, the last with stream id 1.
  ASSERT_TRUE(feed(steps[2]).ok());
  r = replies();
  ASSERT_EQ(r.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r[i].name(), "_result");
    EXPECT_EQ(r[i].at(1).as_number(), 2 + i);
    EXPECT_TRUE(r[i].at(2).is_null());
  }
  EXPECT_TRUE(r[0].at(3).is_undefined());
  EXPECT_EQ(r[2].at(3).as_number(), 1);
  EXPECT_TRUE(recorder_.publishes.empty());

  // publish -> on_publish, then Stream Begin 1, onFCPublish, onStatus Publish.Start on stream 1.
  ASSERT_TRUE(feed(steps[3]).ok());
  ASSERT_EQ(recorder_.publishes.size(), 1u);
  const PublishRequest& req = recorder_.publishes[0];
  EXPECT_EQ(req.app, "live");
  EXPECT_EQ(req.stream_key, "secret-key");
  EXPECT_EQ(req.stream_query, "");
  EXPECT_EQ(req.tc_url, "rtmp://127.0.0.1:1935/live");
  EXPECT_EQ(req.flash_version, "FMLE/3.0 (compatible; Lavf60.16.100)");
  EXPECT_EQ(req.publish_type, "live");
  EXPECT_EQ(req.message_stream_id, 1u);
  EXPECT_TRUE(session().publishing());
  r = replies();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].header.type_id, message_type::user_control);
  EXPECT_EQ(r[0].payload, (Bytes{0, 0, 0, 0, 0, 1}));  // Stream Begin 1
  EXPECT_EQ(r[1].name(), "onFCPublish");
  EXPECT_EQ(r[1].at(3).string_property("code"), "NetStream.Publish.Start");
  expect_status(r[2], 1, "status", "NetStream.Publish.Start");

  // Metadata and media.
  ASSERT_TRUE(feed(steps[4]).ok());
  ASSERT_EQ(recorder_.metadata_names, std::vector<std::string>{"onMetaData"});
  ASSERT_EQ(recorder_.metadata_arguments[0].size(), 1u);
  EXPECT_EQ(recorder_.metadata_arguments[0][0], metadata_array());
  auto script = amf0::decode_all(recorder_.script_bodies[0]);
  ASSERT_TRUE(script.ok());
  EXPECT_EQ(*script, (amf0::Values{Value::string("onMetaData"), metadata_array()}));

  ASSERT_EQ(recorder_.codecs.size(), 2u);
  EXPECT_TRUE(recorder_.codecs[0].is_h264());
  EXPECT_EQ(recorder_.codecs[0].describe(), "H.264/AVC (FLV codec id 7)");
  EXPECT_TRUE(recorder_.codecs[1].is_aac());
  EXPECT_EQ(recorder_.codecs[1].describe(), "AAC (FLV sound format 10)");
  EXPECT_EQ(recorder_.media, (std::vector<Media>{{MediaKind::video, 0, kAvcSequenceHeader},
                                                 {MediaKind::audio, 0, kAacSequenceHeader},
                                                 {MediaKind::video, 0, kAvcKeyframe},
                                                 {MediaKind::audio, 23, kAacFrame},
                                                 {MediaKind::video, 40, kAvcFrame}}));
  EXPECT_TRUE(replies().empty());

  // FCUnpublish -> onStatus Unpublish.Success and _result; deleteStream -> nothing more.
  ASSERT_TRUE(feed(steps[5]).ok());
  EXPECT_EQ(recorder_.unpublishes, 1);
  EXPECT_FALSE(session().publishing());
  r = replies();
  ASSERT_EQ(r.size(), 2u);
  expect_status(r[0], 1, "status", "NetStream.Unpublish.Success");
  EXPECT_EQ(r[1].name(), "_result");
  EXPECT_EQ(r[1].at(1).as_number(), 6);

  session().notify_disconnected();
  EXPECT_EQ(recorder_.unpublishes, 1);  // exactly once
  EXPECT_TRUE(recorder_.warnings.empty()) << recorder_.warnings[0];
}

// The same conversation, cut differently: the callbacks and the bytes sent back are the same.
// The machine runs out of memory while a publisher sends a big frame: that connection fails
// with a reason (its publish ends once), and nothing is thrown into the server's event loop.
TEST_F(SessionTest, OutOfMemoryEndsThisConnectionOnly) {
  handshake_and_connect();
  create_stream_and_publish();
  ASSERT_TRUE(session().publishing());
  testing::ClientWriter w;
  w.set_chunk_size(65536);
  Bytes frame(1024 * 1024, 0x01);
  frame[0] = 0x17;
  w.message(6, message_type::video, 40, 1, frame);
  Status st;
  {
    testing::AllocProbe::Scope probe(/*fail_above_bytes=*/256 * 1024);
    EXPECT_NO_THROW(st = session().feed(w.bytes()));
  }
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.error().find("out of memory"), std::string::npos) << st.error();
  EXPECT_TRUE(session().should_close());
  EXPECT_EQ(recorder_.unpublishes, 1);
}

TEST_F(SessionTest, ConversationDoesNotDependOnHowBytesArrive) {
  Bytes all;
  for (const Bytes& step : ffmpeg_publish_steps()) testing::append(all, step);

  Recorder whole_recorder;
  Session whole(whole_recorder, config_);
  ASSERT_TRUE(whole.feed(all).ok());
  Bytes whole_output(whole.pending_output().begin(), whole.pending_output().end());

  std::mt19937 rng(7);
  for (std::size_t max_piece : {1, 3, 100, 5000}) {
    Recorder r;
    Session s(r, config_);
    Bytes output;
    for (std::size_t at = 0; at < all.size();) {
      std::size_t n = std::min<std::size_t>(1 + rng() % max_piece, all.size() - at);
      ASSERT_TRUE(s.feed(std::span<const std::uint8_t>(all).subspan(at, n)).ok());
      at += n;
      // Drain a little at a time, as a socket with a small buffer would.
      auto out = s.pending_output();
      std::size_t take = std::min<std::size_t>(out.size(), 1 + rng() % 700);
      output.insert(output.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(take));
      s.consume_output(take);
    }
    output.insert(output.end(), s.pending_output().begin(), s.pending_output().end());
    EXPECT_EQ(output, whole_output) << "max piece " << max_piece;
    EXPECT_EQ(r.media, whole_recorder.media);
    EXPECT_EQ(r.metadata_names, whole_recorder.metadata_names);
    EXPECT_EQ(r.unpublishes, 1);
  }
}

TEST_F(SessionTest, RefusedPublishGetsBadNameAndCloses) {
  recorder_.publish_verdict = PublishVerdict::refuse("unknown stream key");
  handshake_and_connect();
  create_stream_and_publish("wrong-key");
  ASSERT_EQ(recorder_.publishes.size(), 1u);
  auto r = replies();
  ASSERT_EQ(r.size(), 4u);  // three _results, then the refusal
  expect_status(r[3], 1, "error", "NetStream.Publish.BadName");
  EXPECT_EQ(r[3].at(3).string_property("description"), "unknown stream key");
  EXPECT_TRUE(session().should_close());
  EXPECT_EQ(session().state(), Session::State::closing);
  EXPECT_NE(session().close_reason().find("unknown stream key"), std::string::npos);
  EXPECT_EQ(recorder_.unpublishes, 0);  // nothing was published

  // Whatever the client still sends is ignored.
  ASSERT_TRUE(feed(ffmpeg_publish_steps()[4]).ok());
  EXPECT_TRUE(recorder_.media.empty());
  EXPECT_TRUE(replies().empty());
}

TEST_F(SessionTest, RefusalCanNameItsStatusCode) {
  recorder_.publish_verdict = PublishVerdict::refuse("key revoked", "NetStream.Publish.Denied");
  handshake_and_connect();
  create_stream_and_publish();
  auto r = replies();
  ASSERT_FALSE(r.empty());
  expect_status(r.back(), 1, "error", "NetStream.Publish.Denied");
}

TEST_F(SessionTest, StreamKeyQueryIsSplitOff) {
  handshake_and_connect();
  create_stream_and_publish("abc?token=xyz&x=1");
  ASSERT_EQ(recorder_.publishes.size(), 1u);
  EXPECT_EQ(recorder_.publishes[0].stream_key, "abc");
  EXPECT_EQ(recorder_.publishes[0].stream_query, "token=xyz&x=1");
}

TEST_F(SessionTest, EnhancedRtmpHevcIsDetectedAndCanBeRefused) {
  recorder_.refuse_non_h264 = true;
  handshake_and_connect();
  create_stream_and_publish();
  replies();
  testing::ClientWriter w;
  // Enhanced RTMP: IsExHeader | keyframe | SequenceStart, then FourCC "hvc1".
  const Bytes hevc{0x90, 'h', 'v', 'c', '1', 0x01, 0x02};
  w.message(6, message_type::video, 0, 1, hevc);
  ASSERT_TRUE(feed(w.bytes()).ok());
  ASSERT_EQ(recorder_.codecs.size(), 1u);
  EXPECT_TRUE(recorder_.codecs[0].enhanced);
  EXPECT_EQ(recorder_.codecs[0].fourcc, fourcc("hvc1"));
  EXPECT_EQ(recorder_.codecs[0].describe(), "HEVC (enhanced RTMP FourCC 'hvc1')");
  EXPECT_TRUE(recorder_.media.empty());
  auto r = replies();
  ASSERT_EQ(r.size(), 1u);
  expect_status(r[0], 1, "error", "NetStream.Publish.Failed");
  EXPECT_NE(r[0].at(3).string_property("description").find("HEVC"), std::string::npos);
  EXPECT_EQ(recorder_.unpublishes, 1);
  EXPECT_TRUE(session().should_close());
}

TEST_F(SessionTest, CodecChangeIsReportedAgain) {
  handshake_and_connect();
  create_stream_and_publish();
  testing::ClientWriter w;
  w.message(6, message_type::video, 0, 1, kAvcKeyframe);
  w.message(6, message_type::video, 40, 1, kAvcFrame);
  const Bytes av1{0x90 | 0x01, 'a', 'v', '0', '1', 0x00};
  w.message(6, message_type::video, 80, 1, av1);
  ASSERT_TRUE(feed(w.bytes()).ok());
  ASSERT_EQ(recorder_.codecs.size(), 2u);
  EXPECT_EQ(recorder_.codecs[1].describe(), "AV1 (enhanced RTMP FourCC 'av01')");
  EXPECT_EQ(recorder_.media.size(), 3u);
}

TEST_F(SessionTest, PlayIsRefused) {
  handshake_and_connect();
  testing::ClientWriter w;
  w.command(0, {Value::string("createStream"), Value::number(2), Value::null()});
  w.command(1, {Value::string("play"), Value::number(0), Value::null(), Value::string("key"), Value::number(-2)});
  ASSERT_TRUE(feed(w.bytes()).ok());
  auto r = replies();
  ASSERT_EQ(r.size(), 2u);
  expect_status(r[1], 1, "error", "NetStream.Play.Failed");
  EXPECT_TRUE(session().should_close());
  EXPECT_NE(session().close_reason().find("ingest-only"), std::string::npos);
}

TEST_F(SessionTest, BadC0FailsTheConnection) {
  Status st = feed(testing::c0c1(6));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("RTMP handshake"), std::string::npos);
  EXPECT_EQ(session().state(), Session::State::failed);
  EXPECT_TRUE(session().should_close());
  EXPECT_FALSE(feed(testing::c2()).ok());
}

TEST_F(SessionTest, CommandBeforeConnectFails) {
  ASSERT_TRUE(feed(testing::c0c1()).ok());
  testing::ClientWriter w;
  w.command(0, {Value::string("createStream"), Value::number(1), Value::null()});
  Bytes bytes = testing::c2();
  testing::append(bytes, w.bytes());
  Status st = feed(bytes);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error(), "command 'createStream' before connect");
}

TEST_F(SessionTest, MalformedInputWhilePublishingEndsThePublishOnce) {
  handshake_and_connect();
  create_stream_and_publish();
  testing::ClientWriter w;
  const Bytes truncated{0x02, 0x00, 0x10, 'a'};
  w.message(3, message_type::command_amf0, 0, 0, truncated);
  Status st = feed(w.bytes());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("malformed AMF0 command: truncated AMF0 string"), std::string::npos) << st.error();
  EXPECT_EQ(recorder_.unpublishes, 1);
  session().notify_disconnected();
  EXPECT_EQ(recorder_.unpublishes, 1);
}

TEST_F(SessionTest, ChunkLayerErrorsFailTheConnection) {
  handshake_and_connect();
  const Bytes unknown_stream{0xc7};  // type 3 header on chunk stream 7, never opened
  Status st = feed(unknown_stream);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("unknown chunk stream 7"), std::string::npos);
}

TEST_F(SessionTest, AnswersPing) {
  handshake_and_connect();
  testing::ClientWriter w;
  const Bytes ping{0, 6, 0x00, 0x01, 0x02, 0x03};
  w.message(2, message_type::user_control, 0, 0, ping);
  ASSERT_TRUE(feed(w.bytes()).ok());
  auto r = replies();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].header.type_id, message_type::user_control);
  EXPECT_EQ(r[0].payload, (Bytes{0, 7, 0x00, 0x01, 0x02, 0x03}));
}

TEST_F(SessionTest, AcknowledgesPerWindow) {
  config_.window_ack_size = 5000;
  handshake_and_connect();
  create_stream_and_publish();
  std::vector<Reply> acks;
  auto collect = [&] {
    for (Reply& r : replies()) {
      if (r.header.type_id == message_type::acknowledgement) acks.push_back(std::move(r));
    }
  };
  collect();
  testing::ClientWriter w;
  w.set_chunk_size(4096);
  const Bytes big(6000, 0x27);
  w.message(6, message_type::video, 0, 1, big);
  ASSERT_TRUE(feed(w.bytes()).ok());
  collect();
  ASSERT_GE(acks.size(), 1u);
  EXPECT_EQ(acks.back().u32_at(0), static_cast<std::uint32_t>(session().bytes_received()));

  // A window announced by the client wins over ours.
  testing::ClientWriter w2;
  w2.message(2, message_type::window_ack_size, 0, 0, testing::u32_bytes(100000));
  const Bytes more(6000, 0x27);
  w2.message(6, message_type::video, 40, 1, more);
  acks.clear();
  ASSERT_TRUE(feed(w2.bytes()).ok());
  collect();
  EXPECT_TRUE(acks.empty());
}

TEST_F(SessionTest, Amf3WrappedCommandsAndData) {
  ASSERT_TRUE(feed(testing::c0c1()).ok());
  testing::ClientWriter w;
  w.command(0, {Value::string("connect"), Value::number(1), connect_object()}, message_type::command_amf3);
  w.command(0, {Value::string("createStream"), Value::number(2), Value::null()}, message_type::command_amf3);
  w.command(1, {Value::string("publish"), Value::number(0), Value::null(), Value::string("k")},
            message_type::command_amf3);
  w.data(1, {Value::string("onMetaData"), metadata_array()}, message_type::data_amf3);
  Bytes bytes = testing::c2();
  testing::append(bytes, w.bytes());
  Status st = feed(bytes);
  ASSERT_TRUE(st.ok()) << st.error();
  EXPECT_TRUE(session().publishing());
  EXPECT_EQ(recorder_.metadata_names, std::vector<std::string>{"onMetaData"});

  testing::ClientWriter real_amf3;
  const Bytes amf3_body{0x11, 0x06, 0x03, 'x'};
  real_amf3.message(3, message_type::command_amf3, 0, 0, amf3_body);
  st = feed(real_amf3.bytes());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("AMF3-encoded command"), std::string::npos);
}

TEST_F(SessionTest, Rtmp2SinkStyleCommands) {
  // rtmp2sink sends releaseStream and FCPublish with transaction id 0 (no answer wanted), and
  // ends with deleteStream naming the stream as a string.
  ASSERT_TRUE(feed(testing::c0c1()).ok());
  testing::ClientWriter w;
  w.command(0, {Value::string("connect"), Value::number(1), connect_object()});
  w.command(0, {Value::string("releaseStream"), Value::number(0), Value::null(), Value::string("k")});
  w.command(0, {Value::string("FCPublish"), Value::number(0), Value::null(), Value::string("k")});
  w.command(0, {Value::string("createStream"), Value::number(2), Value::null()});
  w.command(1, {Value::string("publish"), Value::number(0), Value::null(), Value::string("k"), Value::string("live")});
  Bytes bytes = testing::c2();
  testing::append(bytes, w.bytes());
  ASSERT_TRUE(feed(bytes).ok());
  auto r = replies();
  // Window Ack Size, Set Peer Bandwidth, connect _result, createStream _result (no answer to
  // releaseStream or FCPublish), Stream Begin, onFCPublish, onStatus.
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r[2].name(), "_result");
  EXPECT_EQ(r[2].at(1).as_number(), 1);
  EXPECT_EQ(r[3].name(), "_result");
  EXPECT_EQ(r[3].at(1).as_number(), 2);
  EXPECT_EQ(r[4].header.type_id, message_type::user_control);
  EXPECT_EQ(r[5].name(), "onFCPublish");
  expect_status(r[6], 1, "status", "NetStream.Publish.Start");

  testing::ClientWriter stop;
  stop.command(0, {Value::string("FCUnpublish"), Value::number(0), Value::null(), Value::string("k")});
  stop.command(0, {Value::string("deleteStream"), Value::number(0), Value::null(), Value::string("k")});
  ASSERT_TRUE(feed(stop.bytes()).ok());
  EXPECT_EQ(recorder_.unpublishes, 1);
}

TEST_F(SessionTest, DeleteStreamIgnoresIdsItNeverGaveOut) {
  handshake_and_connect();
  create_stream_and_publish();
  testing::ClientWriter w;
  for (double id : {std::nan(""), -1.0, 1.5, 1e20, 2.0}) {
    w.command(0, {Value::string("deleteStream"), Value::number(0), Value::null(), Value::number(id)});
  }
  ASSERT_TRUE(feed(w.bytes()).ok());
  EXPECT_TRUE(session().publishing());
  testing::ClientWriter last;
  last.command(0, {Value::string("deleteStream"), Value::number(0), Value::null(), Value::number(1)});
  ASSERT_TRUE(feed(last.bytes()).ok());
  EXPECT_FALSE(session().publishing());
  EXPECT_EQ(recorder_.unpublishes, 1);
}

TEST_F(SessionTest, TerminateWhilePublishing) {
  handshake_and_connect();
  create_stream_and_publish();
  replies();
  session().terminate("stream kicked by admin");
  EXPECT_EQ(recorder_.unpublishes, 1);
  EXPECT_TRUE(session().should_close());
  EXPECT_EQ(session().close_reason(), "stream kicked by admin");
  auto r = replies();
  ASSERT_EQ(r.size(), 1u);
  expect_status(r[0], 1, "error", "NetStream.Failed");
  session().terminate("again");
  session().notify_disconnected();
  EXPECT_EQ(recorder_.unpublishes, 1);
}

TEST_F(SessionTest, TerminateFromInsideACallback) {
  recorder_.terminate_from_media = &session();
  handshake_and_connect();
  create_stream_and_publish();
  ASSERT_TRUE(feed(ffmpeg_publish_steps()[4]).ok());
  EXPECT_EQ(recorder_.media.size(), 1u);  // nothing after the terminate
  EXPECT_EQ(recorder_.unpublishes, 1);
  EXPECT_TRUE(session().should_close());
}

TEST_F(SessionTest, SecondPublishOrPlayWhilePublishingEndsThePublish) {
  for (const char* command : {"publish", "play"}) {
    Recorder recorder;
    Session s(recorder, config_);
    auto steps = ffmpeg_publish_steps();
    for (std::size_t i = 0; i < 4; ++i) ASSERT_TRUE(s.feed(steps[i]).ok());
    ASSERT_TRUE(s.publishing());
    testing::ClientWriter w;
    w.command(1, {Value::string(command), Value::number(0), Value::null(), Value::string("other")});
    ASSERT_TRUE(s.feed(w.bytes()).ok());
    EXPECT_TRUE(s.should_close()) << command;
    EXPECT_EQ(recorder.unpublishes, 1) << command;
    s.notify_disconnected();
    EXPECT_EQ(recorder.unpublishes, 1) << command;
  }
}

TEST_F(SessionTest, DisconnectWhilePublishing) {
  handshake_and_connect();
  create_stream_and_publish();
  session().notify_disconnected();
  EXPECT_EQ(recorder_.unpublishes, 1);
  EXPECT_TRUE(session().should_close());
}

TEST_F(SessionTest, AggregateMessagesAreSplit) {
  handshake_and_connect();
  create_stream_and_publish();
  Bytes aggregate;
  auto tag = [&](std::uint8_t type, std::uint32_t ts, const Bytes& body) {
    aggregate.push_back(type);
    aggregate.insert(aggregate.end(), {static_cast<std::uint8_t>(body.size() >> 16),
                                       static_cast<std::uint8_t>(body.size() >> 8),
                                       static_cast<std::uint8_t>(body.size())});
    aggregate.insert(aggregate.end(), {static_cast<std::uint8_t>(ts >> 16), static_cast<std::uint8_t>(ts >> 8),
                                       static_cast<std::uint8_t>(ts), static_cast<std::uint8_t>(ts >> 24)});
    aggregate.insert(aggregate.end(), {0, 0, 0});
    testing::append(aggregate, body);
    testing::append(aggregate, testing::u32_bytes(static_cast<std::uint32_t>(11 + body.size())));
  };
  tag(message_type::video, 5000, kAvcKeyframe);
  tag(message_type::audio, 5010, kAacFrame);
  testing::ClientWriter w;
  w.message(6, message_type::aggregate, 100, 1, aggregate);
  ASSERT_TRUE(feed(w.bytes()).ok());
  EXPECT_EQ(recorder_.media, (std::vector<Media>{{MediaKind::video, 100, kAvcKeyframe},
                                                 {MediaKind::audio, 110, kAacFrame}}));

  testing::ClientWriter bad;
  Bytes broken(aggregate.begin(), aggregate.begin() + 15);
  bad.message(6, message_type::aggregate, 200, 1, broken);
  EXPECT_FALSE(feed(bad.bytes()).ok());
}

TEST_F(SessionTest, UnknownCommandWithTransactionGetsError) {
  handshake_and_connect();
  testing::ClientWriter w;
  w.command(0, {Value::string("getStreamLength"), Value::number(9), Value::null(), Value::string("k")});
  w.command(0, {Value::string("whatever"), Value::number(0), Value::null()});
  ASSERT_TRUE(feed(w.bytes()).ok());
  auto r = replies();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].name(), "_error");
  EXPECT_EQ(r[0].at(1).as_number(), 9);
  EXPECT_EQ(r[0].at(3).string_property("code"), "NetConnection.Call.Failed");
  EXPECT_EQ(recorder_.warnings.size(), 2u);
}

TEST_F(SessionTest, MediaBeforePublishIsIgnored) {
  handshake_and_connect();
  testing::ClientWriter w;
  w.message(6, message_type::video, 0, 1, kAvcKeyframe);
  w.message(6, message_type::video, 40, 1, kAvcFrame);
  ASSERT_TRUE(feed(w.bytes()).ok());
  EXPECT_TRUE(recorder_.media.empty());
  EXPECT_EQ(recorder_.warnings.size(), 1u);  // once, not per message
}

TEST_F(SessionTest, TooManyStreams) {
  config_.max_message_streams = 2;
  handshake_and_connect();
  testing::ClientWriter w;
  for (int i = 0; i < 3; ++i) w.command(0, {Value::string("createStream"), Value::number(2 + i), Value::null()});
  Status st = feed(w.bytes());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("createStream more than 2 times"), std::string::npos);
}

TEST_F(SessionTest, PeerThatNeverReadsIsCutOff) {
  config_.max_pending_output = 4000;
  handshake_and_connect();
  testing::ClientWriter w;
  const Bytes ping{0, 6, 0, 0, 0, 1};
  for (int i = 0; i < 300; ++i) w.message(2, message_type::user_control, 0, 0, ping);
  Status st = feed(w.bytes());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("does not read its replies"), std::string::npos);
}

TEST_F(SessionTest, OutputCanBeConsumedInPieces) {
  ASSERT_TRUE(feed(testing::c0c1()).ok());
  EXPECT_TRUE(session().has_output());
  Bytes first(session().pending_output().begin(), session().pending_output().begin() + 10);
  session().consume_output(10);
  EXPECT_EQ(session().pending_output().size(), kHandshakeReply - 10);
  EXPECT_EQ(first[0], 3);
  session().consume_output(100000);  // more than there is: takes what there is
  EXPECT_FALSE(session().has_output());
}

}  // namespace
}  // namespace kek::rtmp
