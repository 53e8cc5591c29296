// A PlaylistStore in memory for the playlist writers' tests: the files' last text, the paths
// deleted, and a switch that makes every write fail with a reason.
#pragma once

#include "playlist_store.h"

#include <map>
#include <string>
#include <vector>

namespace kek::hls::test {

class MemoryStore : public PlaylistStore {
 public:
  std::optional<std::string> replace(const std::string& path, std::string_view text) override {
    ++writes;
    if (!fail_with.empty()) return fail_with;
    files[path] = std::string(text);
    return std::nullopt;
  }
  void remove(const std::string& path) override { removed.push_back(path); }
  uint64_t size(const std::string& path) const override {
    auto it = sizes.find(path);
    return it == sizes.end() ? 0 : it->second;
  }

  std::map<std::string, uint64_t> sizes;  // what size() answers (segments are not kept here)
  std::map<std::string, std::string> files;
  std::vector<std::string> removed;
  std::string fail_with;  // non-empty: every write fails with this reason
  int writes = 0;
};

}  // namespace kek::hls::test
