// Who is watching a live stream: distinct clients (address + user agent) fetching its playlists
// or segments. A client counts until it has been silent for longer than it usually is between
// fetches (1.5 times its last gap, at least 5 s, at most 30 s): a player of 2 s segments that
// leaves is gone from the count within 5 s, one of 8 s segments is not dropped between fetches.
// Fed by an HTTP guard on /media/ that never refuses.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

namespace kek::rtmp {

class ViewerCounter {
 public:
  static constexpr int64_t kMinWindowUs = 5 * 1000 * 1000;
  static constexpr int64_t kWindowUs = 30 * 1000 * 1000;  // the longest a silent client counts
  static constexpr size_t kMaxTracked = 100000;  // bounded, whatever a client does

  // media_path is relative to the media root: "live/cam/1795-00042.ts".
  void seen(const std::string& media_path, const std::string& client, int64_t now_us);
  // Distinct clients of "<app>/<stream>/" within the window.
  int count(const std::string& app, const std::string& stream, int64_t now_us);

 private:
  void prune(int64_t now_us);
  struct Seen {
    int64_t last_us = 0;
    int64_t gap_us = 0;  // between its last two fetches
  };
  static bool present(const Seen& seen, int64_t now_us);
  // "<app>/<stream>" -> client -> its fetches
  std::map<std::string, std::unordered_map<std::string, Seen>> last_seen_;
  size_t tracked_ = 0;
  int64_t last_prune_us_ = 0;
};

}  // namespace kek::rtmp
