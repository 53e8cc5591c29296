#include "moderation.h"

#include <glib.h>

namespace kek::chat {

Status Moderation::load() {
  auto rows = db().query("SELECT channel, user_id, until_us FROM chat_bans");
  if (!rows) return wrap(rows.error(), "chat: load bans");
  restricted_.clear();
  for (const auto& row : *rows) restricted_[{row.text("channel"), row.integer("user_id")}] = row.integer("until_us");
  return {};
}

Status Moderation::restrict(const std::string& channel, int64_t user_id, int64_t until_us, int64_t by_user_id) {
  Status stored = db().transaction([&]() -> Status {
    auto removed = db().exec("DELETE FROM chat_bans WHERE channel = ? AND user_id = ?", {channel, user_id});
    if (!removed) return removed.error();
    auto added = db().exec("INSERT INTO chat_bans (channel, user_id, until_us, by_user_id, created_at) VALUES (?, ?, ?, ?, ?)",
                           {channel, user_id, until_us, by_user_id, g_get_real_time()});
    if (!added) return added.error();
    return {};
  });
  if (!stored) return wrap(stored.error(), "chat: ban");
  restricted_[{channel, user_id}] = until_us;
  return {};
}

Status Moderation::lift(const std::string& channel, int64_t user_id) {
  auto removed = db().exec("DELETE FROM chat_bans WHERE channel = ? AND user_id = ?", {channel, user_id});
  if (!removed) return wrap(removed.error(), "chat: unban");
  restricted_.erase({channel, user_id});
  return {};
}

std::optional<int64_t> Moderation::restriction(const std::string& channel, int64_t user_id, int64_t now_us) const {
  auto it = restricted_.find({channel, user_id});
  if (it == restricted_.end()) return std::nullopt;
  if (it->second != 0 && it->second <= now_us) return std::nullopt;  // the timeout is over
  return it->second;
}

}  // namespace kek::chat
