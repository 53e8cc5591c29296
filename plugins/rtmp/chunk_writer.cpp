#include "chunk_writer.h"

#include <algorithm>
#include <cassert>

namespace kek::rtmp {

namespace {

constexpr std::uint32_t kExtendedTimestampMarker = 0xffffff;

void put_basic_header(std::vector<std::uint8_t>& out, unsigned fmt, std::uint32_t chunk_stream_id) {
  const auto type_bits = static_cast<std::uint8_t>(fmt << 6);
  if (chunk_stream_id >= 2 && chunk_stream_id <= 63) {
    out.push_back(static_cast<std::uint8_t>(type_bits | chunk_stream_id));
  } else if (chunk_stream_id <= 319) {
    out.push_back(type_bits);
    out.push_back(static_cast<std::uint8_t>(chunk_stream_id - 64));
  } else {
    const std::uint32_t rest = chunk_stream_id - 64;
    out.push_back(static_cast<std::uint8_t>(type_bits | 1));
    out.push_back(static_cast<std::uint8_t>(rest & 0xff));
    out.push_back(static_cast<std::uint8_t>(rest >> 8));
  }
}

void put_u24(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  put_u24(out, v & 0xffffff);
}

}  // namespace

ChunkWriter::ChunkWriter(std::uint32_t chunk_size) : chunk_size_(chunk_size) {
  assert(chunk_size >= 1 && chunk_size <= 0x7fffffff);
}

void ChunkWriter::set_chunk_size(std::uint32_t chunk_size) {
  assert(chunk_size >= 1 && chunk_size <= 0x7fffffff);
  chunk_size_ = chunk_size;
}

void ChunkWriter::write(const Message& message, std::vector<std::uint8_t>& out) const {
  // Chunk stream ids 0 and 1 are escape values of the basic header, not real streams.
  assert(message.chunk_stream_id >= 2 && message.chunk_stream_id <= 65599);
  assert(message.payload.size() <= 0xffffff);

  const bool extended = message.timestamp >= kExtendedTimestampMarker;
  const std::size_t length = message.payload.size();
  const std::size_t chunks = length == 0 ? 1 : (length + chunk_size_ - 1) / chunk_size_;
  out.reserve(out.size() + length + 18 + (chunks - 1) * 8);

  put_basic_header(out, 0, message.chunk_stream_id);
  put_u24(out, extended ? kExtendedTimestampMarker : message.timestamp);
  put_u24(out, static_cast<std::uint32_t>(length));
  out.push_back(message.type_id);
  // Message stream id: little-endian, unlike every other field.
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(message.stream_id >> shift));
  if (extended) put_u32(out, message.timestamp);

  std::size_t offset = 0;
  for (;;) {
    const std::size_t take = std::min<std::size_t>(chunk_size_, length - offset);
    out.insert(out.end(), message.payload.begin() + static_cast<std::ptrdiff_t>(offset),
               message.payload.begin() + static_cast<std::ptrdiff_t>(offset + take));
    offset += take;
    if (offset >= length) break;
    put_basic_header(out, 3, message.chunk_stream_id);
    // Continuations repeat the extended timestamp, as the spec, Flash and ffmpeg do.
    if (extended) put_u32(out, message.timestamp);
  }
}

}  // namespace kek::rtmp
