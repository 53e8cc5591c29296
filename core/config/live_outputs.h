// The outputs live layouts may list (kek/live_outputs.h): registered by plugins, plus the one
// core owns, `record` (GStreamer's own mp4mux and filesink: the published tracks as fragmented
// MP4). Kept in registration order, which is the order of their branches in a line and of
// their fields in /api/live. With them, the scaler of the encoded rungs (videoscale by default).
#pragma once

#include <kek/error.h>
#include <kek/live_outputs.h>

#include <string>
#include <vector>

namespace kek::core {

class LiveOutputRegistry {
 public:
  struct Entry {
    LiveOutput output;
    std::string origin;  // "core", "plugin:<name>"
  };

  // Refuses a name that is taken or not [a-z0-9_-], and an output without a branch.
  Status add(LiveOutput output, std::string origin);
  // Forgets the outputs that came from `origin` (a plugin whose init failed).
  void remove_origin(const std::string& origin);
  const LiveOutput* find(const std::string& name) const;
  const std::vector<Entry>& all() const { return entries_; }
  // "hls, dash, record" for messages.
  std::string names() const;

  // What scales the encoded rungs (Pipelines::set_live_scaler): GStreamer's videoscale unless a
  // plugin set another. Refuses an empty fragment and a second scaler.
  Status set_scaler(std::string launch, std::string origin);
  const std::string& scaler() const { return scaler_.launch; }

 private:
  std::vector<Entry> entries_;
  struct Scaler {
    std::string launch = "videoscale";
    std::string origin;  // empty: the default
  } scaler_;
};

// core's own output: the published tracks recorded as fragmented MP4 in the layout's record_dir
// (a fragment a second, so a file cut off by a crash plays up to its last one).
LiveOutput record_output();

}  // namespace kek::core
