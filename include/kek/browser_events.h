// Events for browsers: the core serves them as Server-Sent Events on GET /api/events, each
// client receiving only what it may see. A plugin publishes through this service (the core
// provides it; look it up with host.services().get<kek::BrowserEvents>()).
#pragma once

#include <cstdint>
#include <string>

namespace kek {

// Who receives an event. Several parts may be set: a client receives it when any part admits it.
struct BrowserAudience {
  bool everyone = false;     // every client, signed in or not
  int64_t user_id = 0;       // this signed-in user (0: nobody by id)
  std::string media_prefix;  // whoever Identity::may_view(user, media_prefix) ("vod/<id>/")
};

struct BrowserEvent {
  std::string name;       // "library.progress": the SSE event name
  std::string data_json;  // one line of JSON: the SSE data
  BrowserAudience audience;
};

class BrowserEvents {
 public:
  static constexpr const char* kName = "core.browser-events/1";
  virtual ~BrowserEvents() = default;
  // Any thread; delivered from the main loop, in order.
  virtual void publish(BrowserEvent event) = 0;
  // Clients connected now (for tests and the status page).
  virtual size_t clients() const = 0;
};

}  // namespace kek
