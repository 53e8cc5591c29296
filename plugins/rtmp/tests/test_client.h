// A scripted RTMP client for the tests: builds the bytes ffmpeg/OBS/rtmp2sink send (handshake,
// chunked commands, media) and decodes what the server answers, using the protocol layer's own
// writer and reader on the client side.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "amf0.h"
#include "chunk_reader.h"
#include "chunk_writer.h"
#include "handshake.h"
#include "message.h"

namespace kek::rtmp::testing {

using Bytes = std::vector<std::uint8_t>;

inline Bytes c0c1(std::uint8_t version = 3) {
  Bytes out{version};
  for (std::size_t i = 0; i < ServerHandshake::kPacketSize; ++i) {
    out.push_back(static_cast<std::uint8_t>(i < 8 ? 0 : (i * 7 + 3) & 0xff));
  }
  return out;
}

inline Bytes c2() { return Bytes(ServerHandshake::kPacketSize, 0x5a); }

inline void append(Bytes& to, std::span<const std::uint8_t> bytes) { to.insert(to.end(), bytes.begin(), bytes.end()); }

inline Bytes u32_bytes(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// The client's side of the chunk stream.
class ClientWriter {
 public:
  Bytes& bytes() { return bytes_; }

  void message(std::uint32_t csid, std::uint8_t type, std::uint32_t timestamp, std::uint32_t stream_id,
               std::span<const std::uint8_t> payload) {
    writer_.write(Message{csid, type, timestamp, stream_id, payload}, bytes_);
  }
  void set_chunk_size(std::uint32_t size) {
    Bytes payload = u32_bytes(size);
    message(chunk_stream::protocol_control, message_type::set_chunk_size, 0, 0, payload);
    writer_.set_chunk_size(size);
  }
  void command(std::uint32_t stream_id, std::initializer_list<amf0::Value> values,
               std::uint8_t type = message_type::command_amf0) {
    Bytes payload;
    if (type == message_type::command_amf3) payload.push_back(0);
    amf0::encode_all(std::vector<amf0::Value>(values), payload);
    message(stream_id == 0 ? 3 : 8, type, 0, stream_id, payload);
  }
  void data(std::uint32_t stream_id, std::initializer_list<amf0::Value> values,
            std::uint8_t type = message_type::data_amf0) {
    Bytes payload;
    if (type == message_type::data_amf3) payload.push_back(0);
    amf0::encode_all(std::vector<amf0::Value>(values), payload);
    message(4, type, 0, stream_id, payload);
  }

 private:
  ChunkWriter writer_;
  Bytes bytes_;
};

// A server message as the client sees it.
struct Reply {
  Message header;  // payload not valid; use `payload`
  Bytes payload;
  amf0::Values values;  // decoded for command messages

  std::string name() const { return values.empty() ? std::string() : values[0].as_string(); }
  const amf0::Value& at(std::size_t i) const {
    static const amf0::Value kMissing;
    return i < values.size() ? values[i] : kMissing;
  }
  std::uint32_t u32_at(std::size_t offset) const {
    return (std::uint32_t{payload.at(offset)} << 24) | (std::uint32_t{payload.at(offset + 1)} << 16) |
           (std::uint32_t{payload.at(offset + 2)} << 8) | std::uint32_t{payload.at(offset + 3)};
  }
};

// Parses the server's output after S0+S1+S2.
class ReplyReader {
 public:
  std::vector<Reply> read(std::span<const std::uint8_t> bytes) {
    std::vector<Reply> replies;
    Status st = reader_.feed(bytes, [&](const Message& m) {
      Reply r;
      r.header = m;
      r.header.payload = {};
      r.payload.assign(m.payload.begin(), m.payload.end());
      if (m.type_id == message_type::command_amf0) {
        auto values = amf0::decode_all(m.payload);
        EXPECT_TRUE(values.ok()) << values.error();
        if (values) r.values = std::move(*values);
      }
      replies.push_back(std::move(r));
      return true;
    });
    EXPECT_TRUE(st.ok()) << st.error();
    return replies;
  }
  std::uint32_t chunk_size() const { return reader_.chunk_size(); }

 private:
  ChunkReader reader_;
};

}  // namespace kek::rtmp::testing
