// The in-process event bus: the hooks nginx-rtmp calls publish/close events. Events published
// from any thread are delivered on the main loop, in order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace kek {

// Well-known names; plugins may publish others ("<plugin>.<what>").
// Stream events name the stream (its public name), never its secret key.
inline constexpr const char* kEventStreamStarted = "stream.started";      // app, stream, owner, owner_id, remote
inline constexpr const char* kEventStreamEnded = "stream.ended";          // app, stream, owner
// app, stream, owner (user name), owner_id, path, and the stream key's audience: visibility
// (public|unlisted|private), allowed_user_ids and allowed_groups (comma-separated).
inline constexpr const char* kEventRecordingFinished = "recording.finished";
inline constexpr const char* kEventPipelineStateChanged = "pipeline.state";   // id, state, error
// A pipeline finished writing a file (splitmuxsink fragment closed): id, template, location and
// the instance's variables as "var.<name>".
inline constexpr const char* kEventPipelineFileClosed = "pipeline.file-closed";

struct Event {
  std::string name;
  std::map<std::string, std::string> fields;

  std::string get(const std::string& key) const {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  }
};

using EventHandler = std::function<void(const Event&)>;

class EventBus {
 public:
  virtual ~EventBus() = default;
  // Thread-safe; handlers run later on the main loop.
  virtual void publish(Event event) = 0;
  // name: an exact event name, "prefix.*", or "*" for all. Returns an id for unsubscribe.
  virtual uint64_t subscribe(std::string name, EventHandler handler) = 0;
  virtual void unsubscribe(uint64_t id) = 0;
};

}  // namespace kek
