// The in-process event bus: publish from any thread, handlers run on the main context in the
// order events were published.
#pragma once

#include <kek/events.h>

#include <glib.h>

#include <deque>
#include <mutex>
#include <vector>

namespace kek::core {

class MainEventBus : public EventBus {
 public:
  explicit MainEventBus(GMainContext* context);  // nullptr: the global default context
  ~MainEventBus() override;

  void publish(Event event) override;
  uint64_t subscribe(std::string name, EventHandler handler) override;
  void unsubscribe(uint64_t id) override;

  // Delivers what is queued now (tests; the main loop does this by itself).
  void dispatch_pending();

 private:
  static gboolean on_idle(gpointer self);
  static bool matches(const std::string& pattern, const std::string& name);

  struct Subscription {
    uint64_t id;
    std::string pattern;
    EventHandler handler;
  };

  GMainContext* context_;
  std::mutex mutex_;  // guards queue_ and idle_ (publishers may be streaming threads)
  std::deque<Event> queue_;
  GSource* idle_ = nullptr;
  std::vector<Subscription> subscriptions_;  // main thread only
  uint64_t next_id_ = 1;
};

}  // namespace kek::core
