// Bans and timeouts per channel (chat_bans): who may not write in a channel's chat, and until
// when (a ban has no end). Read once into memory at start; every change is written through.
#pragma once

#include <kek/db.h>
#include <kek/error.h>
#include <kek/host.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace kek::chat {

class Moderation {
 public:
  explicit Moderation(Host& host) : host_(host) {}
  Status load();
  // until_us 0: a ban (no end); else the end of a timeout (g_get_real_time() clock).
  Status restrict(const std::string& channel, int64_t user_id, int64_t until_us, int64_t by_user_id);
  Status lift(const std::string& channel, int64_t user_id);
  // nullopt: may write; 0: banned; else timed out until then.
  std::optional<int64_t> restriction(const std::string& channel, int64_t user_id, int64_t now_us) const;

 private:
  Database& db() const { return host_.db(); }
  Host& host_;
  std::map<std::pair<std::string, int64_t>, int64_t> restricted_;
};

}  // namespace kek::chat
