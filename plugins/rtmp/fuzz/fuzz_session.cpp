// Fuzz target: a whole server session after a valid handshake, fed the input as the chunk
// stream in pieces, with callbacks that accept publishing and refuse codecs other than
// H.264/AAC (so refusal paths run too). Checks the callback contract: on_unpublish exactly
// once per accepted publish, media only while publishing.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "session.h"

namespace {

using namespace kek::rtmp;

struct Checker : SessionCallbacks {
  Session* session = nullptr;
  int open_publishes = 0;

  PublishVerdict on_publish(const PublishRequest& request) override {
    if (request.stream_key == "refuse") return PublishVerdict::refuse("refused by the fuzzer");
    ++open_publishes;
    if (open_publishes != 1) std::abort();
    return PublishVerdict::accept();
  }
  PublishVerdict on_codec(const CodecInfo& codec) override {
    (void)codec.describe();
    if (codec.is_h264() || codec.is_aac()) return PublishVerdict::accept();
    return PublishVerdict::refuse("unsupported codec");
  }
  void on_metadata(const MetadataMessage& metadata) override {
    if (!amf0::decode_all(metadata.script_tag_body)) std::abort();
  }
  void on_media(MediaKind, std::uint32_t, std::span<const std::uint8_t> payload) override {
    if (open_publishes != 1 || payload.empty() || !session->publishing()) std::abort();
  }
  void on_unpublish() override {
    if (--open_publishes != 0) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Checker checker;
  SessionConfig config;
  config.window_ack_size = 4096;  // exercise acknowledgements
  config.limits.max_message_length = 1 << 16;
  config.limits.max_buffered_bytes = 1 << 18;
  Session session(checker, config);
  checker.session = &session;

  std::vector<std::uint8_t> handshake(1 + 2 * ServerHandshake::kPacketSize, 0);
  handshake[0] = 3;
  if (!session.feed(handshake)) std::abort();

  std::size_t at = 0;
  std::uint32_t state = static_cast<std::uint32_t>(size);
  while (at < size) {
    state = state * 1103515245u + 12345u;
    const std::size_t piece = std::min<std::size_t>(size - at, 1 + (state >> 16) % 700);
    Status st = session.feed(std::span<const std::uint8_t>(data + at, piece));
    at += piece;
    // Drain like a socket would, sometimes partially.
    session.consume_output(session.pending_output().size() / ((state & 1) + 1));
    if (!st || session.should_close()) break;
  }
  session.notify_disconnected();
  if (checker.open_publishes != 0) std::abort();
  return 0;
}
