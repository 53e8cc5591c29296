// Pictures from strangers (avatars, film posters, thumbnails people upload): decoded, turned the
// way their EXIF orientation says, scaled and re-encoded (which also drops whatever metadata they
// carried), within bounds a hostile file cannot get past:
//  - at most kMaxSide pixels a side, checked from the header before a frame is allocated (a
//    decompression bomb is refused, it never holds memory);
//  - one job per owner at a time, a few jobs at once in all (a small worker pool, never the
//    main loop), a bounded queue;
//  - a deadline per job; a job can be cancelled; either way its pipeline is stopped and its
//    worker is free again.
// Provided by the core (no plugin needed): host.services().get<kek::Images>().
#pragma once

#include <kek/error.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kek {

// "image/png", "image/jpeg" or "image/webp" from a file's first bytes (what kek::Images accepts).
inline std::optional<std::string> image_type_of(std::string_view b) {
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "image/png";
  if (b.size() >= 3 && b.substr(0, 3) == std::string_view("\xff\xd8\xff", 3)) return "image/jpeg";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "image/webp";
  return std::nullopt;
}

enum class ImageFormat { jpeg, png, webp };

enum class ImageFit {
  cover,    // fills width x height exactly: scaled, then the centre cut to the box's shape
  contain,  // fits inside width x height, keeping the picture's shape (never enlarged)
};

struct ImageOutput {
  int width = 0;
  int height = 0;
  ImageFit fit = ImageFit::cover;
  ImageFormat format = ImageFormat::jpeg;
  int quality = 90;  // JPEG and WebP, 1..100
};

struct ImageJob {
  std::string bytes;                  // the file as uploaded: PNG, JPEG or WebP (told by content)
  std::vector<ImageOutput> outputs;   // at least one
  std::string owner;                  // one running job per owner (a user id); "" for none
  int timeout_ms = 15000;             // the whole job, decode and encodes
};

struct ImageResult {
  int source_width = 0;  // as shown, after the EXIF orientation
  int source_height = 0;
  std::vector<std::string> encoded;  // one file per ImageJob::outputs entry, in order
};

// Errors (kek::Error code / reason): 400 image_not_decodable (not a PNG/JPEG/WebP that decodes),
// 400 image_too_large (over kMaxSide a side), 429 image_busy (the owner already has a job
// running), 503 server_busy (too many jobs waiting), 408 image_timeout (over the deadline),
// 499 cancelled.
using ImageDone = std::function<void(Result<ImageResult>)>;

class ImageTicket {
 public:
  virtual ~ImageTicket() = default;
  // Stops the job (if it still runs); its done gets 499. Main loop.
  virtual void cancel() = 0;
};

class Images {
 public:
  static constexpr const char* kName = "kek.images/1";
  static constexpr int kMaxSide = 4096;

  virtual ~Images() = default;
  // Call on the main loop. `done` runs on the main loop, exactly once, also for a job refused at
  // once (429, 503, 400 for an empty job). The ticket may be dropped: the job still runs.
  virtual std::shared_ptr<ImageTicket> process(ImageJob job, ImageDone done) = 0;
};

}  // namespace kek
