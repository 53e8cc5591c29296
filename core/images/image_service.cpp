#define G_LOG_DOMAIN "kek-images"

#include "images/image_service.h"

#include "images/image_header.h"

#include <kek/ref.h>
#include <kek/worker.h>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <optional>
#include <string_view>
#include <utility>

namespace kek::core {

struct ImageService::Job final : ImageTicket {
  ImageJob job;
  ImageDone done;
  GMainContext* context = nullptr;  // where done runs (ref)
  gint64 deadline_us = 0;
  std::atomic<bool> cancelled{false};
  std::mutex mutex;
  GstBus* bus = nullptr;  // the running stage's, under mutex (borrowed: the stage clears it)

  ~Job() override {
    if (context) g_main_context_unref(context);
  }
  void cancel() override {
    cancelled = true;
    wake();
  }
  // Makes a worker waiting on its stage's bus look at the flags again.
  void wake() {
    std::lock_guard lock(mutex);
    if (bus) gst_bus_post(bus, gst_message_new_application(nullptr, gst_structure_new_empty("kek-images-wake")));
  }
};

namespace {

const Error kNotAnImage{"the file does not decode as a PNG, JPEG or WebP image", 400, "image_not_decodable"};
const Error kTooSlow{"the image took too long to decode", 408, "image_timeout"};
const Error kCancelled{"cancelled", 499, "cancelled"};

struct StopOnExit {
  GstElement* pipeline;
  ~StopOnExit() { gst_element_set_state(pipeline, GST_STATE_NULL); }
};

// Runs one stage: `input` (taken) into appsrc "src", one sample out of appsink "out", within the
// job's deadline, stopped early by cancel().
Result<GstSample*> run_stage(ImageService::Job& job, const std::string& line, GstBuffer* input, GstCaps* input_caps) {
  GError* parse_error = nullptr;
  GstElement* built = gst_parse_launch(line.c_str(), &parse_error);
  if (!built || parse_error) {
    Error e{std::string("image pipeline: ") + (parse_error ? parse_error->message : "cannot be built"), 500};
    g_clear_error(&parse_error);
    if (built) gst_object_unref(built);
    gst_buffer_unref(input);
    return e;
  }
  auto pipeline = Ref<GstElement>::adopt(GST_ELEMENT(gst_object_ref_sink(built)));
  StopOnExit stop{pipeline.get()};
  auto src = Ref<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(pipeline.get()), "src"));
  auto out = Ref<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(pipeline.get()), "out"));
  if (input_caps) gst_app_src_set_caps(GST_APP_SRC(src.get()), input_caps);
  gst_app_src_push_buffer(GST_APP_SRC(src.get()), input);
  gst_app_src_end_of_stream(GST_APP_SRC(src.get()));

  auto bus = Ref<GstBus>::adopt(gst_element_get_bus(pipeline.get()));
  {
    std::lock_guard lock(job.mutex);
    job.bus = bus.get();
  }
  struct ClearBus {
    ImageService::Job& job;
    ~ClearBus() {
      std::lock_guard lock(job.mutex);
      job.bus = nullptr;
    }
  } clear_bus{job};
  if (job.cancelled) return kCancelled;
  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) return kNotAnImage;
  for (;;) {
    const gint64 left_us = job.deadline_us - g_get_monotonic_time();
    if (left_us <= 0) return kTooSlow;
    g_autoptr(GstMessage) msg = gst_bus_timed_pop_filtered(
        bus.get(), static_cast<GstClockTime>(left_us) * GST_USECOND,
        static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_APPLICATION));
    if (job.cancelled) return kCancelled;
    if (!msg) return kTooSlow;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_APPLICATION) continue;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      g_autoptr(GError) error = nullptr;
      gst_message_parse_error(msg, &error, nullptr);
      g_debug("image refused: %s", error ? error->message : "?");
      return kNotAnImage;
    }
    break;  // EOS
  }
  GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(out.get()), 0);
  if (!sample) return kNotAnImage;
  return sample;
}

std::string encoder(const ImageOutput& o) {
  const int q = std::clamp(o.quality, 1, 100);
  switch (o.format) {
    case ImageFormat::png: return "pngenc";
    case ImageFormat::webp: return "webpenc quality=" + std::to_string(q);
    case ImageFormat::jpeg: break;
  }
  return "jpegenc quality=" + std::to_string(q);
}

// The box an output really gets: cover fills it; contain keeps the shape, never enlarging.
std::pair<int, int> output_size(const ImageOutput& o, int source_w, int source_h) {
  if (o.fit == ImageFit::cover) return {o.width, o.height};
  const double scale = std::min({1.0, static_cast<double>(o.width) / source_w, static_cast<double>(o.height) / source_h});
  return {std::max(1, static_cast<int>(std::lround(source_w * scale))),
          std::max(1, static_cast<int>(std::lround(source_h * scale)))};
}

Result<ImageResult> process_job(ImageService::Job& job) {
  const ImageJob& j = job.job;
  auto type = image_type_of(j.bytes);
  if (!type) return kNotAnImage;
  // The header's size, before any decoder allocates a frame for it. (The caps filter below
  // holds the same bound against a header this reading and the decoder disagree on.)
  auto declared = declared_image_size(j.bytes);
  if (!declared) return kNotAnImage;
  if (declared->first > Images::kMaxSide || declared->second > Images::kMaxSide)
    return Error{"the image is " + std::to_string(declared->first) + "x" + std::to_string(declared->second) +
                     " pixels; at most " + std::to_string(Images::kMaxSide) + " a side is accepted", 400, "image_too_large"};
  const std::string limit = std::to_string(Images::kMaxSide);
  // JPEG goes through jpegparse, which decodebin does not plug: it reads the EXIF orientation
  // (a phone's picture is stored sideways), which videoflip then applies. The caps filter
  // refuses a frame over the bound before the decoder allocates it.
  const std::string decode = *type == "image/jpeg" ? "jpegparse ! jpegdec" : "decodebin";
  const std::string stage1 = "appsrc name=src ! " + decode + " ! video/x-raw,width=[1," + limit +
                             "],height=[1," + limit + "] ! videoconvert ! videoflip video-direction=auto ! videoconvert ! "
                             "video/x-raw,format=RGBA ! appsink name=out sync=false wait-on-eos=false";
  auto decoded = run_stage(job, stage1, gst_buffer_new_memdup(j.bytes.data(), j.bytes.size()), nullptr);
  if (!decoded) return decoded.error();
  GstSample* frame = *decoded;
  struct UnrefSample {
    GstSample* s;
    ~UnrefSample() { gst_sample_unref(s); }
  } frame_owner{frame};

  ImageResult result;
  const GstStructure* s = gst_caps_get_structure(gst_sample_get_caps(frame), 0);
  gst_structure_get_int(s, "width", &result.source_width);
  gst_structure_get_int(s, "height", &result.source_height);
  if (result.source_width <= 0 || result.source_height <= 0) return kNotAnImage;

  for (const ImageOutput& o : j.outputs) {
    const auto [w, h] = output_size(o, result.source_width, result.source_height);
    std::string crop;
    if (o.fit == ImageFit::cover) {
      const int g = std::gcd(w, h);
      crop = "aspectratiocrop aspect-ratio=" + std::to_string(w / g) + "/" + std::to_string(h / g) + " ! ";
    }
    const std::string stage2 = "appsrc name=src format=time ! videoconvert ! " + crop + "videoscale ! video/x-raw,width=" +
                               std::to_string(w) + ",height=" + std::to_string(h) +
                               ",pixel-aspect-ratio=1/1 ! videoconvert ! " + encoder(o) +
                               " ! appsink name=out sync=false wait-on-eos=false";
    auto encoded = run_stage(job, stage2, gst_buffer_ref(gst_sample_get_buffer(frame)), gst_sample_get_caps(frame));
    if (!encoded) return encoded.error().code == 400 ? Error{"the image could not be re-encoded", 500} : encoded.error();
    GstSample* sample = *encoded;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      gst_sample_unref(sample);
      return Error{"the image could not be re-encoded", 500};
    }
    result.encoded.emplace_back(reinterpret_cast<const char*>(map.data), map.size);
    gst_buffer_unmap(buffer, &map);
    gst_sample_unref(sample);
  }
  return result;
}

// Carries a result (or a refusal) to the caller's main context, through its queue: never run
// here on the worker, which could acquire that context when nobody iterates it.
void deliver(std::shared_ptr<ImageService::Shared> shared, std::shared_ptr<ImageService::Job> job,
             Result<ImageResult> result, bool release_owner) {
  GMainContext* context = job->context;
  run_on_main([shared = std::move(shared), job = std::move(job), result = std::move(result), release_owner]() mutable {
    if (!shared->alive) return;  // the host is shutting down
    if (release_owner) {
      if (!job->job.owner.empty()) shared->busy_owners.erase(job->job.owner);
      shared->jobs.erase(job);
    }
    ImageDone done = std::move(job->done);
    if (done) done(std::move(result));
  }, context);
}

}  // namespace

ImageService::ImageService(ImageServiceConfig config) : config_(config) {
  pool_ = g_thread_pool_new(&ImageService::run, this, std::max(1, config_.workers), FALSE, nullptr);
}

ImageService::~ImageService() {
  shared_->alive = false;
  for (const auto& job : shared_->jobs) job->cancel();
  g_thread_pool_free(pool_, FALSE, TRUE);  // queued jobs run too, and end at once (cancelled)
  shared_->jobs.clear();
}

std::shared_ptr<ImageTicket> ImageService::process(ImageJob job, ImageDone done) {
  auto state = std::make_shared<Job>();
  state->context = g_main_context_ref_thread_default();
  state->deadline_us = g_get_monotonic_time() + int64_t{std::max(1, job.timeout_ms)} * 1000;
  state->job = std::move(job);
  state->done = std::move(done);
  const ImageJob& j = state->job;
  auto bad_output = std::find_if(j.outputs.begin(), j.outputs.end(), [](const ImageOutput& o) {
    return o.width < 1 || o.height < 1 || o.width > kMaxSide || o.height > kMaxSide;
  });
  if (j.outputs.empty() || bad_output != j.outputs.end()) {
    deliver(shared_, state, Error{"an image job needs outputs of 1.." + std::to_string(kMaxSide) + " pixels a side", 400},
            false);
    return state;
  }
  if (!j.owner.empty() && shared_->busy_owners.count(j.owner)) {
    deliver(shared_, state, Error{"another picture of yours is still being processed; try again in a moment", 429, "image_busy"},
            false);
    return state;
  }
  if (queued_.load() >= config_.workers + config_.max_waiting) {
    deliver(shared_, state, Error{"the server is busy processing pictures; try again in a moment", 503, "server_busy"}, false);
    return state;
  }
  if (!j.owner.empty()) shared_->busy_owners.insert(j.owner);
  shared_->jobs.insert(state);
  ++queued_;
  g_thread_pool_push(pool_, std::make_unique<std::shared_ptr<Job>>(state).release(), nullptr);
  return state;
}

void ImageService::run(gpointer data, gpointer self_data) {
  auto* self = static_cast<ImageService*>(self_data);
  std::unique_ptr<std::shared_ptr<Job>> handed(static_cast<std::shared_ptr<Job>*>(data));
  std::shared_ptr<Job> job = std::move(*handed);
  Result<ImageResult> result = kCancelled;
  if (!job->cancelled) {
    try {
      result = process_job(*job);
    } catch (const std::exception& e) {
      result = Error{std::string("image job failed: ") + e.what(), 500};
    }
  }
  --self->queued_;
  deliver(self->shared_, std::move(job), std::move(result), true);
}

}  // namespace kek::core
