// MPEG-TS in, FLV tag bodies out (what kek::LivePublish takes): tsdemux, h264parse to AVC
// access units and aacparse to raw AAC, made into tags by kek::media::FlvTagger.
// No streaming thread of its own: push() runs the demuxer and parsers on the caller's thread
// (the listener's one SRT thread), and the callbacks come from inside push().
#pragma once

#include <kek/media/flv_tags.h>
#include <kek/services/live_ingest.h>

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace kek::srt {

class TsRemux {
 public:
  struct Callbacks {
    std::function<void(const LiveTracks&)> tracks;  // once, before the first media
    std::function<void(LiveMediaKind, uint32_t timestamp_ms, std::vector<uint8_t> body)> media;
  };
  TsRemux(std::string name, Callbacks callbacks);
  ~TsRemux();
  TsRemux(const TsRemux&) = delete;
  TsRemux& operator=(const TsRemux&) = delete;

  bool ok() const { return pipeline_ != nullptr; }
  // TS packets (whole 188-byte packets in SRT's usual 1316-byte messages). False once the
  // demuxer failed (not MPEG-TS): the publish should end. Takes the buffer.
  bool push(GstBuffer* ts);
  const std::string& error() const { return error_; }

 private:
  static GstFlowReturn on_sample(GstElement* sink, gpointer self);
  static void on_no_more_pads(GstElement* demux, gpointer self);
  static GstPadProbeReturn on_video_in(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  void sample(GstSample* sample, bool video);
  void announce_tracks(GstCaps* video_caps);

  Callbacks callbacks_;
  GstElement* pipeline_ = nullptr;
  GstElement* demux_ = nullptr;  // borrowed from pipeline_
  GstPad* src_ = nullptr;        // ours, linked to the demuxer's sink pad
  std::string error_;
  bool no_more_pads_ = false;
  bool has_audio_pad_ = false;
  bool has_video_pad_ = false;
  bool announced_ = false;
  bool au_aligned_ = true;          // every video PES so far opened with an access unit delimiter
  kek::media::FlvTagger tagger_;  // sequence headers, frames and their timestamps as FLV tag bodies
};

}  // namespace kek::srt
