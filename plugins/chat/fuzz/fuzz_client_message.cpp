// Fuzz target: what a chat client may send, on arbitrary bytes. Never crashes; what parses has
// the fields its type needs.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kek::chat;
  auto m = parse_client_message(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m) {
    if (m.error().reason != "chat_bad_message") std::abort();
    return 0;
  }
  switch (m->type) {
    case ClientMessage::Type::send: break;
    case ClientMessage::Type::remove: break;
    case ClientMessage::Type::timeout:
      if (m->seconds <= 0 || m->user.empty()) std::abort();
      break;
    case ClientMessage::Type::ban:
    case ClientMessage::Type::unban:
      if (m->user.empty()) std::abort();
      break;
  }
  return 0;
}
