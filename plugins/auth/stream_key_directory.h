// kek::StreamKeys over the key store: a user's working keys by id, their stream names and
// policies, never the secrets (the schedule plugin ties live events to them).
#pragma once

#include "stream_keys.h"

#include <kek/services/stream_keys.h>

namespace kek::auth {

class StreamKeyDirectory final : public StreamKeys {
 public:
  explicit StreamKeyDirectory(StreamKeyStore& store) : store_(store) {}
  Result<std::vector<StreamKeyInfo>> keys_of(int64_t user_id) override;
  Result<std::optional<StreamKeyInfo>> key(int64_t key_id) override;

 private:
  StreamKeyStore& store_;
};

}  // namespace kek::auth
