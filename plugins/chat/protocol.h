// The chat's wire format: JSON text frames on the WebSocket. What a client may send is parsed
// here (and fuzzed: it faces the network); what the server sends is built here.
//
//   client -> server  {"type":"send","text":"..."}
//                     {"type":"delete","id":42}
//                     {"type":"timeout","user":"bob","seconds":600}
//                     {"type":"ban","user":"bob"}   {"type":"unban","user":"bob"}
//   server -> client  hello, history, message, deleted, moderation, error (see README.md)
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kek::chat {

struct ClientMessage {
  enum class Type { send, remove, timeout, ban, unban };
  Type type = Type::send;
  std::string text;     // send
  int64_t id = 0;       // delete
  std::string user;     // timeout, ban, unban
  int64_t seconds = 0;  // timeout
};

// 400-style errors with codes (chat_bad_message) for anything else; never throws.
Result<ClientMessage> parse_client_message(std::string_view frame);

struct ChatMessage {
  int64_t id = 0;
  std::string user;          // user name
  std::string display_name;
  std::string role;          // "streamer", "admin" or ""
  std::string text;
  int64_t at_us = 0;         // g_get_real_time()
};

// A message as the JSON object the frames carry ({id,user,display_name,role,text,at}), encoded
// once when it is sent: its "message" frame and every later history replay reuse these bytes.
std::string message_object_json(const ChatMessage& m);
// {"type":"message","message":OBJECT} around an object from message_object_json.
std::string message_frame(std::string_view object);
// {"type":"history","messages":[OBJECT...]}, oldest first.
std::string history_frame(const std::vector<std::string_view>& objects);
// {"type":"messages","messages":[OBJECT...]}: several new messages at once, oldest first.
std::string messages_frame(const std::vector<std::string_view>& objects);

std::string message_json(const ChatMessage& m);  // message_frame(message_object_json(m))
std::string history_json(const std::vector<ChatMessage>& messages);
std::string deleted_json(int64_t id);
// action: "timeout" (until_us set), "ban", "unban". The removed messages' ids go with it.
std::string moderation_json(const std::string& user, const std::string& action, int64_t until_us,
                            const std::vector<int64_t>& removed);
std::string error_json(const Error& error, int64_t retry_after_s = 0);

}  // namespace kek::chat
