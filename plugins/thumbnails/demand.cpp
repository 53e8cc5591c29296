#include "demand.h"

#include <glib.h>

#include <iterator>

namespace kek::thumbnails {

std::string Demand::key(const std::string& location) {
  g_autofree char* canonical = g_canonicalize_filename(location.c_str(), "/");
  return canonical;
}

Demand::Slot Demand::watch(const std::string& location) {
  const std::string k = key(location);
  std::lock_guard lock(mu_);
  // Forget the files nobody writes any more (streams that ended): the board stays as small as
  // the number of live sinks.
  for (auto it = slots_.begin(); it != slots_.end();) it = it->second.expired() ? slots_.erase(it) : std::next(it);
  if (Slot slot = slots_[k].lock()) return slot;
  auto slot = std::make_shared<std::atomic<int64_t>>(0);
  slots_[k] = slot;
  return slot;
}

void Demand::ask(const std::string& location) {
  const std::string k = key(location);
  const int64_t now = g_get_monotonic_time();
  std::lock_guard lock(mu_);
  auto it = slots_.find(k);
  if (it == slots_.end()) return;
  if (Slot slot = it->second.lock()) slot->store(now);
}

}  // namespace kek::thumbnails
