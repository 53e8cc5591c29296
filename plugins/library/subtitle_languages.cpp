#include "subtitle_languages.h"

#include <kek/ref.h>

#include <gst/gst.h>
#include <gst/tag/tag.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace kek::library {
namespace {

struct Seen {
  std::mutex mutex;
  std::map<int, std::string> languages;  // subtitle pad number -> language ("" until tagged)
  GstElement* pipeline = nullptr;        // borrowed: lives longer than every callback
};

std::string iso_639_1(const std::string& code) {
  if (code.size() == 3)
    if (const gchar* two = gst_tag_get_language_code_iso_639_1(code.c_str())) return two;
  return code;
}

int pad_number(const gchar* name) { return static_cast<int>(g_ascii_strtoll(name + std::strlen("subtitle_"), nullptr, 10)); }

GstPadProbeReturn on_event(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_TAG) return GST_PAD_PROBE_OK;
  GstTagList* tags = nullptr;
  gst_event_parse_tag(event, &tags);
  gchar* code = nullptr;
  if (!tags || !gst_tag_list_get_string(tags, GST_TAG_LANGUAGE_CODE, &code)) return GST_PAD_PROBE_OK;
  g_autofree gchar* name = gst_pad_get_name(pad);
  auto* seen = static_cast<Seen*>(data);
  {
    std::lock_guard<std::mutex> lock(seen->mutex);
    seen->languages[pad_number(name)] = iso_639_1(code ? code : "");
  }
  g_free(code);
  return GST_PAD_PROBE_OK;
}

// Every pad goes to a fakesink (the demuxer stops on a pad it cannot push to); subtitle pads
// get the probe.
void on_pad_added(GstElement*, GstPad* pad, gpointer data) {
  auto* seen = static_cast<Seen*>(data);
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  if (!sink) return;
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(seen->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  auto sinkpad = kek::Ref<GstPad>::adopt(gst_element_get_static_pad(sink, "sink"));
  g_autofree gchar* name = gst_pad_get_name(pad);
  if (g_str_has_prefix(name, "subtitle_")) {
    {
      std::lock_guard<std::mutex> lock(seen->mutex);
      seen->languages.emplace(pad_number(name), "");
    }
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_event, seen, nullptr);
  }
  gst_pad_link(pad, sinkpad.get());
}

}  // namespace

std::vector<std::string> read_subtitle_languages(const std::string& path, const std::string& container,
                                                 size_t tracks, int timeout_ms) {
  const char* demuxer = container == "matroska" || container == "webm" ? "matroskademux"
                        : container == "mp4" || container == "mov"     ? "qtdemux"
                                                                       : nullptr;
  if (!demuxer || tracks == 0) return {};
  auto seen = std::make_unique<Seen>();
  auto pipeline = kek::Ref<GstElement>::adopt(GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(nullptr))));
  GstElement* src = gst_element_factory_make("filesrc", nullptr);
  GstElement* demux = gst_element_factory_make(demuxer, nullptr);
  if (!pipeline || !src || !demux) {
    if (src) gst_object_unref(src);
    if (demux) gst_object_unref(demux);
    return {};
  }
  seen->pipeline = pipeline.get();
  g_object_set(src, "location", path.c_str(), nullptr);
  gst_bin_add_many(GST_BIN(pipeline.get()), src, demux, nullptr);
  gst_element_link(src, demux);
  g_signal_connect(demux, "pad-added", G_CALLBACK(on_pad_added), seen.get());
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  auto bus = kek::Ref<GstBus>::adopt(gst_element_get_bus(pipeline.get()));
  const gint64 deadline = g_get_monotonic_time() + gint64{timeout_ms} * 1000;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(seen->mutex);
      size_t named = 0;
      for (const auto& entry : seen->languages) named += entry.second.empty() ? 0 : 1;
      if (named >= tracks) break;
    }
    const gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0) break;
    GstMessage* message = gst_bus_timed_pop_filtered(bus.get(), std::min<gint64>(left, 20000) * GST_USECOND,
                                                     static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    if (message) {
      gst_message_unref(message);
      break;
    }
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  std::vector<std::string> out(tracks);
  std::lock_guard<std::mutex> lock(seen->mutex);
  // Pads are numbered in the file's order: the n-th one seen is the n-th subtitle track.
  size_t i = 0;
  for (const auto& [pad, language] : seen->languages)
    if (i < tracks) out[i++] = language;
  return out;
}

}  // namespace kek::library
