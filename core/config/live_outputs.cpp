#include "config/live_outputs.h"

#include <algorithm>

namespace kek::core {

namespace {
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}
}  // namespace

Status LiveOutputRegistry::add(LiveOutput output, std::string origin) {
  if (!valid_name(output.name))
    return Error{"live output name '" + output.name + "': use a-z, 0-9, - and _", 400};
  if (!output.branch) return Error{"live output '" + output.name + "' has no branch", 400};
  for (const auto& e : entries_)
    if (e.output.name == output.name)
      return Error{"live output '" + output.name + "' is already registered (by " + e.origin + ")", 409};
  entries_.push_back({std::move(output), std::move(origin)});
  return {};
}

void LiveOutputRegistry::remove_origin(const std::string& origin) {
  std::erase_if(entries_, [&](const Entry& e) { return e.origin == origin; });
  if (!scaler_.origin.empty() && scaler_.origin == origin) scaler_ = Scaler{};
}

Status LiveOutputRegistry::set_scaler(std::string launch, std::string origin) {
  if (launch.find_first_not_of(" \t") == std::string::npos) return Error{"a live scaler needs an element", 400};
  if (launch.find('!') != std::string::npos) return Error{"a live scaler is one element, not '" + launch + "'", 400};
  if (!scaler_.origin.empty())
    return Error{"a live scaler is already set (" + scaler_.launch + ", by " + scaler_.origin + ")", 409};
  scaler_ = Scaler{std::move(launch), std::move(origin)};
  return {};
}

const LiveOutput* LiveOutputRegistry::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.output.name == name) return &e.output;
  return nullptr;
}

std::string LiveOutputRegistry::names() const {
  std::string out;
  for (const auto& e : entries_) out += (out.empty() ? "" : ", ") + e.output.name;
  return out.empty() ? "none" : out;
}

LiveOutput record_output() {
  LiveOutput out;
  out.name = "record";
  out.branch = [](const LiveLayoutContext& c) -> Result<LiveOutputBranch> {
    LiveOutputBranch b;
    // Each track through a parser of its own: MP4 wants avc stream-format where the TS muxers
    // take byte-stream, and one parser before a tee cannot give both.
    if (!c.video_tee.empty()) b.launch += " " + branch_from(c, c.video_tee) + "h264parse ! recmux.video_0";
    if (!c.audio_tee.empty()) b.launch += " " + branch_from(c, c.audio_tee) + "aacparse ! recmux.audio_0";
    // Fragmented MP4 written as it goes (a fragment a second). The filesink named "record"
    // announces the file (pipeline.file-closed) when the pipeline ends.
    b.launch += " mp4mux name=recmux fragment-duration=1000 streamable=true ! filesink name=record location=" +
                c.record_dir + "/${run}.mp4";
    b.directories.push_back(c.record_dir);
    return b;
  };
  // mp4mux is a GstAggregator: on one thread with both its inputs, it would wait for the audio
  // while holding the thread that brings it. Its branches keep their queues.
  out.inline_safe = false;
  out.takes_avc = true;  // its own h264parse in front of mp4mux
  out.takes_raw_aac = true;  // and its own aacparse
  return out;
}

}  // namespace kek::core
