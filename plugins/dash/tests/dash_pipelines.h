// Test pipelines feeding kekdashsink, shared by the element tests and the dash.js fixture:
// videotestsrc/audiotestsrc -> x264enc/avenc_aac -> h264parse/aacparse -> kekdashsink, at 320x180
// and as fast as the CPU allows, or in real time (is-live) for a stream a player follows live.
#pragma once

#include <kek/stream_seam.h>

#include <gst/gst.h>

#include <functional>
#include <string>
#include <vector>

namespace kek::dash::test {

struct Media {
  std::string dir;
  int seconds = 6;
  int bframes = 0;
  bool video = true, audio = true;
  bool live = false;
  // Only the audio in real time: the video runs ahead of it, as a publisher's interleaved stream
  // never lets the audio run seconds ahead (which a fast audio branch otherwise does).
  bool audio_live = false;
  int seam_at_s = -1;  // a kek-stream-seam event before the first buffer at/after this time
  int resize_at_s = -1;  // the video becomes 160x90 from this time on (new SPS, new size)
  std::string extra;   // more kekdashsink properties ("window=2")
  // Several audio tracks instead of the one `audio` pad: audio_0, audio_1 ..., each tagged with
  // these stream tags ("language-code=fr,title=Commentaire"; empty: none), as a demuxer would.
  std::vector<std::string> audio_tracks;
  // Called with the pipeline before it plays (a context to set, as kek's pipeline manager does).
  std::function<void(GstElement*)> before_play;
};

inline std::string launch_line(const Media& m) {
  const int fps = 25;
  std::string live = m.live ? " is-live=true" : "";
  std::string line = "kekdashsink name=dash location=\"" + m.dir + "\" representations=main " + m.extra;
  if (m.video)
    line += " videotestsrc" + live + " num-buffers=" + std::to_string(m.seconds * fps) +
            " ! video/x-raw,format=I420,width=320,height=180,framerate=" + std::to_string(fps) +
            "/1 ! videoscale ! capsfilter name=size caps=video/x-raw,width=320,height=180 ! x264enc name=venc speed-preset=ultrafast key-int-max=" + std::to_string(fps) +
            " bframes=" + std::to_string(m.bframes) + (m.live ? " tune=zerolatency" : "") +
            " ! h264parse name=vparse ! queue ! dash.video_0";
  // 48 kHz in 1024-sample buffers: one AAC frame per buffer, so num-buffers sets the length.
  const std::string audio = " audiotestsrc" + (m.audio_live ? std::string(" is-live=true") : live) + " samplesperbuffer=1024 num-buffers=" +
                            std::to_string(m.seconds * 48000 / 1024) + " ! audio/x-raw,rate=48000,channels=2 ! avenc_aac";
  if (m.audio && m.audio_tracks.empty()) line += audio + " ! aacparse name=aparse ! queue ! dash.audio";
  for (size_t i = 0; m.audio && i < m.audio_tracks.size(); ++i)
    line += audio + " ! aacparse" + (m.audio_tracks[i].empty() ? "" : " ! taginject tags=\"" + m.audio_tracks[i] + "\"") +
            " ! queue ! dash.audio_" + std::to_string(i);
  return line;
}

struct SeamState {
  GstClockTime at = GST_CLOCK_TIME_NONE;
  bool sent = false;
};

// Pushes the seam event ahead of the first buffer at/after `at` (stream time: x264enc's
// segment starts at 1000 hours) on the pad it probes, the way kekrtmpsrc puts it ahead of a
// reconnected publisher's first tag. Video: only ahead of a keyframe, as a new encoder session
// starts with one.
inline GstPadProbeReturn seam_probe(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto* s = static_cast<SeamState*>(data);
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (s->sent || !GST_BUFFER_PTS_IS_VALID(buf) || GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_OK;
  GstEvent* seg_event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
  if (!seg_event) return GST_PAD_PROBE_OK;
  const GstSegment* segment = nullptr;
  gst_event_parse_segment(seg_event, &segment);
  GstClockTime st = gst_segment_to_stream_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
  gst_event_unref(seg_event);
  if (!GST_CLOCK_TIME_IS_VALID(st) || st < s->at) return GST_PAD_PROBE_OK;
  s->sent = true;
  gst_pad_push_event(pad, kek::new_stream_seam_event());
  return GST_PAD_PROBE_OK;
}

struct RunResult {
  bool ok = false;
  std::string error;  // the first ERROR message's text and debug
};

// Builds and runs the pipeline to EOS or the first error.
inline RunResult run(const Media& m, int timeout_s = 90) {
  RunResult r;
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch_line(m).c_str(), &error);
  if (!pipeline) {
    r.error = error ? error->message : "parse failed";
    g_clear_error(&error);
    return r;
  }
  g_clear_error(&error);  // a recoverable warning
  SeamState video_seam, audio_seam;
  if (m.seam_at_s >= 0) {
    video_seam.at = audio_seam.at = static_cast<GstClockTime>(m.seam_at_s) * GST_SECOND;
    for (auto [name, state] : {std::pair{"vparse", &video_seam}, std::pair{"aparse", &audio_seam}}) {
      GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), name);
      if (!e) continue;
      GstPad* src = gst_element_get_static_pad(e, "src");
      gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, seam_probe, state, nullptr);
      gst_object_unref(src);
      gst_object_unref(e);
    }
  }
  if (m.resize_at_s >= 0) {
    GstElement* size = gst_bin_get_by_name(GST_BIN(pipeline), "size");
    GstPad* sink = gst_element_get_static_pad(size, "sink");
    static GstClockTime resize_at;
    resize_at = static_cast<GstClockTime>(m.resize_at_s) * GST_SECOND;
    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER,
                      [](GstPad* pad, GstPadProbeInfo* info, gpointer) {
                        GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
                        if (GST_BUFFER_PTS(buf) < resize_at) return GST_PAD_PROBE_OK;
                        g_autoptr(GstElement) filter = gst_pad_get_parent_element(pad);
                        g_autoptr(GstCaps) caps = gst_caps_from_string("video/x-raw,width=160,height=90");
                        g_object_set(filter, "caps", caps, nullptr);
                        return GST_PAD_PROBE_REMOVE;
                      },
                      nullptr, nullptr);
    gst_object_unref(sink);
    gst_object_unref(size);
  }
  if (m.before_play) m.before_play(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg = gst_bus_timed_pop_filtered(bus, static_cast<GstClockTime>(timeout_s) * GST_SECOND,
                                               static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (!msg) {
    r.error = "timeout";
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(msg, &err, &debug);
    r.error = std::string(err->message) + " | " + (debug ? debug : "");
    g_clear_error(&err);
    g_free(debug);
  } else {
    r.ok = true;
  }
  if (msg) gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return r;
}

}  // namespace kek::dash::test
