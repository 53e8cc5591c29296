#define G_LOG_DOMAIN "kek-events"
#include "events/event_bus.h"

namespace kek::core {

MainEventBus::MainEventBus(GMainContext* context)
    : context_(context ? g_main_context_ref(context) : g_main_context_ref(g_main_context_default())) {}

MainEventBus::~MainEventBus() {
  std::lock_guard lock(mutex_);
  if (idle_) {
    g_source_destroy(idle_);
    g_source_unref(idle_);
  }
  g_main_context_unref(context_);
}

void MainEventBus::publish(Event event) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(event));
  if (idle_) return;
  idle_ = g_idle_source_new();
  g_source_set_callback(idle_, &MainEventBus::on_idle, this, nullptr);
  g_source_attach(idle_, context_);
}

gboolean MainEventBus::on_idle(gpointer self) {
  auto* bus = static_cast<MainEventBus*>(self);
  {
    std::lock_guard lock(bus->mutex_);
    g_source_unref(bus->idle_);
    bus->idle_ = nullptr;
  }
  bus->dispatch_pending();
  return G_SOURCE_REMOVE;
}

void MainEventBus::dispatch_pending() {
  for (;;) {
    Event event;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) return;
      event = std::move(queue_.front());
      queue_.pop_front();
    }
    g_debug("event %s", event.name.c_str());
    // Copy: a handler may subscribe or unsubscribe while we deliver.
    auto subscribers = subscriptions_;
    for (const auto& s : subscribers)
      if (matches(s.pattern, event.name)) s.handler(event);
  }
}

bool MainEventBus::matches(const std::string& pattern, const std::string& name) {
  if (pattern == "*" || pattern == name) return true;
  if (pattern.size() >= 2 && pattern.ends_with(".*"))
    return name.starts_with(pattern.substr(0, pattern.size() - 1));
  return false;
}

uint64_t MainEventBus::subscribe(std::string name, EventHandler handler) {
  uint64_t id = next_id_++;
  subscriptions_.push_back({id, std::move(name), std::move(handler)});
  return id;
}

void MainEventBus::unsubscribe(uint64_t id) {
  std::erase_if(subscriptions_, [id](const Subscription& s) { return s.id == id; });
}

}  // namespace kek::core
