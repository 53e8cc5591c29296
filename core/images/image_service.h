// kek::Images (include/kek/services/images.h) for every plugin: a small GThreadPool runs each job
// as two GStreamer stages, decode (+ EXIF orientation, size checked from the caps before a
// frame exists) and, per output, scale + encode; results go back to the caller's main context.
#pragma once

#include <kek/services/images.h>

#include <glib.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>

namespace kek::core {

struct ImageServiceConfig {
  int workers = 2;      // jobs decoding at once
  int max_waiting = 16;  // jobs queued behind them before 503
};

class ImageService final : public Images {
 public:
  explicit ImageService(ImageServiceConfig config = {});
  ~ImageService() override;  // stops running jobs, waits for the workers; pending done()s are dropped
  ImageService(const ImageService&) = delete;
  ImageService& operator=(const ImageService&) = delete;

  std::shared_ptr<ImageTicket> process(ImageJob job, ImageDone done) override;

  struct Job;
  // Main-thread state the workers' results come back to; outlives the service while results
  // are on their way (alive=false then: they are dropped).
  struct Shared {
    bool alive = true;
    std::set<std::string> busy_owners;
    std::set<std::shared_ptr<Job>> jobs;
  };

 private:
  static void run(gpointer job, gpointer self);

  ImageServiceConfig config_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::atomic<int> queued_{0};
  GThreadPool* pool_ = nullptr;
};

}  // namespace kek::core
