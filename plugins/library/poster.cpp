#include "poster.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <glib/gstdio.h>

namespace kek::library {

Status reencode_poster(const std::string& image, const std::string& out_path) {
  const std::string line =
      "appsrc name=src ! decodebin ! videoconvert ! videoscale ! "
      "video/x-raw,width=[1," + std::to_string(kPosterMaxSide) + "],height=[1," + std::to_string(kPosterMaxSide) +
      "],pixel-aspect-ratio=1/1 ! jpegenc quality=88 ! appsink name=sink sync=false max-buffers=1";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(line.c_str(), &error);
  if (!pipeline) {
    Error e{std::string("poster: ") + (error ? error->message : "no pipeline"), 500};
    g_clear_error(&error);
    return e;
  }
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstBuffer* buffer = gst_buffer_new_memdup(image.data(), image.size());
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  gst_app_src_push_buffer(GST_APP_SRC(src), buffer);
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND);
  Status result;
  if (!sample) {
    std::string why = "the image could not be read (JPEG, PNG or WebP)";
    GstBus* bus = gst_element_get_bus(pipeline);
    if (GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
      GError* err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      if (err) why += ": " + std::string(err->message);
      g_clear_error(&err);
      gst_message_unref(msg);
    }
    gst_object_unref(bus);
    result = Error{why, 400};
  } else {
    GstMapInfo map;
    GstBuffer* jpeg = gst_sample_get_buffer(sample);
    if (jpeg && gst_buffer_map(jpeg, &map, GST_MAP_READ)) {
      g_autofree char* dir = g_path_get_dirname(out_path.c_str());
      g_mkdir_with_parents(dir, 0755);
      GError* write_error = nullptr;
      if (!g_file_set_contents(out_path.c_str(), reinterpret_cast<const char*>(map.data), static_cast<gssize>(map.size),
                               &write_error)) {
        result = Error{std::string("poster: ") + write_error->message, 500};
        g_clear_error(&write_error);
      }
      gst_buffer_unmap(jpeg, &map);
    } else {
      result = Error{"poster: no picture came out", 500};
    }
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return result;
}

}  // namespace kek::library
