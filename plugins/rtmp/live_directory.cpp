#include "live_directory.h"

namespace kek::rtmp {
namespace {

LiveStreamInfo public_view(const StreamInfo& s) {
  return LiveStreamInfo{s.app, s.stream, s.owner, s.owner_id, s.since_us, s.reconnecting,
                        !s.video_codec.empty(), !s.audio_codec.empty()};
}

}  // namespace

std::vector<LiveStreamInfo> LiveDirectory::list() const {
  std::vector<LiveStreamInfo> out;
  for (const auto& s : registry_.list()) out.push_back(public_view(s));
  return out;
}

std::optional<LiveStreamInfo> LiveDirectory::find(const std::string& stream) const {
  auto s = registry_.find(stream);
  if (!s) return std::nullopt;
  return public_view(*s);
}

void Announcements::announce(LiveAnnouncement announcement) {
  auto key = std::make_pair(announcement.app, announcement.stream);
  live_[key] = std::move(announcement);
}

void Announcements::withdraw(const std::string& app, const std::string& stream) { live_.erase({app, stream}); }

std::vector<LiveAnnouncement> Announcements::announced() const {
  std::vector<LiveAnnouncement> out;
  for (const auto& [key, a] : live_) out.push_back(a);
  return out;
}

}  // namespace kek::rtmp
