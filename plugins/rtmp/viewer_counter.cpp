#include "viewer_counter.h"

namespace kek::rtmp {

namespace {
bool is_segment(const std::string& path) {
  auto ends_with = [&](const char* s) { return path.ends_with(s); };
  return ends_with(".ts") || ends_with(".m4s") || (ends_with(".mp4") && path.find("/dash/") != std::string::npos);  // .ts: HLS and DASH
}
}  // namespace

void ViewerCounter::seen(const std::string& media_path, const std::string& client, int64_t now_us) {
  if (!is_segment(media_path)) return;
  // "<app>/<stream>/..." (variants and dash/ live below the stream's folder)
  size_t first = media_path.find('/');
  size_t second = first == std::string::npos ? first : media_path.find('/', first + 1);
  if (second == std::string::npos) return;
  prune(now_us);
  auto& clients = last_seen_[media_path.substr(0, second)];
  auto [it, inserted] = clients.try_emplace(client, now_us);
  if (inserted) {
    if (tracked_ >= kMaxTracked) {
      clients.erase(it);
      return;
    }
    ++tracked_;
  } else {
    it->second = now_us;
  }
}

int ViewerCounter::count(const std::string& app, const std::string& stream, int64_t now_us) {
  prune(now_us);
  auto it = last_seen_.find(app + "/" + stream);
  if (it == last_seen_.end()) return 0;
  int n = 0;
  for (const auto& [client, at] : it->second) n += now_us - at <= kWindowUs;
  return n;
}

void ViewerCounter::prune(int64_t now_us) {
  if (now_us - last_prune_us_ < 1000 * 1000) return;  // at most once a second
  last_prune_us_ = now_us;
  for (auto s = last_seen_.begin(); s != last_seen_.end();) {
    for (auto c = s->second.begin(); c != s->second.end();) {
      if (now_us - c->second > kWindowUs) {
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
