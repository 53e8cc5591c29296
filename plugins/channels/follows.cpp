#include "follows.h"

#include <glib.h>

namespace kek::channels {
namespace {

Result<std::vector<int64_t>> ids(Result<DbRows> rows, const char* column) {
  if (!rows) return rows.error();
  std::vector<int64_t> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) out.push_back(row.integer(column));
  return out;
}

}  // namespace

Status Follows::follow(int64_t follower_id, int64_t channel_id) {
  auto existing = is_following(follower_id, channel_id);
  if (!existing) return existing.error();
  if (*existing) return {};
  auto r = db().exec("INSERT INTO channels_follows (follower_id, channel_id, created_at) VALUES (?, ?, ?)",
                    {follower_id, channel_id, g_get_real_time()});
  // Two follow requests at once: the second finds the first's row; either way it is followed.
  if (!r && r.error().code != 409) return wrap(r.error(), "channels: follow");
  return {};
}

Status Follows::unfollow(int64_t follower_id, int64_t channel_id) {
  auto r = db().exec("DELETE FROM channels_follows WHERE follower_id = ? AND channel_id = ?", {follower_id, channel_id});
  if (!r) return wrap(r.error(), "channels: unfollow");
  return {};
}

Result<bool> Follows::is_following(int64_t follower_id, int64_t channel_id) {
  auto rows = db().query("SELECT 1 AS x FROM channels_follows WHERE follower_id = ? AND channel_id = ?",
                        {follower_id, channel_id});
  if (!rows) return rows.error();
  return !rows->empty();
}

Result<int64_t> Follows::follower_count(int64_t channel_id) {
  auto rows = db().query("SELECT COUNT(*) AS n FROM channels_follows WHERE channel_id = ?", {channel_id});
  if (!rows) return rows.error();
  return rows->empty() ? 0 : rows->front().integer("n");
}

Result<std::vector<int64_t>> Follows::followers_of(int64_t channel_id) {
  return ids(db().query("SELECT follower_id FROM channels_follows WHERE channel_id = ?", {channel_id}), "follower_id");
}

Result<std::vector<int64_t>> Follows::followed_by(int64_t follower_id) {
  return ids(db().query("SELECT channel_id FROM channels_follows WHERE follower_id = ? ORDER BY created_at DESC",
                       {follower_id}),
             "channel_id");
}

}  // namespace kek::channels
