// The decode pool: a few workers for the whole process, each with one KeyframeDecoder (made at
// its first job), turning the keyframes the thumbnail sinks hand over into JPEGs. A sink never
// waits for it: a job is queued and the sink's (upstream's) thread goes on. Bounded: a client
// (one sink) has at most `per_client` jobs waiting, the pool `max_waiting`; past either bound the
// oldest waiting job is dropped (a preview may be late, memory never grows with the backlog).
// A client's jobs run one at a time and in order (its callbacks never overlap: a sink's pictures
// are written one after the other, never an older over a newer one).
// The thumbnails plugin provides one to every pipeline (service kName); a sink outside kek
// (gst-launch-1.0) makes a small one of its own.
#pragma once

#include "keyframe_decoder.h"

#include <kek/error.h>
#include <kek/mini_ref.h>

#include <gst/gst.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace kek::thumbnails {

struct DecodeJob {
  kek::MiniRef<GstCaps> caps;       // the stream's (byte-stream, or avc with codec_data)
  kek::MiniRef<GstBuffer> keyframe;  // a reference to the stream's own buffer: nothing copied
  int width = 320;
  // Called on a worker thread with the picture or why there is none. Not called for a job that
  // was dropped or cancelled.
  std::function<void(Result<Picture>)> done;
};

class DecodePool {
 public:
  static constexpr const char* kName = "thumbnails.decode-pool/1";

  struct Stats {
    uint64_t decoded = 0, failed = 0, dropped = 0;
    size_t waiting = 0;
    unsigned decoders = 0;  // decoders made so far (at most the number of workers)
  };

  explicit DecodePool(unsigned workers = 2, size_t per_client = 4, size_t max_waiting = 64);
  ~DecodePool();
  DecodePool(const DecodePool&) = delete;
  DecodePool& operator=(const DecodePool&) = delete;

  // Queues a job for `client` (an opaque key: one per sink). Never blocks.
  void submit(const void* client, DecodeJob job);
  // Drops the client's waiting jobs and waits for its running one: afterwards no callback of
  // the client runs. Not to be called from a job's callback.
  void cancel(const void* client);
  // Waits until the client has nothing waiting or running, at most timeout_ms; true if so.
  bool wait_idle(const void* client, int timeout_ms);
  // Lets the workers finish their job and end; what waits is dropped. Called by the destructor.
  void stop();

  unsigned workers() const { return static_cast<unsigned>(threads_.size()); }
  Stats stats() const;

 private:
  struct Waiting {
    const void* client;
    DecodeJob job;
  };
  void run();
  void drop_oldest_locked(const void* client);  // client == nullptr: the oldest of all

  size_t per_client_, max_waiting_;
  mutable std::mutex mu_;
  std::condition_variable work_;  // a job waits, or stop
  std::condition_variable idle_;  // a job finished or was dropped
  std::deque<Waiting> waiting_;
  std::map<const void*, size_t> busy_;  // per client: waiting + running
  std::set<const void*> running_;       // clients with a job on a worker now
  bool stopping_ = false;
  Stats stats_;
  std::vector<std::thread> threads_;
};

}  // namespace kek::thumbnails
