// Each streamer's channel settings: the stream title and category (and the offline banner's
// version). Kept in the channels_profiles table and, for /api/live, in memory: the rtmp plugin
// asks for every stream of every listing.
#pragma once

#include <kek/db.h>
#include <kek/host.h>
#include <kek/error.h>
#include <kek/services/channels.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace kek::channels {

inline constexpr size_t kMaxTitleChars = 140;
inline constexpr size_t kMaxCategoryChars = 40;

struct ChannelChange {
  std::optional<std::string> title;     // nullopt: unchanged; "": cleared
  std::optional<std::string> category;
};

// 400 with a code (title_too_long, text_control_characters...) when a field is not acceptable.
Status check_change(const ChannelChange& change);

class ChannelStore final : public Channels {
 public:
  // The database opens after init: it is asked for at each use.
  explicit ChannelStore(Host& host) : host_(host) {}
  // Reads every channel into memory (at start, after the migrations).
  Status load();
  ChannelInfo channel_of(int64_t user_id) const override;
  // Checked with check_change first; trims surrounding blanks.
  Result<ChannelInfo> update(int64_t user_id, const ChannelChange& change);
  // The offline banner's version: 0 when none was uploaded (see banners.h).
  int64_t banner_version(int64_t user_id) const;
  Status set_banner_version(int64_t user_id, int64_t version);

 private:
  Database& db() const { return host_.db(); }
  Host& host_;
  std::map<int64_t, ChannelInfo> channels_;
  std::map<int64_t, int64_t> banners_;
};

}  // namespace kek::channels
