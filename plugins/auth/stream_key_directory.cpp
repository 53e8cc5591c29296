#include "stream_key_directory.h"

namespace kek::auth {
namespace {

StreamKeyInfo info_of(const StreamKey& k) { return StreamKeyInfo{k.id, k.user_id, k.name, k.stream, policy_of(k)}; }

}  // namespace

Result<std::vector<StreamKeyInfo>> StreamKeyDirectory::keys_of(int64_t user_id) {
  auto keys = store_.list(user_id);
  if (!keys) return keys.error();
  std::vector<StreamKeyInfo> out;
  for (const auto& k : *keys) out.push_back(info_of(k));
  return out;
}

Result<std::optional<StreamKeyInfo>> StreamKeyDirectory::key(int64_t key_id) {
  auto k = store_.find_by_id(key_id);
  if (!k) return k.error();
  if (!*k) return std::optional<StreamKeyInfo>{};
  return std::optional<StreamKeyInfo>{info_of(**k)};
}

}  // namespace kek::auth
