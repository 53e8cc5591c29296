#include "viewer_counter.h"

#include <algorithm>

namespace kek::rtmp {

namespace {
// Playlists too: a live player reloads them every segment, so they say it is still there.
bool is_media(const std::string& path) {
  auto ends_with = [&](const char* s) { return path.ends_with(s); };
  return ends_with(".ts") || ends_with(".m4s") || ends_with(".m3u8") || ends_with(".mpd") ||
         (ends_with(".mp4") && path.find("/dash/") != std::string::npos);  // .ts: HLS and DASH
}
}  // namespace

void ViewerCounter::seen(const std::string& media_path, const std::string& client, int64_t now_us) {
  if (!is_media(media_path)) return;
  // "<app>/<stream>/..." (variants and dash/ live below the stream's folder)
  size_t first = media_path.find('/');
  size_t second = first == std::string::npos ? first : media_path.find('/', first + 1);
  if (second == std::string::npos) return;
  prune(now_us);
  auto& clients = last_seen_[media_path.substr(0, second)];
  auto [it, inserted] = clients.try_emplace(client, Seen{now_us, 0});
  if (inserted) {
    if (tracked_ >= kMaxTracked) {
      clients.erase(it);
      return;
    }
    ++tracked_;
  } else {
    // A playlist and its segment a moment apart are one visit: the gap is between visits.
    const int64_t gap = now_us - it->second.last_us;
    if (gap > 500 * 1000) it->second.gap_us = gap;
    it->second.last_us = now_us;
  }
}

int ViewerCounter::count(const std::string& app, const std::string& stream, int64_t now_us) {
  prune(now_us);
  auto it = last_seen_.find(app + "/" + stream);
  if (it == last_seen_.end()) return 0;
  int n = 0;
  for (const auto& [client, seen] : it->second) n += present(seen, now_us);
  return n;
}

bool ViewerCounter::present(const Seen& seen, int64_t now_us) {
  const int64_t allowed = std::clamp(seen.gap_us * 3 / 2, kMinWindowUs, kWindowUs);
  return now_us - seen.last_us <= allowed;
}

void ViewerCounter::prune(int64_t now_us) {
  if (now_us - last_prune_us_ < 1000 * 1000) return;  // at most once a second
  last_prune_us_ = now_us;
  for (auto s = last_seen_.begin(); s != last_seen_.end();) {
    for (auto c = s->second.begin(); c != s->second.end();) {
      if (now_us - c->second.last_us > kWindowUs) {
        c = s->second.erase(c);
        --tracked_;
      } else {
        ++c;
      }
    }
    s = s->second.empty() ? last_seen_.erase(s) : std::next(s);
  }
}

}  // namespace kek::rtmp
