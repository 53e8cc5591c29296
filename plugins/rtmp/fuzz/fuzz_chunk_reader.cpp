// Fuzz target: the chunk stream parser on arbitrary bytes, with small limits so they are
// reached. The oracle besides "never crash": feeding the input whole and feeding it in pieces
// (sizes drawn from the input's first byte) must yield the same messages and the same outcome.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "chunk_reader.h"

namespace {

struct Seen {
  std::uint32_t csid;
  std::uint8_t type;
  std::uint32_t timestamp;
  std::uint32_t stream_id;
  std::vector<std::uint8_t> payload;
  bool operator==(const Seen&) const = default;
};

struct Outcome {
  std::vector<Seen> messages;
  std::string error;
};

kek::rtmp::ChunkReaderLimits small_limits() {
  kek::rtmp::ChunkReaderLimits limits;
  limits.max_message_length = 1 << 16;
  limits.max_chunk_size = 1 << 16;
  limits.max_chunk_streams = 8;
  limits.max_buffered_bytes = 1 << 18;
  return limits;
}

Outcome run(std::span<const std::uint8_t> input, std::uint8_t split_seed) {
  kek::rtmp::ChunkReader reader(small_limits());
  Outcome outcome;
  auto collect = [&](const kek::rtmp::Message& m) {
    outcome.messages.push_back({m.chunk_stream_id, m.type_id, m.timestamp, m.stream_id,
                                std::vector<std::uint8_t>(m.payload.begin(), m.payload.end())});
    return true;
  };
  std::uint32_t state = split_seed;
  std::size_t at = 0;
  do {
    std::size_t piece = input.size() - at;
    if (split_seed != 0) {
      state = state * 1103515245u + 12345u;
      piece = std::min<std::size_t>(piece, 1 + (state >> 16) % 23);
    }
    kek::rtmp::Status st = reader.feed(input.subspan(at, piece), collect);
    if (!st) {
      outcome.error = st.error();
      break;
    }
    at += piece;
  } while (at < input.size());
  if (reader.bytes_received() > input.size()) std::abort();
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t split_seed = static_cast<std::uint8_t>(data[0] | 1);
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  const Outcome whole = run(input, 0);
  const Outcome split = run(input, split_seed);
  if (whole.error != split.error || !(whole.messages == split.messages)) std::abort();
  return 0;
}
