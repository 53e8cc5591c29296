#include "probe.h"

#include "subtitle_languages.h"

#include <kek/ref.h>
#include <kek/worker.h>

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <gst/tag/tag.h>

#include <cmath>
#include <cstdio>
#include <cstdio>

namespace kek::library {
namespace {

std::string caps_name(GstCaps* caps) {
  if (!caps || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return "";
  return gst_structure_get_name(gst_caps_get_structure(caps, 0));
}

std::string container_of(GstCaps* caps) {
  const std::string name = caps_name(caps);
  if (name == "video/quicktime") {
    const char* variant = gst_structure_get_string(gst_caps_get_structure(caps, 0), "variant");
    return variant && std::string(variant) == "apple" ? "mov" : "mp4";
  }
  static const std::pair<const char*, const char*> kNames[] = {
      {"video/x-matroska", "matroska"}, {"video/webm", "webm"},     {"video/mpegts", "mpegts"},
      {"video/x-msvideo", "avi"},       {"audio/x-wav", "wav"},     {"video/x-flv", "flv"},
      {"application/ogg", "ogg"},       {"audio/ogg", "ogg"},       {"video/ogg", "ogg"},
      {"audio/x-m4a", "m4a"},           {"video/mpeg", "mpeg-ps"},  {"application/x-id3", "mp3"},
      {"audio/x-flac", "flac"},         {"video/x-ms-asf", "asf"},  {"audio/x-aiff", "aiff"},
  };
  for (const auto& [caps_name_text, short_name] : kNames)
    if (name == caps_name_text) return short_name;
  return name;
}

std::string codec_of(GstCaps* caps) {
  const std::string name = caps_name(caps);
  if (name.empty()) return "";
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  int version = 0;
  if (name == "audio/mpeg") {
    gst_structure_get_int(s, "mpegversion", &version);
    if (version == 2 || version == 4) return "aac";
    int layer = 3;
    gst_structure_get_int(s, "layer", &layer);
    return layer == 3 ? "mp3" : "mp" + std::to_string(layer);
  }
  if (name == "video/mpeg") {
    gst_structure_get_int(s, "mpegversion", &version);
    return version == 4 ? "mpeg4" : version == 2 ? "mpeg2video" : "mpeg1video";
  }
  static const std::pair<const char*, const char*> kNames[] = {
      {"video/x-h264", "h264"},       {"video/x-h265", "hevc"},         {"video/x-vp8", "vp8"},
      {"video/x-vp9", "vp9"},         {"video/x-av1", "av1"},           {"video/x-theora", "theora"},
      {"image/jpeg", "mjpeg"},        {"video/x-raw", "rawvideo"},      {"audio/x-opus", "opus"},
      {"audio/x-vorbis", "vorbis"},   {"audio/x-flac", "flac"},         {"audio/x-ac3", "ac3"},
      {"audio/x-eac3", "eac3"},       {"audio/x-dts", "dts"},           {"audio/x-raw", "pcm"},
      {"audio/x-alaw", "alaw"},       {"audio/x-mulaw", "mulaw"},       {"application/x-subtitle", "subrip"},
      {"application/x-subtitle-vtt", "webvtt"}, {"text/x-raw", "text"}, {"application/x-ssa", "ssa"},
      {"application/x-ass", "ass"},   {"subpicture/x-pgs", "pgs"},      {"subpicture/x-dvd", "dvdsub"},
      {"video/x-divx", "mpeg4"},      {"video/x-msmpeg", "msmpeg4"},    {"video/x-wmv", "wmv"},
      {"audio/x-wma", "wma"},
  };
  for (const auto& [caps_text, short_name] : kNames)
    if (name == caps_text) return short_name;
  return name;
}

std::string tag_string(const GstTagList* tags, const char* tag) {
  if (!tags) return "";
  gchar* value = nullptr;
  if (!gst_tag_list_get_string(tags, tag, &value)) return "";
  std::string out = value ? value : "";
  g_free(value);
  return out;
}

std::string language_of(const GstTagList* tags) {
  std::string code = tag_string(tags, GST_TAG_LANGUAGE_CODE);
  if (code.empty()) return "";
  // Matroska and MP4 carry ISO 639-2 ("eng"); players want ISO 639-1 ("en") where there is one.
  if (code.size() == 3)
    if (const gchar* two = gst_tag_get_language_code_iso_639_1(code.c_str())) return two;
  return code;
}

// Language (ISO 639-1 where there is one), title and codec of an audio or subtitle track.
ProbedTrack track_of(GstDiscovererStreamInfo* info, int index, const gchar* language) {
  ProbedTrack t;
  t.index = index;
  const GstTagList* tags = gst_discoverer_stream_info_get_tags(info);
  t.language = language ? language : language_of(tags);
  if (t.language.size() == 3)
    if (const gchar* two = gst_tag_get_language_code_iso_639_1(t.language.c_str())) t.language = two;
  t.label = tag_string(tags, GST_TAG_TITLE);
  GstCaps* caps = gst_discoverer_stream_info_get_caps(info);
  t.codec = codec_of(caps);
  if (caps) gst_caps_unref(caps);
  return t;
}

std::string readable_error(const GError* error, const std::string& debug) {
  std::string message = error ? error->message : "unknown error";
  if (error && (g_error_matches(error, GST_STREAM_ERROR, GST_STREAM_ERROR_TYPE_NOT_FOUND) ||
                g_error_matches(error, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE)))
    return "not a video or audio file (its format is not one this server reads)";
  if (error && g_error_matches(error, GST_STREAM_ERROR, GST_STREAM_ERROR_DEMUX))
    return "the file is damaged or truncated (" + message + ")";
  if (debug.find("moov") != std::string::npos || message.find("moov") != std::string::npos)
    return "the file is damaged or truncated (no index: an MP4 whose upload or recording did not finish)";
  return "the file could not be read as media: " + message;
}

ProbeResult interpret_probe(GstDiscovererInfo* found, const GError* error, int timeout_s) {
  ProbeResult result;
  if (!found) {
    result.error = readable_error(error, "");
    return result;
  }
  const GstDiscovererResult outcome = gst_discoverer_info_get_result(found);
  if (outcome == GST_DISCOVERER_TIMEOUT) {
    result.error = "probing the file took longer than " + std::to_string(timeout_s) + " s";
    return result;
  }
  if (outcome == GST_DISCOVERER_URI_INVALID) {
    result.error = "the file could not be opened";
    return result;
  }
  if (outcome == GST_DISCOVERER_ERROR) {
    std::string debug;
    if (const GstStructure* misc = gst_discoverer_info_get_misc(found)) {
      g_autofree char* text = gst_structure_to_string(misc);
      debug = text ? text : "";
    }
    result.error = readable_error(error, debug);
    return result;
  }
  if (outcome == GST_DISCOVERER_MISSING_PLUGINS) {
    const gchar** details = gst_discoverer_info_get_missing_elements_installer_details(found);
    std::string what = details && details[0] ? details[0] : "a codec";
    // "gstreamer|1.0|kek|H.265 decoder|decoder-video/x-h265": the 4th field is readable.
    gchar** parts = g_strsplit(what.c_str(), "|", -1);
    if (g_strv_length(parts) >= 4) what = parts[3];
    g_strfreev(parts);
    result.error = "this server cannot decode the file: " + what + " is missing";
    return result;
  }

  GstDiscovererStreamInfo* top = gst_discoverer_info_get_stream_info(found);
  if (top) {
    GstCaps* caps = gst_discoverer_stream_info_get_caps(top);
    if (GST_IS_DISCOVERER_CONTAINER_INFO(top)) result.container = container_of(caps);
    if (caps) gst_caps_unref(caps);
    gst_discoverer_stream_info_unref(top);
  }
  result.duration_s = static_cast<double>(gst_discoverer_info_get_duration(found)) / GST_SECOND;

  GList* videos = gst_discoverer_info_get_video_streams(found);
  for (GList* l = videos; l; l = l->next) {
    auto* v = static_cast<GstDiscovererVideoInfo*>(l->data);
    if (gst_discoverer_video_info_is_image(v) && result.has_video) continue;
    if (result.has_video) continue;  // the first video track is the film
    if (gst_discoverer_video_info_is_image(v)) continue;  // cover art in an audio file
    result.has_video = true;
    result.width = static_cast<int>(gst_discoverer_video_info_get_width(v));
    result.height = static_cast<int>(gst_discoverer_video_info_get_height(v));
    const guint num = gst_discoverer_video_info_get_framerate_num(v);
    const guint den = gst_discoverer_video_info_get_framerate_denom(v);
    result.fps = den ? static_cast<double>(num) / den : 0;
    GstCaps* caps = gst_discoverer_stream_info_get_caps(GST_DISCOVERER_STREAM_INFO(v));
    result.video_codec = codec_of(caps);
    if (caps) gst_caps_unref(caps);
  }
  gst_discoverer_stream_info_list_free(videos);

  GList* audios = gst_discoverer_info_get_audio_streams(found);
  int index = 0;
  for (GList* l = audios; l; l = l->next, ++index) {
    auto* a = static_cast<GstDiscovererAudioInfo*>(l->data);
    ProbedTrack t = track_of(GST_DISCOVERER_STREAM_INFO(a), index, gst_discoverer_audio_info_get_language(a));
    t.channels = static_cast<int>(gst_discoverer_audio_info_get_channels(a));
    if (result.audio_codec.empty()) result.audio_codec = t.codec;
    result.audio.push_back(std::move(t));
  }
  gst_discoverer_stream_info_list_free(audios);

  GList* subs = gst_discoverer_info_get_subtitle_streams(found);
  index = 0;
  for (GList* l = subs; l; l = l->next, ++index) {
    auto* sub = static_cast<GstDiscovererSubtitleInfo*>(l->data);
    result.subtitles.push_back(
        track_of(GST_DISCOVERER_STREAM_INFO(sub), index, gst_discoverer_subtitle_info_get_language(sub)));
  }
  gst_discoverer_stream_info_list_free(subs);

  if (!result.has_video && result.audio.empty()) {
    result.error = "the file has no video or audio track";
    return result;
  }
  if (result.has_video && (result.width <= 0 || result.height <= 0)) {
    result.error = "the video track has no picture size";
    return result;
  }
  if (result.width > kMaxVideoSide || result.height > kMaxVideoSide) {
    result.error = "the video is " + std::to_string(result.width) + "x" + std::to_string(result.height) +
                   ", larger than the " + std::to_string(kMaxVideoSide) + "x" + std::to_string(kMaxVideoSide) +
                   " this server transcodes";
    return result;
  }
  if (!(result.duration_s > 0) || !std::isfinite(result.duration_s)) {
    result.error = "the file has no duration (damaged or truncated)";
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace

std::string quick_damage_check(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return "";
  auto be32 = [](const unsigned char* p) {
    return (uint64_t{p[0]} << 24) | (uint64_t{p[1]} << 16) | (uint64_t{p[2]} << 8) | uint64_t{p[3]};
  };
  std::fseek(f, 0, SEEK_END);
  const int64_t size = std::ftell(f);
  unsigned char head[16];
  std::string verdict;
  bool is_isobmff = false, moov = false;
  int64_t offset = 0;
  for (int boxes = 0; offset + 8 <= size && boxes < 10000; ++boxes) {
    if (std::fseek(f, offset, SEEK_SET) != 0 || std::fread(head, 1, 16, f) < 8) break;
    uint64_t box = be32(head);
    const std::string type(reinterpret_cast<const char*>(head + 4), 4);
    if (boxes == 0) {
      if (type != "ftyp") break;  // not an MP4/MOV: GstDiscoverer decides
      is_isobmff = true;
    }
    if (box == 1) box = (be32(head + 8) << 32) | be32(head + 12);
    else if (box == 0) box = static_cast<uint64_t>(size - offset);
    if (box < 8) {
      verdict = "the file is damaged (a broken MP4 box)";
      break;
    }
    if (offset + static_cast<int64_t>(box) > size) {
      if (type == "moov" || !moov) verdict = "the file is damaged or truncated (it ends inside its '" + type + "' box)";
      break;
    }
    if (type == "moov") moov = true;
    offset += static_cast<int64_t>(box);
  }
  std::fclose(f);
  if (verdict.empty() && is_isobmff && !moov)
    verdict = "the file is damaged or truncated (no index: an MP4 whose upload or recording did not finish)";
  return verdict;
}

Prober::Prober(int timeout_s) : timeout_s_(timeout_s) {}

Prober::~Prober() {
  if (!discoverer_) return;
  g_signal_handlers_disconnect_by_data(discoverer_, this);
  gst_discoverer_stop(discoverer_);
  g_object_unref(discoverer_);
}

void Prober::on_discovered(GstDiscoverer*, GstDiscovererInfo* info, GError* error, gpointer data) {
  auto* self = static_cast<Prober*>(data);
  auto done = std::exchange(self->pending_, nullptr);
  if (!done) return;
  ProbeResult result = interpret_probe(info, error, self->timeout_s_);
  bool unnamed = false;
  for (const auto& t : result.subtitles) unnamed = unnamed || t.language.empty();
  if (!result.ok || !unnamed) return done(std::move(result));
  // GstDiscoverer may answer before a subtitle track's tags reached it: ask the demuxer.
  auto shared = std::make_shared<ProbeResult>(std::move(result));
  const std::string path = self->path_;
  run_in_worker<std::vector<std::string>>(
      [path, shared] { return read_subtitle_languages(path, shared->container, shared->subtitles.size(), 5000); },
      [shared, done = std::move(done)](std::vector<std::string> languages) {
        for (size_t i = 0; i < languages.size() && i < shared->subtitles.size(); ++i)
          if (shared->subtitles[i].language.empty()) shared->subtitles[i].language = languages[i];
        done(std::move(*shared));
      });
}

void Prober::probe(const std::string& path, std::function<void(ProbeResult)> done) {
  if (!discoverer_) {
    GError* error = nullptr;
    discoverer_ = gst_discoverer_new(static_cast<GstClockTime>(timeout_s_) * GST_SECOND, &error);
    if (!discoverer_) {
      ProbeResult r;
      r.error = std::string("cannot probe: ") + (error ? error->message : "no discoverer");
      g_clear_error(&error);
      return done(r);
    }
    g_signal_connect(discoverer_, "discovered", G_CALLBACK(&Prober::on_discovered), this);
    gst_discoverer_start(discoverer_);
  }
  g_autofree char* uri = gst_filename_to_uri(path.c_str(), nullptr);
  if (!uri) {
    ProbeResult r;
    r.error = "the file could not be opened";
    return done(r);
  }
  pending_ = std::move(done);
  path_ = path;
  if (!gst_discoverer_discover_uri_async(discoverer_, uri)) {
    ProbeResult r;
    r.error = "the file could not be queued for probing";
    std::exchange(pending_, nullptr)(r);
  }
}

}  // namespace kek::library
