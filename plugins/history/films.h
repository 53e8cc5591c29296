// What the history plugin needs to know about a film, from the library's catalogue service:
// its title, poster, length and the media prefix whose access rules apply to it. Behind an
// interface so that the routes do not care where it comes from (and tests give their own).
// Lookups for heartbeats are cached for a few seconds; a deleted film leaves the cache at once.
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kek {
class Services;
}

namespace kek::history {

struct FilmInfo {
  std::string id;
  std::string title;
  std::string poster_url;    // "" when there is none
  double duration_s = 0;     // 0 while unknown
  std::string media_prefix;  // "vod/<id>/": Identity::may_open(user, media_prefix)
};

class Films {
 public:
  virtual ~Films() = default;
  virtual Result<std::optional<FilmInfo>> find(const std::string& id) = 0;
  // In the order of ids; unknown ones left out.
  virtual Result<std::vector<FilmInfo>> find_many(const std::vector<std::string>& ids) = 0;
};

// The library plugin's catalogue, looked up in the services when asked (it may load after us);
// nullptr when no catalogue is there.
std::unique_ptr<Films> catalogue_films(Services& services);

// A few seconds of memory in front of another Films, for the heartbeat path.
class FilmCache {
 public:
  static constexpr int64_t kTtlUs = 5 * 1000 * 1000;
  static constexpr size_t kMaxEntries = 10000;
  explicit FilmCache(Films& source) : source_(source) {}
  Result<std::optional<FilmInfo>> find(const std::string& id, int64_t now_us);
  void forget(const std::string& id) { cache_.erase(id); }

 private:
  Films& source_;
  std::map<std::string, std::pair<int64_t, std::optional<FilmInfo>>> cache_;
};

// Library item ids are short URL-safe words; anything else is no item (404 without a lookup).
bool plausible_item_id(const std::string& id);

}  // namespace kek::history
