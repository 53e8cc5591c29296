// kekhlssink, the element glue: pads, properties, the insides of each variant (an mpegtsmux, the
// audio tee and queues) and the state changes, wiring together the parts that do the work:
// stream_probe (what the input pads see), ts_cutter (the mux's output cut into segments),
// media_playlist_writer and master_playlist_writer (the playlists).
#include "kekhlssink.h"

#include "master_playlist.h"
#include "master_playlist_writer.h"
#include "media_playlist_writer.h"
#include "playlist_store.h"
#include "segment_file.h"
#include "stream_probe.h"
#include "ts_cutter.h"

#include <kek/media/rendition_settings.h>
#include <kek/ref.h>
#include <kek/stream_seam.h>

#include <glib/gstdio.h>

#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(kek_hls_sink_debug);
#define GST_CAT_DEFAULT kek_hls_sink_debug

namespace {

using kek::hls::BufferFacts;
using kek::hls::Rates;
using kek::hls::SeamFacts;
using kek::hls::SpsFacts;
using kek::hls::VideoFormat;
using kek::hls::WriteError;

constexpr guint kDefaultTargetDuration = 2;
constexpr guint kDefaultPlaylistLength = 6;
constexpr const char* kDefaultMasterName = "index.m3u8";
constexpr const char* kMediaPlaylistName = "index.m3u8";

// live: a sliding window (or all segments) without a type; event: a file being packaged, every
// segment kept, EXT-X-PLAYLIST-TYPE:EVENT while it grows and VOD at the end.
enum class PlaylistType { kLive = 0, kEvent = 1 };

// Properties, guarded by the object lock; read once per run in prepare_run().
struct Settings {
  std::string location;
  std::string variants;
  std::string bitrates;
  guint target_duration = kDefaultTargetDuration;
  guint playlist_length = kDefaultPlaylistLength;
  gint max_files = -1;  // -1: playlist-length + 2
  guint64 max_bytes = 0;  // 0: no bound on what each variant's listed segments take
  std::string master_name = kDefaultMasterName;
  PlaylistType playlist_type = PlaylistType::kLive;
};

// One variant: a video pad (or none, audio only), its mpegtsmux, and the cutter that writes the
// mux's output into segments. The variant hears from its cutter as its CutListener.
struct Variant final : kek::hls::CutListener {
  Variant(KekHlsSink* self, kek::hls::PlaylistStore& store, guint index, bool audio_only)
      : owner(self), index(index), audio_only(audio_only), playlist(store) {}

  void segment_opened(const std::string& path, uint64_t at) override;
  void segment_closed(const std::string& path, uint64_t at) override;
  bool should_cut(uint64_t at, uint64_t length) override;
  void segment_failed(const char* action, const std::string& path, int err) override;

  KekHlsSink* owner;
  guint index;             // from the pad name video_<index>
  bool audio_only;
  GstPad* pad = nullptr;   // our video_%u ghost pad, owned by the element; null when audio only
  gulong probe_id = 0;
  GstElement* mux = nullptr;          // owned by the bin
  // A sink pad of no element, linked to mpegtsmux's src: the mux's streaming thread calls our
  // chain function directly, with no sink element (no preroll, no sync, no extra thread).
  kek::Ref<GstPad> out;
  kek::Ref<GstPad> video_sink;        // the mux's request pad our video ghost pad targets
  GstElement* audio_queue = nullptr;  // owned by the bin; null without audio or a queue
  kek::Ref<GstPad> tee_pad;           // the tee's request pad feeding the mux (or its queue)

  // The mux's streaming thread only.
  kek::hls::SegmentFile file;
  kek::hls::TsCutter cutter{file, *this};
  // The video pad's streaming thread only.
  kek::hls::StreamProbe probe{true};

  // Running time of the next cut the output thread hopes for, handed to the video thread, which
  // asks upstream encoders for a keyframe there (as splitmuxsink's send-keyframe-requests does).
  std::atomic<uint64_t> keyframe_request{GST_CLOCK_TIME_NONE};
  // Running time where the video ended, set by the video thread at EOS and read by the audio
  // thread and the output thread: audio past it is dropped (it would grow the last segment far
  // beyond its EXTINF), and the last segment ends there.
  std::atomic<uint64_t> video_ended_at{GST_CLOCK_TIME_NONE};

  // Set in prepare_run (no streaming yet), then read under Impl::lock.
  std::string name;
  uint64_t declared_bps = 0;
  // Guarded by Impl::lock.
  VideoFormat format;
  Rates rates;
  kek::hls::MediaPlaylistWriter playlist;
  bool eos = false;
};

// The one `audio` pad, teed into every variant.
struct AudioInput {
  KekHlsSink* owner = nullptr;
  GstPad* pad = nullptr;      // owned by the element
  gulong probe_id = 0;
  GstElement* tee = nullptr;  // owned by the bin
  kek::hls::StreamProbe probe{false};  // the pad's streaming thread only
  std::atomic<uint64_t> ended_at{GST_CLOCK_TIME_NONE};  // its running time, set at EOS
  // Guarded by Impl::lock.
  bool have_caps = false;
  std::string codec;
  Rates rates;
};

struct Impl {
  explicit Impl(KekHlsSink* self)
      : store([self](const std::string& message) { GST_WARNING_OBJECT(self, "%s", message.c_str()); }),
        master(store) {}

  Settings settings;  // object lock
  kek::hls::FilePlaylistStore store;

  // Changed only in request/release pad and state changes, never while streaming; the streaming
  // threads read them under `lock`, so changes take it too.
  std::vector<std::unique_ptr<Variant>> variants;  // video variants sorted by pad index, or the audio one
  std::unique_ptr<AudioInput> audio;

  // The current run, fixed in prepare_run.
  uint64_t window_ns = kDefaultTargetDuration * GST_SECOND;
  int64_t last_prefix_ms = 0;

  std::mutex lock;  // the master below and the guarded fields of Variant and AudioInput
  kek::hls::MasterPlaylistWriter master;
  // Unix time (us) at running time 0, taken once per run so every variant dates its segments alike.
  std::optional<int64_t> wall_offset_us;
};

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_VARIANTS,
  PROP_BITRATES,
  PROP_TARGET_DURATION,
  PROP_PLAYLIST_LENGTH,
  PROP_MAX_FILES,
  PROP_MAX_BYTES,
  PROP_MASTER_NAME,
  PROP_PLAYLIST_TYPE,
};

}  // namespace

struct _KekHlsSink {
  GstBin parent;
  Impl impl;  // constructed in init, destroyed in finalize
};

G_DEFINE_TYPE(KekHlsSink, kek_hls_sink, GST_TYPE_BIN)

static GType kek_hls_playlist_type_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {static_cast<gint>(PlaylistType::kLive), "live (no EXT-X-PLAYLIST-TYPE)", "live"},
        {static_cast<gint>(PlaylistType::kEvent), "EVENT while written, VOD at the end", "event"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("KekHlsPlaylistType", values));
  }
  return type;
}
GST_ELEMENT_REGISTER_DEFINE(kekhlssink, "kekhlssink", GST_RANK_NONE, KEK_TYPE_HLS_SINK)

// stream-format=byte-stream: mpegtsmux takes nothing else, and h264parse converts.
static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE(
    "video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("video/x-h264, stream-format=(string)byte-stream, alignment=(string)au"));
static GstStaticPadTemplate audio_template =
    GST_STATIC_PAD_TEMPLATE("audio", GST_PAD_SINK, GST_PAD_REQUEST,
                            GST_STATIC_CAPS("audio/mpeg, mpegversion=(int)4, framed=(boolean)true, "
                                            "stream-format=(string){ raw, adts }"));

namespace {

// --- the playlists -----------------------------------------------------------------------------

void post_write_error(KekHlsSink* self, const std::optional<WriteError>& error) {
  if (!error) return;
  GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("%s", error->what.c_str()), ("%s", error->why.c_str()));
}

// Lock held. Hands the master writer what every variant looks like now.
void maybe_write_master(KekHlsSink* self, uint64_t media_ts, bool final) {
  Impl& impl = self->impl;
  if (impl.variants.empty()) return;
  std::vector<kek::hls::MasterVariant> variants;
  variants.reserve(impl.variants.size());
  for (const auto& v : impl.variants)
    variants.push_back({v->name, v->audio_only, v->playlist.written(), &v->format, v->rates, v->declared_bps});
  std::optional<kek::hls::MasterAudio> audio;
  if (impl.audio) audio = kek::hls::MasterAudio{impl.audio->have_caps, impl.audio->codec, impl.audio->rates};
  if (auto error = impl.master.update(variants, audio ? &*audio : nullptr, media_ts, final))
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("%s", error->what.c_str()), ("%s", error->why.c_str()));
}

// Lock held. Unix time (us) at running time 0 of this run, taken from the pipeline clock when the
// first segment opens: live, that is when the frames were captured; run faster than real time,
// it is the start plus the media time, which at least keeps the dates in order.
int64_t run_wall_offset(KekHlsSink* self, uint64_t running_time) {
  Impl& impl = self->impl;
  if (impl.wall_offset_us) return *impl.wall_offset_us;
  int64_t now_us = g_get_real_time();
  int64_t offset = now_us - static_cast<int64_t>(running_time / 1000);
  if (g_autoptr(GstClock) clock = gst_element_get_clock(GST_ELEMENT(self))) {
    GstClockTime now = gst_clock_get_time(clock), base = gst_element_get_base_time(GST_ELEMENT(self));
    if (GST_CLOCK_TIME_IS_VALID(now) && GST_CLOCK_TIME_IS_VALID(base) && now >= base)
      offset = now_us - static_cast<int64_t>((now - base) / 1000);
  }
  impl.wall_offset_us = offset;
  return offset;
}

// Lock held. The audio-only variant, if that is what this run is.
Variant* audio_only_variant(Impl& impl) {
  return impl.variants.size() == 1 && impl.variants[0]->audio_only ? impl.variants[0].get() : nullptr;
}

// --- the cutter's listener (the variant's mpegtsmux streaming thread) ----------------------------

void Variant::segment_opened(const std::string& path, uint64_t at) {
  Impl& impl = owner->impl;
  {
    std::lock_guard guard(impl.lock);
    playlist.opened(path, at, run_wall_offset(owner, at));
  }
  keyframe_request.store(at + impl.window_ns, std::memory_order_relaxed);
}

void Variant::segment_closed(const std::string& path, uint64_t at) {
  Impl& impl = owner->impl;
  std::optional<WriteError> error;
  {
    std::lock_guard guard(impl.lock);
    error = playlist.closed(path, at);
    // The first master waits for the last variant's first playlist: this may be it.
    if (!error) maybe_write_master(owner, impl.master.last_write_ts(), false);
  }
  post_write_error(owner, error);
  // For the application: kek's pipeline manager counts these for /metrics.
  if (!error)
    gst_element_post_message(GST_ELEMENT(owner),
                             gst_message_new_element(GST_OBJECT(owner), gst_structure_new("kek-segment-written", "location",
                                                                                         G_TYPE_STRING, path.c_str(), nullptr)));
}

bool Variant::should_cut(uint64_t at, uint64_t length) {
  std::lock_guard guard(owner->impl.lock);
  return playlist.should_cut(at, length);
}

void Variant::segment_failed(const char* action, const std::string& path, int err) {
  // ENOSPC as its own code: whoever watches the bus can tell a full disk from a broken file.
  if (err == ENOSPC)
    GST_ELEMENT_ERROR(owner, RESOURCE, NO_SPACE_LEFT, ("Could not %s HLS segment %s: %s", action, path.c_str(),
                      g_strerror(err)), (nullptr));
  else
    GST_ELEMENT_ERROR(owner, RESOURCE, WRITE, ("Could not %s HLS segment %s: %s", action, path.c_str(),
                      g_strerror(err)), (nullptr));
}

// --- the mux's output pad -------------------------------------------------------------------------

Variant* variant_of_output(GstPad* pad) { return static_cast<Variant*>(gst_pad_get_element_private(pad)); }

GstFlowReturn output_chain(GstPad* pad, GstObject*, GstBuffer* buf) {
  Variant& v = *variant_of_output(pad);
  g_autoptr(GstBuffer) unref_at_return = buf;
  // mpegtsmux gives its output the running time of the stream it takes the PCR from.
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
  GstMapInfo map;
  if (v.cutter.failed() || !gst_buffer_map(buf, &map, GST_MAP_READ)) return GST_FLOW_ERROR;
  bool ok = v.cutter.push({map.data, map.size}, ts);
  gst_buffer_unmap(buf, &map);
  return ok ? GST_FLOW_OK : GST_FLOW_ERROR;
}

// The mux has finished: the last segment ends where the variant's media did, the playlist gets
// EXT-X-ENDLIST, and once every variant is done the element is at EOS (our pads are no
// elements, so the message is ours to post).
void output_eos(KekHlsSink* self, Variant& v, guint32 seqnum) {
  Impl& impl = self->impl;
  uint64_t media_end = v.audio_only ? (impl.audio ? impl.audio->ended_at.load() : GST_CLOCK_TIME_NONE)
                                    : v.video_ended_at.load();
  v.cutter.finish(media_end);
  std::optional<WriteError> error;
  bool all_done = true;
  {
    std::lock_guard guard(impl.lock);
    error = v.playlist.end();
    v.eos = true;
    for (const auto& other : impl.variants) all_done = all_done && other->eos;
  }
  post_write_error(self, error);
  if (!all_done) return;
  GstMessage* eos = gst_message_new_eos(GST_OBJECT(self));
  gst_message_set_seqnum(eos, seqnum);
  gst_element_post_message(GST_ELEMENT(self), eos);
}

gboolean output_event(GstPad* pad, GstObject*, GstEvent* event) {
  Variant& v = *variant_of_output(pad);
  KekHlsSink* self = v.owner;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      // mpegtsmux announces the keyframe it writes next (then PAT, PMT and the keyframe).
      GstClockTime at = GST_CLOCK_TIME_NONE;
      if (gst_video_event_parse_downstream_force_key_unit(event, nullptr, nullptr, &at, nullptr, nullptr))
        v.cutter.keyframe_ahead(at);
      break;
    }
    case GST_EVENT_EOS:
      output_eos(self, v, gst_event_get_seqnum(event));
      break;
    case GST_EVENT_FLUSH_STOP: {
      std::lock_guard guard(self->impl.lock);
      v.eos = false;
      break;
    }
    default:
      break;
  }
  gst_event_unref(event);
  return TRUE;
}

// Whatever mpegtsmux offers (video/mpegts) is fine: the bytes go to files as they are.
gboolean output_query(GstPad*, GstObject*, GstQuery* query) {
  switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_ACCEPT_CAPS:
      gst_query_set_accept_caps_result(query, TRUE);
      return TRUE;
    case GST_QUERY_CAPS: {
      GstCaps* filter = nullptr;
      gst_query_parse_caps(query, &filter);
      g_autoptr(GstCaps) any = gst_caps_new_any();
      gst_query_set_caps_result(query, filter ? filter : any);
      return TRUE;
    }
    default:
      return FALSE;
  }
}

// --- the input pads: the probes' facts acted on ---------------------------------------------------

// Streaming thread of a variant's reference pad (its video, or the audio for the audio-only
// variant): the first buffer after a seam. The cutter cuts at the first keyframe at or after it;
// an encoder upstream makes the next frame a keyframe, so the cut comes soon after the seam
// rather than a GOP later (a passthrough rung cannot, and waits for the publisher's next one).
void register_seam(KekHlsSink* self, Variant& v, GstPad* pad, const SeamFacts& seam) {
  uint64_t running_time = GST_CLOCK_TIME_IS_VALID(seam.at) ? seam.at : seam.floor;
  uint64_t from = GST_CLOCK_TIME_IS_VALID(seam.floor) ? std::max(running_time, seam.floor) : running_time;
  {
    std::lock_guard guard(self->impl.lock);
    // Live, a publisher away for a while comes back with timestamps that continue where it left
    // off: the wall clock moved on further, and the dates after the seam say so. Faster than real
    // time the clock lags the media, so this never moves dates back.
    v.playlist.add_seam(from, g_get_real_time() - static_cast<int64_t>(running_time / 1000));
  }
  GST_INFO_OBJECT(self, "seam in variant %s at %" GST_TIME_FORMAT "%s", v.name.c_str(), GST_TIME_ARGS(running_time),
                  seam.keyframe ? "" : ", asking for a keyframe");
  if (!seam.keyframe && pad)
    gst_pad_push_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

// A keyframe's SPS settled or changed the codec and picture size.
void apply_sps(KekHlsSink* self, Variant& v, const SpsFacts& sps, uint64_t ts) {
  std::lock_guard guard(self->impl.lock);
  VideoFormat& f = v.format;
  int shown_width = f.shown_width(), shown_height = f.shown_height();
  if (sps.changed) {
    f.sps_codec = sps.codec;
    f.sps_width = sps.width;
    f.sps_height = sps.height;
  }
  // No SPS in the stream at all: the caps' codec is the best there is.
  std::string now = f.sps_codec.empty() ? f.caps_codec : f.sps_codec;
  if ((f.codec_known && now != f.codec) ||
      (f.have_caps && (shown_width != f.shown_width() || shown_height != f.shown_height())))
    self->impl.master.format_changed();
  f.codec = std::move(now);
  f.codec_known = true;
  maybe_write_master(self, ts, false);
}

// Streaming thread of v->pad. The common path is a size, a few timestamps and adds.
void on_video_buffer(Variant* v, GstBuffer* buf) {
  KekHlsSink* self = v->owner;
  BufferFacts facts = v->probe.buffer(buf);
  if (facts.sps) apply_sps(self, *v, *facts.sps, facts.ts);
  if (G_UNLIKELY(facts.first)) {
    std::lock_guard guard(self->impl.lock);
    v->playlist.set_first_independent(facts.keyframe);
  } else if (G_UNLIKELY(facts.seam.has_value())) {
    register_seam(self, *v, v->pad, *facts.seam);
  }
  // The output thread started a segment: ask upstream encoders for a keyframe where the next one
  // should start (a passthrough rung ignores it and cuts at the publisher's keyframes).
  if (G_UNLIKELY(v->keyframe_request.load(std::memory_order_relaxed) != GST_CLOCK_TIME_NONE)) {
    uint64_t at = v->keyframe_request.exchange(GST_CLOCK_TIME_NONE);
    if (at != GST_CLOCK_TIME_NONE) gst_pad_push_event(v->pad, gst_video_event_new_upstream_force_key_unit(at, TRUE, 0));
  }
  // mpegtsmux announces a keyframe it is about to write with a downstream force-key-unit event
  // (and writes PAT and PMT before it) only when asked by one: ask before every keyframe, so
  // every GOP may start a segment. Timestamps NONE: this very keyframe, whatever its time.
  if (facts.keyframe)
    gst_pad_send_event(v->video_sink.get(), gst_video_event_new_downstream_force_key_unit(
                                                GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, TRUE, 0));
  if (facts.rates_changed) {
    std::lock_guard guard(self->impl.lock);
    v->rates = v->probe.rates();
    maybe_write_master(self, facts.ts, false);
  }
}

void on_audio_buffer(AudioInput* a, GstBuffer* buf) {
  KekHlsSink* self = a->owner;
  BufferFacts facts = a->probe.buffer(buf);
  if (G_UNLIKELY(facts.seam.has_value())) {
    // Only the audio-only variant cuts at an audio seam; video variants cut at their video's.
    Variant* v = nullptr;
    {
      std::lock_guard guard(self->impl.lock);
      v = audio_only_variant(self->impl);
    }
    if (v) register_seam(self, *v, nullptr, *facts.seam);
  }
  if (facts.rates_changed) {
    std::lock_guard guard(self->impl.lock);
    a->rates = a->probe.rates();
    maybe_write_master(self, facts.ts, false);
  }
}

void on_video_caps(Variant* v, GstCaps* caps) {
  Impl& impl = v->owner->impl;
  VideoFormat f = kek::hls::video_format_from_caps(caps);
  v->probe.caps_changed();  // new caps may mean a new SPS: look at the next keyframe
  std::lock_guard guard(impl.lock);
  // Until the next keyframe, keep the codec and SPS we had (or none, so the master waits).
  f.codec = v->format.codec;
  f.codec_known = v->format.codec_known;
  f.sps_codec = v->format.sps_codec;
  f.sps_width = v->format.sps_width;
  f.sps_height = v->format.sps_height;
  if (v->format.have_caps && !f.same_as(v->format)) impl.master.format_changed();
  // A new size or new decoder configuration: players must reset their decoder there.
  if (v->format.have_caps &&
      (f.width != v->format.width || f.height != v->format.height || f.codec_data != v->format.codec_data))
    v->probe.mark_seam();
  v->format = std::move(f);
}

GstPadProbeReturn video_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* v = static_cast<Variant*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    on_video_buffer(v, GST_PAD_PROBE_INFO_BUFFER(info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0, n = gst_buffer_list_length(list); i < n; ++i) on_video_buffer(v, gst_buffer_list_get(list, i));
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    Impl& impl = v->owner->impl;
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_CAPS: {
        GstCaps* caps = nullptr;
        gst_event_parse_caps(event, &caps);
        on_video_caps(v, caps);
        break;
      }
      case GST_EVENT_CUSTOM_DOWNSTREAM:
        if (kek::is_stream_seam_event(event)) v->probe.mark_seam();
        // Upstream's own keyframe announcements (h264parse, x264enc answering a request) would
        // make mpegtsmux ignore ours: we ask for each keyframe ourselves.
        if (gst_video_event_is_force_key_unit(event)) return GST_PAD_PROBE_DROP;
        break;
      case GST_EVENT_SEGMENT: {
        const GstSegment* segment = nullptr;
        gst_event_parse_segment(event, &segment);
        v->probe.segment(*segment);
        v->video_ended_at.store(GST_CLOCK_TIME_NONE, std::memory_order_relaxed);
        break;
      }
      case GST_EVENT_FLUSH_STOP:
        v->probe.flush();
        v->video_ended_at.store(GST_CLOCK_TIME_NONE, std::memory_order_relaxed);
        break;
      case GST_EVENT_EOS:
        if (uint64_t end = v->probe.end_running_time(); GST_CLOCK_TIME_IS_VALID(end))
          v->video_ended_at.store(end, std::memory_order_relaxed);
        if (v->probe.finish()) {
          std::lock_guard guard(impl.lock);
          v->rates = v->probe.rates();
          maybe_write_master(v->owner, impl.master.last_write_ts(), true);
        }
        break;
      default:
        break;
    }
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn audio_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* a = static_cast<AudioInput*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    on_audio_buffer(a, GST_PAD_PROBE_INFO_BUFFER(info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0, n = gst_buffer_list_length(list); i < n; ++i) on_audio_buffer(a, gst_buffer_list_get(list, i));
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    Impl& impl = a->owner->impl;
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_CAPS: {
        GstCaps* caps = nullptr;
        gst_event_parse_caps(event, &caps);
        std::string codec = kek::hls::audio_codec_from_caps(caps);
        std::lock_guard guard(impl.lock);
        if (a->have_caps && codec != a->codec) impl.master.format_changed();
        a->codec = std::move(codec);
        a->have_caps = true;
        maybe_write_master(a->owner, impl.master.last_write_ts(), false);
        break;
      }
      case GST_EVENT_SEGMENT: {
        const GstSegment* segment = nullptr;
        gst_event_parse_segment(event, &segment);
        a->probe.segment(*segment);
        break;
      }
      case GST_EVENT_FLUSH_STOP:
        a->probe.flush();
        break;
      case GST_EVENT_CUSTOM_DOWNSTREAM:
        if (kek::is_stream_seam_event(event)) a->probe.mark_seam();
        break;
      case GST_EVENT_EOS:
        if (uint64_t end = a->probe.end_running_time(); GST_CLOCK_TIME_IS_VALID(end))
          a->ended_at.store(end, std::memory_order_relaxed);
        if (a->probe.finish()) {
          std::lock_guard guard(impl.lock);
          a->rates = a->probe.rates();
          maybe_write_master(a->owner, impl.master.last_write_ts(), true);
        }
        break;
      default:
        break;
    }
  }
  return GST_PAD_PROBE_OK;
}

// Right before a video variant's mux: audio that starts after the variant's video ended is
// dropped (events still pass, so the audio EOS arrives and the mux finishes). Until the video
// ends this is one atomic load per buffer.
GstPadProbeReturn audio_after_video_probe(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto* v = static_cast<Variant*>(data);
  uint64_t ended_at = v->video_ended_at.load(std::memory_order_relaxed);
  if (!GST_CLOCK_TIME_IS_VALID(ended_at)) return GST_PAD_PROBE_OK;
  GstBuffer* buf = (info->type & GST_PAD_PROBE_TYPE_BUFFER)
                       ? GST_PAD_PROBE_INFO_BUFFER(info)
                       : gst_buffer_list_get(GST_PAD_PROBE_INFO_BUFFER_LIST(info), 0);
  if (!buf || !GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
  g_autoptr(GstEvent) event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
  if (!event) return GST_PAD_PROBE_OK;
  const GstSegment* segment = nullptr;
  gst_event_parse_segment(event, &segment);
  GstClockTime at = gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
  return GST_CLOCK_TIME_IS_VALID(at) && at >= ended_at ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

constexpr auto kProbeMask = static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                                         GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM);

// --- building and tearing down the insides -----------------------------------------------------

GstElement* make_element(const char* factory, const char* name) {
  GstElement* e = gst_element_factory_make(factory, name);
  if (!e) GST_ERROR("element %s is missing (mpegtsmux: gst-plugins-bad)", factory);
  return e;
}

// audio tee -> queue -> the variant's mpegtsmux. The queue decouples the variants: one mux
// holding audio back until its video catches up must not stall the others. The only variant needs
// no queue (with_queue false): nothing else waits on the tee, and mpegtsmux takes each input in
// its own thread.
bool link_audio_branch(KekHlsSink* self, Variant& v, bool with_queue = true) {
  Impl& impl = self->impl;
  v.tee_pad = kek::Ref<GstPad>::adopt(gst_element_request_pad_simple(impl.audio->tee, "src_%u"));
  g_autoptr(GstPad) hls_audio = gst_element_request_pad_simple(v.mux, "sink_%d");
  if (!v.tee_pad || !hls_audio) {
    GST_ERROR_OBJECT(self, "could not link the audio into variant %u", v.index);
    return false;
  }
  g_autoptr(GstPad) feeding = GST_PAD(gst_object_ref(v.tee_pad.get()));  // the pad linked to the mux
  if (with_queue) {
    g_autofree char* qname = g_strdup_printf("audio-queue-%s%u", v.audio_only ? "a" : "v", v.index);
    GstElement* queue = make_element("queue", qname);
    if (!queue) {
      gst_element_release_request_pad(v.mux, hls_audio);
      return false;
    }
    gst_bin_add(GST_BIN(self), queue);
    v.audio_queue = queue;
    g_autoptr(GstPad) queue_sink = gst_element_get_static_pad(queue, "sink");
    if (gst_pad_link(v.tee_pad.get(), queue_sink) != GST_PAD_LINK_OK) {
      GST_ERROR_OBJECT(self, "could not link the audio into variant %u", v.index);
      return false;
    }
    gst_object_unref(feeding);
    feeding = gst_element_get_static_pad(queue, "src");
  }
  if (gst_pad_link(feeding, hls_audio) != GST_PAD_LINK_OK) {
    GST_ERROR_OBJECT(self, "could not link the audio into variant %u", v.index);
    gst_element_release_request_pad(v.mux, hls_audio);
    return false;
  }
  if (!v.audio_only)
    gst_pad_add_probe(feeding,
                      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      audio_after_video_probe, &v, nullptr);
  return true;
}

void unlink_audio_branch(KekHlsSink* self, Variant& v) {
  Impl& impl = self->impl;
  // The pad linked to the mux: the queue's, or the tee's own.
  g_autoptr(GstPad) feeding = v.audio_queue ? gst_element_get_static_pad(v.audio_queue, "src")
                              : v.tee_pad   ? GST_PAD(gst_object_ref(v.tee_pad.get()))
                                            : nullptr;
  if (feeding) {
    if (g_autoptr(GstPad) hls_audio = gst_pad_get_peer(feeding)) {
      gst_pad_unlink(feeding, hls_audio);
      if (g_autoptr(GstElement) owner = gst_pad_get_parent_element(hls_audio))
        gst_element_release_request_pad(owner, hls_audio);
    }
  }
  if (v.audio_queue) {
    gst_element_set_state(v.audio_queue, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(self), v.audio_queue);
    v.audio_queue = nullptr;
  }
  if (v.tee_pad && impl.audio) gst_element_release_request_pad(impl.audio->tee, v.tee_pad.get());
  v.tee_pad.reset();
}

void remove_variant_elements(KekHlsSink* self, Variant& v) {
  unlink_audio_branch(self, v);
  if (v.mux) {
    gst_element_set_state(v.mux, GST_STATE_NULL);
    if (v.video_sink) gst_element_release_request_pad(v.mux, v.video_sink.get());
    gst_bin_remove(GST_BIN(self), v.mux);
    v.mux = nullptr;
  }
  v.video_sink.reset();
  if (v.out) {
    gst_pad_set_active(v.out.get(), FALSE);
    v.out.reset();
  }
  v.cutter.discard();
  // GstBin drops its sink flag with its last sink child; mpegtsmux is no sink, yet the element
  // stays one: the pipeline must wait for its EOS.
  GST_OBJECT_LOCK(self);
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
  GST_OBJECT_UNLOCK(self);
}

void remove_pad(KekHlsSink* self, GstPad* pad, gulong probe_id) {
  if (probe_id) gst_pad_remove_probe(pad, probe_id);
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(GST_ELEMENT(self), pad);
}

// The variant's insides: mpegtsmux, whose output comes to a pad of ours, the ghost pad's target
// and the audio branch (if there is audio). On failure whatever was built is left for
// remove_variant_elements.
bool build_insides(KekHlsSink* self, Variant& v) {
  g_autofree char* name = v.audio_only ? g_strdup("hls-audio") : g_strdup_printf("hls-video-%u", v.index);
  v.mux = make_element("mpegtsmux", name);
  if (!v.mux) return false;
  gst_bin_add(GST_BIN(self), v.mux);
  v.out = kek::Ref<GstPad>::adopt(GST_PAD(gst_object_ref_sink(gst_pad_new("ts-sink", GST_PAD_SINK))));
  gst_pad_set_element_private(v.out.get(), &v);
  gst_pad_set_chain_function(v.out.get(), output_chain);
  gst_pad_set_event_function(v.out.get(), output_event);
  gst_pad_set_query_function(v.out.get(), output_query);
  g_autoptr(GstPad) src = gst_element_get_static_pad(v.mux, "src");
  if (gst_pad_link(src, v.out.get()) != GST_PAD_LINK_OK) {
    GST_ERROR_OBJECT(self, "could not link %s to its segmenter", name);
    return false;
  }
  if (v.pad) {
    v.video_sink = kek::Ref<GstPad>::adopt(gst_element_request_pad_simple(v.mux, "sink_%d"));
    if (!v.video_sink || !gst_ghost_pad_set_target(GST_GHOST_PAD(v.pad), v.video_sink.get())) return false;
  }
  return !self->impl.audio || link_audio_branch(self, v);
}

std::unique_ptr<Variant> new_variant(KekHlsSink* self, guint index, bool audio_only) {
  return std::make_unique<Variant>(self, self->impl.store, index, audio_only);
}

GstPad* request_video_pad(KekHlsSink* self, GstPadTemplate* templ, const gchar* req_name) {
  Impl& impl = self->impl;
  guint index = 0;
  if (req_name) {
    if (sscanf(req_name, "video_%u", &index) != 1) return nullptr;
    for (const auto& v : impl.variants)
      if (!v->audio_only && v->index == index) {
        GST_WARNING_OBJECT(self, "pad %s already exists", req_name);
        return nullptr;
      }
  } else {
    for (const auto& v : impl.variants)
      if (!v->audio_only) index = std::max(index, v->index + 1);
  }

  auto v = new_variant(self, index, false);
  g_autofree char* pad_name = g_strdup_printf("video_%u", index);
  GstPad* pad = gst_ghost_pad_new_no_target_from_template(pad_name, templ);
  v->pad = pad;
  if (!build_insides(self, *v)) {
    remove_variant_elements(self, *v);
    gst_object_unref(gst_object_ref_sink(pad));
    return nullptr;
  }
  v->probe_id = gst_pad_add_probe(pad, kProbeMask, video_probe, v.get(), nullptr);
  {
    std::lock_guard guard(impl.lock);
    auto at = std::find_if(impl.variants.begin(), impl.variants.end(),
                           [index](const auto& other) { return other->index > index; });
    impl.variants.insert(at, std::move(v));
  }
  gst_element_add_pad(GST_ELEMENT(self), pad);
  return pad;
}

GstPad* request_audio_pad(KekHlsSink* self, GstPadTemplate* templ) {
  Impl& impl = self->impl;
  if (impl.audio) {
    GST_WARNING_OBJECT(self, "there is only one audio pad, shared by all variants");
    return nullptr;
  }
  auto audio = std::make_unique<AudioInput>();
  audio->owner = self;
  audio->tee = make_element("tee", "audio-tee");
  if (!audio->tee) return nullptr;
  gst_bin_add(GST_BIN(self), audio->tee);
  {
    std::lock_guard guard(impl.lock);
    impl.audio = std::move(audio);
  }
  for (auto& v : impl.variants) {
    if (!link_audio_branch(self, *v)) {
      for (auto& w : impl.variants) unlink_audio_branch(self, *w);
      gst_element_set_state(impl.audio->tee, GST_STATE_NULL);
      gst_bin_remove(GST_BIN(self), impl.audio->tee);
      std::lock_guard guard(impl.lock);
      impl.audio.reset();
      return nullptr;
    }
  }
  g_autoptr(GstPad) target = gst_element_get_static_pad(impl.audio->tee, "sink");
  GstPad* pad = gst_ghost_pad_new_from_template("audio", target, templ);
  impl.audio->pad = pad;
  impl.audio->probe_id = gst_pad_add_probe(pad, kProbeMask, audio_probe, impl.audio.get(), nullptr);
  gst_element_add_pad(GST_ELEMENT(self), pad);
  return pad;
}

// READY -> PAUSED, before the children start: name the variants, make their directories, give
// every cutter a segment prefix of its own, and start the playlists and the measurements afresh.
// A playlist a finished run left (EXT-X-ENDLIST) is removed; true when there was one.
bool remove_if_ended(const char* playlist) {
  g_autofree char* text = nullptr;
  if (!g_file_get_contents(playlist, &text, nullptr, nullptr) || !strstr(text, "#EXT-X-ENDLIST")) return false;
  if (g_remove(playlist) != 0 && errno != ENOENT) return false;
  return true;
}

bool prepare_run(KekHlsSink* self) {
  Impl& impl = self->impl;
  Settings s;
  GST_OBJECT_LOCK(self);
  s = impl.settings;
  GST_OBJECT_UNLOCK(self);

  if (s.location.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No location set on kekhlssink"), (nullptr));
    return false;
  }
  if (!kek::hls::valid_variant_name(s.master_name)) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad master-name '%s'", s.master_name.c_str()),
                      ("a plain file name is needed"));
    return false;
  }
  if (impl.variants.empty() && !impl.audio) {
    GST_ELEMENT_ERROR(self, CORE, PAD, ("kekhlssink has no video_%%u or audio pad linked"), (nullptr));
    return false;
  }
  if (impl.variants.empty()) {
    // Audio only: one variant of its own.
    auto v = new_variant(self, 0, true);
    if (!build_insides(self, *v)) {
      remove_variant_elements(self, *v);
      GST_ELEMENT_ERROR(self, CORE, FAILED, ("Could not build the audio-only variant"), (nullptr));
      return false;
    }
    std::lock_guard guard(impl.lock);
    impl.variants.push_back(std::move(v));
  }

  std::vector<std::string> names = kek::hls::split_list(s.variants);
  std::vector<std::string> rates = kek::hls::split_list(s.bitrates);
  // A restarted pipeline must never reuse a segment name a player may have cached: the segments
  // of each run start with the wall-clock millisecond it started at.
  int64_t prefix_ms = g_get_real_time() / 1000;
  if (prefix_ms <= impl.last_prefix_ms) prefix_ms = impl.last_prefix_ms + 1;
  impl.last_prefix_ms = prefix_ms;

  guint max_files = s.max_files >= 0 ? static_cast<guint>(s.max_files)
                    : s.playlist_length == 0 ? 0  // an endless playlist references every segment
                                             : s.playlist_length + 2;
  // Audio may run this far ahead of the slowest variant's video before the tee waits; generous,
  // since a tee stuck on one variant starves all the others of audio.
  guint64 audio_queue_time = std::max<guint64>(10 * GST_SECOND, 3ull * s.target_duration * GST_SECOND);
  const uint64_t window_ns = s.target_duration * GST_SECOND;

  std::vector<std::string> used;
  bool previous_run_ended = false;
  for (size_t i = 0; i < impl.variants.size(); ++i) {
    Variant& v = *impl.variants[i];
    std::string name = v.audio_only ? "audio" : "v" + std::to_string(v.index);
    if (i < names.size() && !names[i].empty()) name = names[i];
    if (!kek::hls::valid_variant_name(name) || std::find(used.begin(), used.end(), name) != used.end()) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad or repeated variant name '%s'", name.c_str()),
                        ("names are directory names: letters, digits, '.', '_', '-'"));
      return false;
    }
    // One variant (a passthrough stream): its audio goes straight from the tee into the mux, a
    // thread and a hand-over per audio buffer fewer; a ladder keeps a queue per variant.
    bool audio_queue_wanted = impl.variants.size() != 1;
    if (impl.audio && (v.audio_queue != nullptr) != audio_queue_wanted) {
      unlink_audio_branch(self, v);
      if (!link_audio_branch(self, v, audio_queue_wanted)) {
        GST_ELEMENT_ERROR(self, CORE, FAILED, ("Could not link the audio into variant %u", v.index), (nullptr));
        return false;
      }
    }
    used.push_back(name);
    auto declared = kek::media::parse_bitrate(i < rates.size() ? rates[i] : std::string());
    if (!declared) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad bitrate '%s' for variant %s", rates[i].c_str(),
                        name.c_str()), ("bits per second, optionally with k or M"));
      return false;
    }

    g_autofree char* dir = g_build_filename(s.location.c_str(), name.c_str(), nullptr);
    if (g_mkdir_with_parents(dir, 0755) != 0) {
      int err = errno;
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("Could not create %s", dir), ("%s", g_strerror(err)));
      return false;
    }
    g_autofree char* playlist = g_build_filename(dir, kMediaPlaylistName, nullptr);
    previous_run_ended = remove_if_ended(playlist) || previous_run_ended;
    v.cutter.start(std::string(dir) + "/" + std::to_string(prefix_ms) + "-", v.audio_only);
    v.keyframe_request.store(GST_CLOCK_TIME_NONE);
    v.video_ended_at.store(GST_CLOCK_TIME_NONE);
    v.probe.start(window_ns);
    // Before mpegtsmux starts: its first push must find the pad ready.
    gst_pad_set_active(v.out.get(), TRUE);
    if (v.audio_queue)
      g_object_set(v.audio_queue, "max-size-buffers", 0u, "max-size-bytes", 0u, "max-size-time", audio_queue_time,
                   nullptr);

    std::lock_guard guard(impl.lock);
    v.name = name;
    v.declared_bps = *declared;
    v.format = VideoFormat();
    v.rates = Rates();
    v.playlist.start(playlist, s.target_duration, s.playlist_length, max_files,
                     s.playlist_type == PlaylistType::kEvent, s.max_bytes);
    v.eos = false;
  }

  g_autofree char* master = g_build_filename(s.location.c_str(), s.master_name.c_str(), nullptr);
  // The last run ended (its playlists say EXT-X-ENDLIST): a player opening the stream now must
  // not find that ended stream and stop; it gets a 404 until this run's playlists are written.
  if (previous_run_ended && g_remove(master) != 0 && errno != ENOENT)
    GST_WARNING_OBJECT(self, "could not remove the last run's %s: %s", master, g_strerror(errno));
  if (impl.audio) {
    impl.audio->probe.start(window_ns);
    impl.audio->ended_at.store(GST_CLOCK_TIME_NONE);
  }
  std::lock_guard guard(impl.lock);
  if (impl.audio) {
    impl.audio->have_caps = false;
    impl.audio->codec.clear();
    impl.audio->rates = Rates();
  }
  impl.wall_offset_us.reset();
  impl.window_ns = window_ns;
  impl.master.start(master, window_ns);
  GST_INFO_OBJECT(self, "%zu variant(s) into %s, segments %" G_GINT64_FORMAT "-*.ts", impl.variants.size(),
                  s.location.c_str(), prefix_ms);
  return true;
}

// PAUSED -> READY, after the children stopped: the audio-only variant exists only for a run, so a
// video pad requested before the next one does not find it in the way.
void end_run(KekHlsSink* self) {
  Impl& impl = self->impl;
  if (impl.variants.size() != 1 || !impl.variants[0]->audio_only) return;
  remove_variant_elements(self, *impl.variants[0]);
  std::lock_guard guard(impl.lock);
  impl.variants.clear();
}

// PAUSED -> READY without EOS (a stop, an error elsewhere): the stream is over all the same, so
// players should stop waiting for more. Only a warning if that fails: the pipeline is going down.
void end_playlists(KekHlsSink* self) {
  Impl& impl = self->impl;
  std::lock_guard guard(impl.lock);
  for (auto& v : impl.variants) {
    if (!v->playlist.written() || v->playlist.ended()) continue;
    if (auto error = v->playlist.end())
      GST_WARNING_OBJECT(self, "%s: %s", error->what.c_str(), error->why.c_str());
  }
}

bool is_running(KekHlsSink* self) {
  GST_OBJECT_LOCK(self);
  bool running = GST_STATE(self) > GST_STATE_READY || GST_STATE_PENDING(self) > GST_STATE_READY;
  GST_OBJECT_UNLOCK(self);
  return running;
}

}  // namespace

static GstPad* kek_hls_sink_request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar* name,
                                            const GstCaps*) {
  auto* self = KEK_HLS_SINK(element);
  // Variants are wired up before the run starts (pipelines are parsed, then played); adding one
  // to a running ladder would need a master rewrite and a tee relink mid-stream.
  if (is_running(self)) {
    GST_WARNING_OBJECT(self, "pads can only be requested in NULL or READY");
    return nullptr;
  }
  if (templ == gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(element), "audio"))
    return request_audio_pad(self, templ);
  return request_video_pad(self, templ, name);
}

static void kek_hls_sink_release_pad(GstElement* element, GstPad* pad) {
  auto* self = KEK_HLS_SINK(element);
  Impl& impl = self->impl;
  if (impl.audio && pad == impl.audio->pad) {
    for (auto& v : impl.variants) unlink_audio_branch(self, *v);
    remove_pad(self, pad, impl.audio->probe_id);
    gst_element_set_state(impl.audio->tee, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(self), impl.audio->tee);
    std::lock_guard guard(impl.lock);
    impl.audio.reset();
    return;
  }
  auto it = std::find_if(impl.variants.begin(), impl.variants.end(), [pad](const auto& v) { return v->pad == pad; });
  if (it == impl.variants.end()) return;
  remove_pad(self, pad, (*it)->probe_id);
  remove_variant_elements(self, **it);
  std::lock_guard guard(impl.lock);
  impl.variants.erase(it);
}

static GstStateChangeReturn kek_hls_sink_change_state(GstElement* element, GstStateChange transition) {
  auto* self = KEK_HLS_SINK(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !prepare_run(self)) {
    end_run(self);  // the audio-only variant may have been built before the error
    return GST_STATE_CHANGE_FAILURE;
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(kek_hls_sink_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    // The muxes have stopped: a segment cut off here is not listed.
    for (auto& v : self->impl.variants) {
      v->cutter.discard();
      gst_pad_set_active(v->out.get(), FALSE);
    }
    end_playlists(self);
    end_run(self);
  }
  return ret;
}

static void kek_hls_sink_dispose(GObject* object) {
  auto* self = KEK_HLS_SINK(object);
  Impl& impl = self->impl;
  // GstBin's dispose drops the children before GstElement's releases the request pads, which
  // would leave release_pad with pointers to queues and muxes already gone: take the ladder
  // apart here while it is whole.
  end_run(self);
  while (!impl.variants.empty()) {
    size_t before = impl.variants.size();
    kek_hls_sink_release_pad(GST_ELEMENT(self), impl.variants.back()->pad);
    if (impl.variants.size() == before) break;  // not ours after all: never spin
  }
  if (impl.audio) kek_hls_sink_release_pad(GST_ELEMENT(self), impl.audio->pad);
  G_OBJECT_CLASS(kek_hls_sink_parent_class)->dispose(object);
}

static void kek_hls_sink_init(KekHlsSink* self) {
  new (&self->impl) Impl(self);
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
}

static void kek_hls_sink_finalize(GObject* object) {
  KEK_HLS_SINK(object)->impl.~Impl();
  G_OBJECT_CLASS(kek_hls_sink_parent_class)->finalize(object);
}

static void kek_hls_sink_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = KEK_HLS_SINK(object);
  Settings& s = self->impl.settings;
  auto str = [value] {
    const char* v = g_value_get_string(value);
    return std::string(v ? v : "");
  };
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_LOCATION: s.location = str(); break;
    case PROP_VARIANTS: s.variants = str(); break;
    case PROP_BITRATES: s.bitrates = str(); break;
    case PROP_TARGET_DURATION: s.target_duration = g_value_get_uint(value); break;
    case PROP_PLAYLIST_LENGTH: s.playlist_length = g_value_get_uint(value); break;
    case PROP_MAX_FILES: s.max_files = g_value_get_int(value); break;
    case PROP_MAX_BYTES: s.max_bytes = g_value_get_uint64(value); break;
    case PROP_MASTER_NAME: {
      std::string name = str();
      s.master_name = name.empty() ? kDefaultMasterName : name;
      break;
    }
    case PROP_PLAYLIST_TYPE: s.playlist_type = static_cast<PlaylistType>(g_value_get_enum(value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_hls_sink_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = KEK_HLS_SINK(object);
  const Settings& s = self->impl.settings;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_LOCATION: g_value_set_string(value, s.location.c_str()); break;
    case PROP_VARIANTS: g_value_set_string(value, s.variants.c_str()); break;
    case PROP_BITRATES: g_value_set_string(value, s.bitrates.c_str()); break;
    case PROP_TARGET_DURATION: g_value_set_uint(value, s.target_duration); break;
    case PROP_PLAYLIST_LENGTH: g_value_set_uint(value, s.playlist_length); break;
    case PROP_MAX_FILES: g_value_set_int(value, s.max_files); break;
    case PROP_MAX_BYTES: g_value_set_uint64(value, s.max_bytes); break;
    case PROP_MASTER_NAME: g_value_set_string(value, s.master_name.c_str()); break;
    case PROP_PLAYLIST_TYPE: g_value_set_enum(value, static_cast<gint>(s.playlist_type)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_hls_sink_class_init(KekHlsSinkClass* klass) {
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  object_class->dispose = kek_hls_sink_dispose;
  object_class->finalize = kek_hls_sink_finalize;
  object_class->set_property = kek_hls_sink_set_property;
  object_class->get_property = kek_hls_sink_get_property;

  constexpr auto flags =
      static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      object_class, PROP_LOCATION,
      g_param_spec_string("location", "Location",
                          "Output directory: the master playlist and one sub-directory per variant", "", flags));
  g_object_class_install_property(
      object_class, PROP_VARIANTS,
      g_param_spec_string("variants", "Variants",
                          "Comma-separated variant names, one per video pad in pad-index order "
                          "(default v<index>; 'audio' when there is no video)",
                          "", flags));
  g_object_class_install_property(
      object_class, PROP_BITRATES,
      g_param_spec_string("bitrates", "Bitrates",
                          "Comma-separated declared bits/s per variant (k and M suffixes allowed), used "
                          "in the master until measured; empty or 0 = wait for the measurement",
                          "", flags));
  g_object_class_install_property(
      object_class, PROP_TARGET_DURATION,
      g_param_spec_uint("target-duration", "Target duration", "Segment duration in seconds", 1, 3600,
                        kDefaultTargetDuration, flags));
  g_object_class_install_property(
      object_class, PROP_PLAYLIST_LENGTH,
      g_param_spec_uint("playlist-length", "Playlist length",
                        "Segments in each media playlist (0 = all, an endless playlist)", 0, G_MAXUINT,
                        kDefaultPlaylistLength, flags));
  g_object_class_install_property(
      object_class, PROP_MAX_FILES,
      g_param_spec_int("max-files", "Max files",
                       "Segments kept on disk per variant (-1 = playlist-length + 2, 0 = keep all)", -1,
                       G_MAXINT, -1, flags));
  g_object_class_install_property(
      object_class, PROP_MAX_BYTES,
      g_param_spec_uint64("max-bytes", "Max bytes",
                          "Disk each variant's listed segments may take (0 = no bound): a long rewind window "
                          "lists fewer segments rather than fill the disk",
                          0, G_MAXUINT64, 0, flags));
  g_object_class_install_property(
      object_class, PROP_MASTER_NAME,
      g_param_spec_string("master-name", "Master name", "File name of the master playlist in location",
                          kDefaultMasterName, flags));
  g_object_class_install_property(
      object_class, PROP_PLAYLIST_TYPE,
      g_param_spec_enum("playlist-type", "Playlist type",
                        "live (no type) or event (a file being packaged: EXT-X-PLAYLIST-TYPE EVENT, VOD at "
                        "the end; with playlist-length=0)",
                        kek_hls_playlist_type_get_type(), static_cast<gint>(PlaylistType::kLive), flags));

  element_class->request_new_pad = kek_hls_sink_request_new_pad;
  element_class->release_pad = kek_hls_sink_release_pad;
  element_class->change_state = kek_hls_sink_change_state;
  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  gst_element_class_set_static_metadata(element_class, "KEK HLS ladder sink", "Sink/Muxer",
                                        "HLS variants (mpegtsmux cut into segments at keyframes) with their media "
                                        "playlists and the master playlist",
                                        "KEK");
  GST_DEBUG_CATEGORY_INIT(kek_hls_sink_debug, "kekhlssink", 0, "KEK HLS ladder sink");
}
