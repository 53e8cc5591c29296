// Incremental parser for the RTMP chunk stream (spec section 5.3): bytes in, whole messages
// out. It accepts input split anywhere (down to one byte at a time), keeps one reusable payload
// buffer per chunk stream, and applies the two chunk-layer control messages itself (Set Chunk
// Size and Abort), because they change how the very next bytes must be read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "message.h"
#include "result.h"

namespace kek::rtmp {

struct ChunkReaderLimits {
  // Largest message accepted. A 4K keyframe at high bitrate is a few MiB; nginx-rtmp's default
  // of 1 MiB is routinely raised by its users.
  std::uint32_t max_message_length = 16 * 1024 * 1024;
  // The spec allows chunk sizes up to 2^31-1; anything above a message's size is pointless.
  std::uint32_t max_chunk_size = 16 * 1024 * 1024;
  // Clients use three to six chunk streams; more is a peer trying to make us allocate.
  std::size_t max_chunk_streams = 64;
  // Sum of the declared lengths of all messages still being assembled. Memory follows what
  // arrives, not these declarations: a payload buffer grows only as its chunks come in.
  std::uint64_t max_buffered_bytes = 64 * 1024 * 1024;
};

class ChunkReader {
 public:
  // Receives each complete message. Return false to stop parsing: the rest of the input is
  // dropped and the reader refuses further input (the connection is being closed).
  using MessageHandler = std::function<bool(const Message&)>;

  explicit ChunkReader(ChunkReaderLimits limits = {});

  // Parses `bytes`, calling `on_message` for every message completed by them. Set Chunk Size
  // and Abort are applied here and not passed on. A failure means the peer sent something
  // malformed; the message says what, and the connection must be closed.
  Status feed(std::span<const std::uint8_t> bytes, const MessageHandler& on_message);

  std::uint32_t chunk_size() const { return chunk_size_; }
  // Everything passed to feed() so far, for Acknowledgement (which counts bytes mod 2^32).
  std::uint64_t bytes_received() const { return bytes_received_; }
  std::size_t chunk_stream_count() const { return streams_.size(); }
  // Bytes held between messages by the payload buffers of chunk streams not mid-message.
  std::size_t kept_bytes() const;

 private:
  struct ChunkStream {
    std::uint32_t id = 0;
    std::uint32_t timestamp = 0;        // absolute time of the current or last message
    std::uint32_t timestamp_field = 0;  // last timestamp/delta field, reused by type 3 headers
    bool extended = false;              // that field was carried as an extended timestamp
    std::uint32_t length = 0;
    std::uint8_t type_id = 0;
    std::uint32_t stream_id = 0;
    bool in_message = false;  // a message is partly received
    std::vector<std::uint8_t> payload;
  };

  // The largest chunk header: 3-byte basic header, 11-byte type 0 header, extended timestamp.
  static constexpr std::size_t kMaxHeaderSize = 3 + 11 + 4;
  // Payload buffers up to this size are kept between messages (a 720p-1080p stream's inter
  // frames and audio fit); bigger ones (its keyframes, every GOP) are freed once delivered: the
  // handler copies the payload out, so a kept keyframe-sized buffer would only pin a few hundred
  // KiB per publisher until the next keyframe.
  static constexpr std::size_t kKeptPayloadCapacity = 64 * 1024;

  Status consume(std::span<const std::uint8_t> input, const MessageHandler& on_message);
  Result<std::size_t> header_size(const std::uint8_t* data, std::size_t available) const;
  Status start_chunk(const std::uint8_t* header, std::size_t size, std::size_t& header_used,
                     const MessageHandler& on_message);
  Status begin_message(std::size_t index, const MessageHandler& on_message);
  Status finish_message(std::size_t index, const MessageHandler& on_message);
  Status apply_control(const Message& message);
  static void release_payload(ChunkStream& stream);
  std::size_t find_stream(std::uint32_t id) const;

  ChunkReaderLimits limits_;
  std::uint32_t chunk_size_ = kDefaultChunkSize;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t buffered_bytes_ = 0;
  bool stopped_ = false;
  std::vector<ChunkStream> streams_;

  bool reading_payload_ = false;
  std::size_t current_ = 0;             // stream whose chunk payload is being read
  std::uint32_t chunk_remaining_ = 0;   // payload bytes left in the current chunk
  std::array<std::uint8_t, kMaxHeaderSize> header_buf_{};  // header split across feeds
  std::size_t header_len_ = 0;
};

}  // namespace kek::rtmp
