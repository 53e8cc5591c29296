#include "decode_pool.h"

#include <algorithm>
#include <chrono>

namespace kek::thumbnails {

DecodePool::DecodePool(unsigned workers, size_t per_client, size_t max_waiting)
    : per_client_(std::max<size_t>(per_client, 1)), max_waiting_(std::max<size_t>(max_waiting, 1)) {
  workers = std::clamp(workers, 1u, 16u);
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { run(); });
}

DecodePool::~DecodePool() { stop(); }

void DecodePool::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    for (auto& w : waiting_) {
      if (--busy_[w.client] == 0) busy_.erase(w.client);
      ++stats_.dropped;
    }
    waiting_.clear();
  }
  work_.notify_all();
  idle_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void DecodePool::drop_oldest_locked(const void* client) {
  auto it = client ? std::find_if(waiting_.begin(), waiting_.end(), [client](auto& w) { return w.client == client; })
                   : waiting_.begin();
  if (it == waiting_.end()) return;
  if (--busy_[it->client] == 0) busy_.erase(it->client);
  waiting_.erase(it);
  ++stats_.dropped;
}

void DecodePool::submit(const void* client, DecodeJob job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      ++stats_.dropped;
      return;
    }
    size_t mine = static_cast<size_t>(std::count_if(waiting_.begin(), waiting_.end(),
                                                    [client](auto& w) { return w.client == client; }));
    if (mine >= per_client_) drop_oldest_locked(client);
    if (waiting_.size() >= max_waiting_) drop_oldest_locked(nullptr);
    waiting_.push_back({client, std::move(job)});
    ++busy_[client];
  }
  work_.notify_one();
  idle_.notify_all();  // a drop may have made a client idle
}

void DecodePool::cancel(const void* client) {
  std::unique_lock lock(mu_);
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->client != client) {
      ++it;
      continue;
    }
    if (--busy_[client] == 0) busy_.erase(client);
    it = waiting_.erase(it);
    ++stats_.dropped;
  }
  idle_.wait(lock, [&] { return busy_.find(client) == busy_.end(); });
}

bool DecodePool::wait_idle(const void* client, int timeout_ms) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [&] { return busy_.find(client) == busy_.end(); });
}

DecodePool::Stats DecodePool::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.waiting = waiting_.size();
  return s;
}

void DecodePool::run() {
  std::unique_ptr<KeyframeDecoder> decoder;  // this worker's, made at its first job
  while (true) {
    Waiting w{nullptr, {}};
    {
      std::unique_lock lock(mu_);
      // The oldest job whose client has none running: a client's jobs never run side by side.
      auto next = waiting_.end();
      work_.wait(lock, [&] {
        if (stopping_) return true;
        next = std::find_if(waiting_.begin(), waiting_.end(), [&](auto& j) { return !running_.count(j.client); });
        return next != waiting_.end();
      });
      if (stopping_) return;
      w = std::move(*next);
      waiting_.erase(next);
      running_.insert(w.client);
      if (!decoder) ++stats_.decoders;
    }
    if (!decoder) decoder = std::make_unique<KeyframeDecoder>();
    Result<Picture> picture = decoder->decode(w.job.caps.get(), w.job.keyframe.get(), w.job.width);
    const bool ok = picture.ok();
    if (w.job.done) w.job.done(std::move(picture));
    w.job = DecodeJob();  // the stream's buffer goes back now, not at the next job
    {
      std::lock_guard lock(mu_);
      ++(ok ? stats_.decoded : stats_.failed);
      running_.erase(w.client);
      if (--busy_[w.client] == 0) busy_.erase(w.client);
    }
    work_.notify_all();  // the client's next job may go now
    idle_.notify_all();
  }
}

}  // namespace kek::thumbnails
