// Who follows which channel (channels_follows). Both sides are account ids
// (kek::UserIdentity::id), never names.
#pragma once

#include <kek/db.h>
#include <kek/host.h>
#include <kek/error.h>

#include <cstdint>
#include <vector>

namespace kek::channels {

class Follows {
 public:
  // The database opens after init: it is asked for at each use.
  explicit Follows(Host& host) : host_(host) {}
  Status follow(int64_t follower_id, int64_t channel_id);  // following twice is following
  Status unfollow(int64_t follower_id, int64_t channel_id);
  Result<bool> is_following(int64_t follower_id, int64_t channel_id);
  Result<int64_t> follower_count(int64_t channel_id);
  Result<std::vector<int64_t>> followers_of(int64_t channel_id);
  // The channels `follower_id` follows, the most recently followed first.
  Result<std::vector<int64_t>> followed_by(int64_t follower_id);

 private:
  Database& db() const { return host_.db(); }
  Host& host_;
};

}  // namespace kek::channels
