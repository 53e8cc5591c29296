// Slow work (Argon2 hashing, image decoding) runs on GLib's worker threads so the main loop
// keeps serving; its result comes back to the main loop, where the database may be used.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace kek::auth {

// work runs on a worker thread; done runs afterwards on the main context of the caller.
// Neither may throw. work must not touch the database (it is bound to the main thread).
void run_in_worker(std::function<void()> work, std::function<void()> done);

template <class T>
void run_in_worker(std::function<T()> work, std::function<void(T)> done) {
  auto result = std::make_shared<std::optional<T>>();
  run_in_worker([result, work = std::move(work)] { result->emplace(work()); },
                [result, done = std::move(done)] { done(std::move(**result)); });
}

}  // namespace kek::auth
