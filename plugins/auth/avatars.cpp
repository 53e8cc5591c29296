#include "avatars.h"

#include <kek/ref.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

namespace kek::auth {
namespace {

constexpr GstClockTime kDecodeTimeout = 15 * GST_SECOND;
// Larger images would make the decoder allocate hundreds of megabytes for one avatar.
constexpr int kMaxSourceDimension = 8192;

std::string launch_line(std::string_view type) {
  auto branch = [](const char* sink, int size) {
    return std::string(" t. ! queue ! videoscale ! video/x-raw,width=") + std::to_string(size) +
           ",height=" + std::to_string(size) + ",pixel-aspect-ratio=1/1 ! videoconvert ! jpegenc quality=90 ! "
           "appsink name=" + sink + " sync=false wait-on-eos=false";
  };
  const std::string limit = std::to_string(kMaxSourceDimension);
  // decodebin picks pngdec/webpdec by content. JPEG goes through jpegparse, which decodebin does
  // not plug: it reads the EXIF orientation a phone writes instead of turning the pixels, and
  // videoflip turns the picture that way. The caps filter refuses huge images before the
  // decoder allocates a frame; aspectratiocrop cuts the centred square.
  const std::string decode = type == "image/jpeg" ? "jpegparse ! jpegdec" : "decodebin";
  return "appsrc name=src ! " + decode + " ! video/x-raw,width=[1," + limit + "],height=[1," + limit +
         "] ! videoconvert ! videoflip video-direction=auto ! aspectratiocrop aspect-ratio=1/1 ! tee name=t" +
         branch("large", kAvatarLargeSize) + branch("small", kAvatarSmallSize);
}

std::optional<std::string> pull_jpeg(GstElement* pipeline, const char* name) {
  Ref<GstElement> sink = Ref<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(pipeline), name));
  if (!sink) return std::nullopt;
  GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 0);
  if (!sample) return std::nullopt;
  std::optional<std::string> out;
  GstMapInfo map;
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    out.emplace(reinterpret_cast<const char*>(map.data), map.size);
    gst_buffer_unmap(buffer, &map);
  }
  gst_sample_unref(sample);
  return out;
}

// Sets the pipeline to NULL whatever way the function leaves.
struct StopOnExit {
  GstElement* pipeline;
  ~StopOnExit() { gst_element_set_state(pipeline, GST_STATE_NULL); }
};

}  // namespace

std::optional<std::string> sniff_image_type(std::string_view b) {
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "image/png";
  if (b.size() >= 3 && b.substr(0, 3) == std::string_view("\xff\xd8\xff", 3)) return "image/jpeg";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "image/webp";
  return std::nullopt;
}

Result<AvatarImages> render_avatar(const std::string& bytes) {
  const Error not_an_image{"the upload does not decode as a PNG, JPEG or WebP image", 400, "avatar_not_decodable"};
  auto type = sniff_image_type(bytes);
  if (!type) return not_an_image;

  GError* parse_error = nullptr;
  Ref<GstElement> pipeline = Ref<GstElement>::adopt(gst_parse_launch(launch_line(*type).c_str(), &parse_error));
  if (!pipeline || parse_error) {
    Error e{std::string("avatar pipeline: ") + (parse_error ? parse_error->message : "cannot be built"), 500};
    g_clear_error(&parse_error);
    return e;
  }
  StopOnExit stop{pipeline.get()};
  Ref<GstElement> src = Ref<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(pipeline.get()), "src"));
  gst_app_src_push_buffer(GST_APP_SRC(src.get()), gst_buffer_new_memdup(bytes.data(), bytes.size()));
  gst_app_src_end_of_stream(GST_APP_SRC(src.get()));

  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) return not_an_image;
  Ref<GstBus> bus = Ref<GstBus>::adopt(gst_element_get_bus(pipeline.get()));
  GstMessage* message = gst_bus_timed_pop_filtered(bus.get(), kDecodeTimeout,
                                                   static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
  if (!message) return Error{"the image took too long to decode", 400, "avatar_not_decodable"};
  const bool failed = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
  if (failed) {
    GError* error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    g_debug("auth: avatar refused: %s", error ? error->message : "?");
    g_clear_error(&error);
  }
  gst_message_unref(message);
  if (failed) return not_an_image;

  auto large = pull_jpeg(pipeline.get(), "large");
  auto small = pull_jpeg(pipeline.get(), "small");
  if (!large || !small) return not_an_image;
  return AvatarImages{std::move(*large), std::move(*small)};
}

Status store_avatar(const std::string& media_dir, int64_t user_id, int64_t version, const AvatarImages& images) {
  const std::string dir = media_dir + "/avatars/" + std::to_string(user_id);
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0)
    return Error{"cannot create " + dir + ": " + g_strerror(errno), 500};
  const std::string prefix = std::to_string(version) + "-";
  const std::pair<int, const std::string*> files[] = {{kAvatarLargeSize, &images.large_jpeg},
                                                      {kAvatarSmallSize, &images.small_jpeg}};
  for (const auto& [size, data] : files) {
    const std::string path = dir + "/" + prefix + std::to_string(size) + ".jpg";
    GError* error = nullptr;
    if (!g_file_set_contents_full(path.c_str(), data->data(), static_cast<gssize>(data->size()),
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error)) {
      Error e{"cannot write " + path + ": " + error->message, 500};
      g_clear_error(&error);
      return e;
    }
  }
  // Older versions are no longer linked from anywhere.
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    while (const char* name = g_dir_read_name(d))
      if (!g_str_has_prefix(name, prefix.c_str())) g_remove((dir + "/" + name).c_str());
    g_dir_close(d);
  }
  return {};
}

void remove_avatars(const std::string& media_dir, int64_t user_id) {
  const std::string dir = media_dir + "/avatars/" + std::to_string(user_id);
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    while (const char* name = g_dir_read_name(d)) g_remove((dir + "/" + name).c_str());
    g_dir_close(d);
  }
  g_rmdir(dir.c_str());
}

}  // namespace kek::auth
