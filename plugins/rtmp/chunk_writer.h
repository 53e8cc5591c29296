// Serializes messages into chunks (spec section 5.3) with the server's outgoing chunk size:
// a type 0 header for the first chunk of every message, then type 3 continuation headers.
// Always starting with type 0 costs a few bytes per message and keeps the writer stateless
// across chunk streams, which matters more than compression for the handful of replies and
// control messages a server sends.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "message.h"

namespace kek::rtmp {

class ChunkWriter {
 public:
  explicit ChunkWriter(std::uint32_t chunk_size = kDefaultChunkSize);

  std::uint32_t chunk_size() const { return chunk_size_; }
  // Changes the size used from the next message on. Only call it right after writing the
  // Set Chunk Size message that tells the peer (the session does both, in that order).
  void set_chunk_size(std::uint32_t chunk_size);

  // Appends `message` (chunk stream, type, timestamp, stream id, payload) as chunks to `out`.
  void write(const Message& message, std::vector<std::uint8_t>& out) const;

 private:
  std::uint32_t chunk_size_;
};

}  // namespace kek::rtmp
