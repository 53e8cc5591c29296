#include "chunk_reader.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace kek::rtmp {

namespace {

constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);
constexpr std::uint32_t kExtendedTimestampMarker = 0xffffff;
// Message header size by chunk type (fmt): 0 full, 1 no stream id, 2 delta only, 3 none.
constexpr std::array<std::size_t, 4> kMessageHeaderSize = {11, 7, 3, 0};

std::uint32_t read_u24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | std::uint32_t{p[2]};
}
std::uint32_t read_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
// The message stream id is the one little-endian field of RTMP.
std::uint32_t read_u32_le(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

struct BasicHeader {
  unsigned fmt;
  std::uint32_t chunk_stream_id;
  std::size_t size;
};

// Needs header[0..size) to be readable, where size comes from basic_header_size().
std::size_t basic_header_size(std::uint8_t first) {
  switch (first & 0x3f) {
    case 0: return 2;
    case 1: return 3;
    default: return 1;
  }
}

BasicHeader parse_basic_header(const std::uint8_t* h) {
  BasicHeader b{static_cast<unsigned>(h[0] >> 6), h[0] & 0x3fu, basic_header_size(h[0])};
  if (b.size == 2) b.chunk_stream_id = 64 + h[1];
  if (b.size == 3) b.chunk_stream_id = 64 + h[1] + (std::uint32_t{h[2]} << 8);
  return b;
}

Status unknown_stream(unsigned fmt, std::uint32_t id) {
  return Status::failure("chunk header refers to unknown chunk stream " + std::to_string(id) +
                         " (type " + std::to_string(fmt) +
                         " header before any type 0 header on that stream)");
}

}  // namespace

ChunkReader::ChunkReader(ChunkReaderLimits limits) : limits_(limits) {}

Status ChunkReader::feed(std::span<const std::uint8_t> bytes, const MessageHandler& on_message) {
  if (stopped_) return Status::failure("chunk reader fed after it was stopped");
  bytes_received_ += bytes.size();
  return consume(bytes, on_message);
}

std::size_t ChunkReader::find_stream(std::uint32_t id) const {
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (streams_[i].id == id) return i;
  }
  return kNotFound;
}

Result<std::size_t> ChunkReader::header_size(const std::uint8_t* data, std::size_t available) const {
  if (available < 1) return std::size_t{1};
  const std::size_t basic = basic_header_size(data[0]);
  if (available < basic) return basic;
  const BasicHeader b = parse_basic_header(data);
  const std::size_t size = basic + kMessageHeaderSize[b.fmt];
  if (available < size) return size;
  bool extended = false;
  if (b.fmt < 3) {
    extended = read_u24(data + basic) == kExtendedTimestampMarker;
  } else {
    // Whether a type 3 header carries an extended timestamp depends on the stream's last
    // type 0/1/2 header, so the stream must be known already.
    std::size_t index = find_stream(b.chunk_stream_id);
    if (index == kNotFound) return unknown_stream(b.fmt, b.chunk_stream_id);
    extended = streams_[index].extended;
  }
  return size + (extended ? 4 : 0);
}

Status ChunkReader::consume(std::span<const std::uint8_t> input, const MessageHandler& on_message) {
  std::size_t pos = 0;
  while (pos < input.size() && !stopped_) {
    if (reading_payload_) {
      ChunkStream& stream = streams_[current_];
      const std::size_t take = std::min<std::size_t>(chunk_remaining_, input.size() - pos);
      stream.payload.insert(stream.payload.end(), input.begin() + static_cast<std::ptrdiff_t>(pos),
                            input.begin() + static_cast<std::ptrdiff_t>(pos + take));
      pos += take;
      chunk_remaining_ -= static_cast<std::uint32_t>(take);
      if (stream.payload.size() == stream.length) {
        reading_payload_ = false;
        if (auto st = finish_message(current_, on_message); !st) return st;
      } else if (chunk_remaining_ == 0) {
        reading_payload_ = false;
      }
      continue;
    }

    // A chunk header: parse it in place when the input holds all of it (the common case),
    // else collect it in header_buf_ across calls.
    const std::uint8_t* header = nullptr;
    std::size_t size = 0;
    bool buffered = false;
    if (header_len_ == 0) {
      auto need = header_size(input.data() + pos, input.size() - pos);
      if (!need) return need.status();
      if (*need > input.size() - pos) {
        std::copy(input.begin() + static_cast<std::ptrdiff_t>(pos), input.end(), header_buf_.begin());
        header_len_ = input.size() - pos;
        return {};
      }
      header = input.data() + pos;
      size = *need;
    } else {
      for (;;) {
        auto need = header_size(header_buf_.data(), header_len_);
        if (!need) return need.status();
        if (*need <= header_len_) {
          size = *need;
          break;
        }
        const std::size_t take = std::min(*need - header_len_, input.size() - pos);
        if (take == 0) return {};  // wait for more bytes
        std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(pos), take,
                    header_buf_.begin() + static_cast<std::ptrdiff_t>(header_len_));
        header_len_ += take;
        pos += take;
      }
      header = header_buf_.data();
      buffered = true;
    }

    std::size_t used = 0;
    if (auto st = start_chunk(header, size, used, on_message); !st) return st;
    if (!buffered) {
      pos += used;
      continue;
    }
    // A buffered header that turned out shorter than the bytes collected for it (a type 3
    // header without the extended timestamp we peeked for): those bytes are chunk payload and
    // maybe the next header, so run them through the parser before the rest of the input.
    // They are at most 4 bytes, too few to hold another such peek, so this recursion is one
    // level deep.
    const std::size_t excess = size - used;
    header_len_ = 0;
    if (excess > 0) {
      std::array<std::uint8_t, 4> leftover{};
      std::copy_n(header_buf_.begin() + static_cast<std::ptrdiff_t>(used), excess, leftover.begin());
      if (auto st = consume({leftover.data(), excess}, on_message); !st) return st;
    }
  }
  return {};
}

Status ChunkReader::start_chunk(const std::uint8_t* header, std::size_t size, std::size_t& header_used,
                                const MessageHandler& on_message) {
  const BasicHeader b = parse_basic_header(header);
  header_used = size;

  std::size_t index = find_stream(b.chunk_stream_id);
  if (index == kNotFound) {
    if (b.fmt != 0) return unknown_stream(b.fmt, b.chunk_stream_id);
    if (streams_.size() >= limits_.max_chunk_streams) {
      return Status::failure("peer opened more than " + std::to_string(limits_.max_chunk_streams) +
                             " chunk streams (new chunk stream " + std::to_string(b.chunk_stream_id) + ")");
    }
    streams_.push_back(ChunkStream{});
    streams_.back().id = b.chunk_stream_id;
    index = streams_.size() - 1;
  }
  ChunkStream& stream = streams_[index];
  const std::uint8_t* fields = header + b.size;
  const std::uint8_t* extended_field = fields + kMessageHeaderSize[b.fmt];

  if (b.fmt < 3) {
    if (stream.in_message) {
      return Status::failure("type " + std::to_string(b.fmt) + " chunk header on chunk stream " +
                             std::to_string(stream.id) + " while a message of " +
                             std::to_string(stream.length) + " bytes is incomplete (" +
                             std::to_string(stream.payload.size()) + " received)");
    }
    const std::uint32_t field24 = read_u24(fields);
    stream.extended = field24 == kExtendedTimestampMarker;
    stream.timestamp_field = stream.extended ? read_u32(extended_field) : field24;
    if (b.fmt <= 1) {
      const std::uint32_t length = read_u24(fields + 3);
      if (length > limits_.max_message_length) {
        return Status::failure("message of " + std::to_string(length) + " bytes on chunk stream " +
                               std::to_string(stream.id) + " exceeds the limit of " +
                               std::to_string(limits_.max_message_length) + " bytes");
      }
      stream.length = length;
      stream.type_id = fields[6];
    }
    if (b.fmt == 0) {
      stream.stream_id = read_u32_le(fields + 7);
      stream.timestamp = stream.timestamp_field;
    } else {
      stream.timestamp += stream.timestamp_field;  // wraps like the protocol's 32-bit clock
    }
    return begin_message(index, on_message);
  }

  // Type 3. Senders disagree on whether a type 3 chunk repeats the extended timestamp: the
  // spec, Flash, ffmpeg and librtmp do; some encoders do not. Like GStreamer's rtmp2 and SRS,
  // accept the four bytes only if they match the value they repeat, else they are payload.
  if (stream.extended && read_u32(extended_field) != stream.timestamp_field) {
    header_used = size - 4;
  }
  if (stream.in_message) {
    chunk_remaining_ = std::min<std::uint32_t>(chunk_size_, stream.length - static_cast<std::uint32_t>(stream.payload.size()));
    current_ = index;
    reading_payload_ = true;
    return {};
  }
  // A type 3 header that starts a message repeats the previous length, type, stream and
  // timestamp field. Like ffmpeg and GStreamer (both as readers and as writers), the field is
  // reused as a delta even when it came from a type 0 header.
  stream.timestamp += stream.timestamp_field;
  return begin_message(index, on_message);
}

Status ChunkReader::begin_message(std::size_t index, const MessageHandler& on_message) {
  ChunkStream& stream = streams_[index];
  stream.payload.clear();
  if (stream.length == 0) return finish_message(index, on_message);

  if (buffered_bytes_ + stream.length > limits_.max_buffered_bytes) {
    return Status::failure("incomplete messages across chunk streams would exceed " +
                           std::to_string(limits_.max_buffered_bytes) + " bytes");
  }
  buffered_bytes_ += stream.length;
  // No reservation for the declared length: a peer may declare 16 MiB and send 10 bytes, on
  // each of its chunk streams. The buffer grows with the chunks that do arrive (and keeps its
  // capacity for the next message of similar size).
  stream.in_message = true;
  chunk_remaining_ = std::min(chunk_size_, stream.length);
  current_ = index;
  reading_payload_ = true;
  return {};
}

Status ChunkReader::finish_message(std::size_t index, const MessageHandler& on_message) {
  ChunkStream& stream = streams_[index];
  if (stream.in_message) {
    stream.in_message = false;
    buffered_bytes_ -= stream.length;
  }
  const Message message{stream.id, stream.type_id, stream.timestamp, stream.stream_id,
                        std::span<const std::uint8_t>(stream.payload)};
  if (message.type_id == message_type::set_chunk_size || message.type_id == message_type::abort) {
    Status st = apply_control(message);
    release_payload(streams_[index]);
    return st;
  }
  if (!on_message(message)) stopped_ = true;
  // `stream` is still valid: a handler cannot add chunk streams to this reader.
  release_payload(stream);
  return {};
}

std::size_t ChunkReader::kept_bytes() const {
  std::size_t n = 0;
  for (const ChunkStream& s : streams_)
    if (!s.in_message) n += s.payload.capacity();
  return n;
}

void ChunkReader::release_payload(ChunkStream& stream) {
  // Keep the buffer for the next message (the common case: similar sizes on each chunk stream),
  // but not when it is big: otherwise a peer sending one large message on each of its chunk
  // streams would pin max_chunk_streams * max_message_length bytes.
  if (stream.payload.capacity() > kKeptPayloadCapacity) {
    std::vector<std::uint8_t>().swap(stream.payload);
  } else {
    stream.payload.clear();
  }
}

Status ChunkReader::apply_control(const Message& message) {
  if (message.payload.size() < 4) {
    return Status::failure(std::string(message.type_id == message_type::set_chunk_size
                                           ? "Set Chunk Size"
                                           : "Abort Message") +
                           " message of " + std::to_string(message.payload.size()) +
                           " bytes, expected 4");
  }
  const std::uint32_t value = read_u32(message.payload.data());
  if (message.type_id == message_type::set_chunk_size) {
    // Spec 5.4.1: the top bit must be zero; a size of 0 would make no progress.
    if (value == 0 || (value & 0x80000000u) != 0) {
      return Status::failure("Set Chunk Size to invalid size " + std::to_string(value));
    }
    if (value > limits_.max_chunk_size) {
      return Status::failure("Set Chunk Size to " + std::to_string(value) + " exceeds the limit of " +
                             std::to_string(limits_.max_chunk_size) + " bytes");
    }
    chunk_size_ = value;
    return {};
  }
  // Abort: drop the partly received message on that chunk stream, if any.
  const std::size_t index = find_stream(value);
  if (index != kNotFound && streams_[index].in_message) {
    ChunkStream& aborted = streams_[index];
    aborted.in_message = false;
    buffered_bytes_ -= aborted.length;
    release_payload(aborted);
  }
  return {};
}

}  // namespace kek::rtmp
