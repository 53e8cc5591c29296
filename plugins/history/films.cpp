#include "films.h"

#include <glib.h>

namespace kek::history {

Result<std::optional<FilmInfo>> FilmCache::find(const std::string& id, int64_t now_us) {
  if (auto it = cache_.find(id); it != cache_.end() && now_us - it->second.first < kTtlUs) return it->second.second;
  auto found = source_.find(id);
  if (!found) return found.error();
  if (cache_.size() >= kMaxEntries) cache_.clear();
  cache_[id] = {now_us, *found};
  return found;
}

bool plausible_item_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!g_ascii_isalnum(c) && c != '-' && c != '_') return false;
  return true;
}

}  // namespace kek::history
