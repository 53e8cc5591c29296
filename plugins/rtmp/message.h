// An RTMP message as the chunk layer delivers it, and the message type ids (spec sections
// 5.4, 6.2, 7.1).
#pragma once

#include <cstdint>
#include <span>

namespace kek::rtmp {

namespace message_type {
inline constexpr std::uint8_t set_chunk_size = 1;
inline constexpr std::uint8_t abort = 2;
inline constexpr std::uint8_t acknowledgement = 3;
inline constexpr std::uint8_t user_control = 4;
inline constexpr std::uint8_t window_ack_size = 5;
inline constexpr std::uint8_t set_peer_bandwidth = 6;
inline constexpr std::uint8_t audio = 8;
inline constexpr std::uint8_t video = 9;
inline constexpr std::uint8_t data_amf3 = 15;
inline constexpr std::uint8_t shared_object_amf3 = 16;
inline constexpr std::uint8_t command_amf3 = 17;
inline constexpr std::uint8_t data_amf0 = 18;
inline constexpr std::uint8_t shared_object_amf0 = 19;
inline constexpr std::uint8_t command_amf0 = 20;
inline constexpr std::uint8_t aggregate = 22;
}  // namespace message_type

namespace user_control_event {
inline constexpr std::uint16_t stream_begin = 0;
inline constexpr std::uint16_t stream_eof = 1;
inline constexpr std::uint16_t stream_dry = 2;
inline constexpr std::uint16_t set_buffer_length = 3;
inline constexpr std::uint16_t stream_is_recorded = 4;
inline constexpr std::uint16_t ping_request = 6;
inline constexpr std::uint16_t ping_response = 7;
}  // namespace user_control_event

// Chunk streams with a fixed meaning: 2 carries protocol control messages (spec 5.4); the
// others are conventions shared by nginx-rtmp, SRS and ffmpeg for what the server sends.
namespace chunk_stream {
inline constexpr std::uint32_t protocol_control = 2;
inline constexpr std::uint32_t command = 3;
}  // namespace chunk_stream

inline constexpr std::uint32_t kDefaultChunkSize = 128;

struct Message {
  std::uint32_t chunk_stream_id = 0;
  std::uint8_t type_id = 0;
  // Absolute timestamp in milliseconds, 32 bits, wrapping (about every 49.7 days).
  std::uint32_t timestamp = 0;
  std::uint32_t stream_id = 0;  // message stream id
  // Borrowed: valid only until the call that delivered the message returns.
  std::span<const std::uint8_t> payload;
};

}  // namespace kek::rtmp
