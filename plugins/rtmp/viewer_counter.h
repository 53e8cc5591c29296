// Who is watching a live stream: distinct clients (address + user agent) that fetched one of
// its segments in the last 30 seconds. Fed by an HTTP guard on /media/ that never refuses.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

namespace kek::rtmp {

class ViewerCounter {
 public:
  static constexpr int64_t kWindowUs = 30 * 1000 * 1000;
  static constexpr size_t kMaxTracked = 100000;  // bounded, whatever a client does

  // media_path is relative to the media root: "live/cam/1795-00042.ts".
  void seen(const std::string& media_path, const std::string& client, int64_t now_us);
  // Distinct clients of "<app>/<stream>/" within the window.
  int count(const std::string& app, const std::string& stream, int64_t now_us);

 private:
  void prune(int64_t now_us);
  // "<app>/<stream>" -> client -> last segment fetch
  std::map<std::string, std::unordered_map<std::string, int64_t>> last_seen_;
  size_t tracked_ = 0;
  int64_t last_prune_us_ = 0;
};

}  // namespace kek::rtmp
