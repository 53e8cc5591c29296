// kekhlssink, the element glue: pads, properties and state changes, wiring together the parts
// that do the work: stream_probe (what the input pads see), ts_writer (the elementary streams as
// MPEG-TS), ts_cutter (that cut into segments), media_playlist_writer and master_playlist_writer
// (the playlists). No child element and no thread of its own: each pad's chain function writes
// on its upstream's thread, so a passthrough stream whose demuxer and parsers run on one thread
// is packaged on that thread too.
#include "kekhlssink.h"

#include "avc_annexb.h"
#include "master_playlist.h"
#include "master_playlist_writer.h"
#include "media_playlist_writer.h"
#include "playlist_store.h"
#include "segment_file.h"
#include "stream_probe.h"
#include "ts_cutter.h"
#include "ts_writer.h"

#include <kek/media/rendition_settings.h>
#include <kek/mini_ref.h>
#include <kek/stream_seam.h>

#include <glib/gstdio.h>

#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <deque>
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
// How far (media time) one input of a variant may run ahead of the other before what it brought
// is written without waiting: inputs on different threads (a ladder's encoders) are interleaved
// in time order, and a silent one (a publisher that stopped sending audio) holds nothing back
// for long. On one thread (a passthrough stream) the inputs come interleaved already.
constexpr int64_t kMaxHoldNs = 1 * GST_SECOND;
// Non-live inputs (a file being packaged) are not bounded by kMaxHoldNs: the input that is ahead
// waits for the other, as a muxer makes it wait, so a fast encoder never leaves the audio of its
// segments to later ones. The wait is bounded in wall time so that one thread feeding both pads
// badly interleaved (no queue) goes on, if slowly, instead of deadlocking.
constexpr auto kMaxWait = std::chrono::seconds(2);

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

// A buffer waiting to be written into a variant, in running time.
struct Pending {
  kek::MiniRef<GstBuffer> buf;
  int64_t pts = 0, dts = 0;
  bool keyframe = false;
  // Video in stream-format=avc: the converter of the caps it came with, which gives its Annex B
  // to the TS writer as pieces (null: the buffer is Annex B already).
  std::shared_ptr<const kek::hls::AvcToAnnexB> avc;
  // Audio: raw AAC, with what its ADTS header says (as the caps were when it came).
  bool raw_aac = false;
  kek::hls::AacConfig aac;
};

// One variant: a video pad (or none, audio only), the TS writer and the cutter that writes its
// output into segments. The variant hears from its cutter as its CutListener.
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
  GstPad* pad = nullptr;   // our video_%u pad, owned by the element; null when audio only

  // Guarded by `mu`, taken by whichever input thread writes into the variant.
  std::mutex mu;
  kek::hls::TsWriter writer;
  kek::hls::SegmentFile file;
  kek::hls::TsCutter cutter{file, *this};
  std::vector<uint8_t> out;          // packets of one access unit, reused (see kKeptOutBytes)
  kek::hls::AvcToAnnexB::Pieces pieces;  // an avc unit's Annex B as pieces, reused (write_video)
  std::deque<Pending> video_q, audio_q;
  bool video_eos = false, audio_eos = false;
  // Whether each input's upstream is live (the latency query at its first buffer): live inputs
  // never wait (see kMaxHoldNs), non-live ones wait for the other input (kMaxWait).
  bool video_live = true, audio_live = true;
  bool flushing = false;             // a flush or a stop: nobody waits
  std::condition_variable moved;     // a queue moved, an input ended, a flush
  bool tables_written = false;       // PAT/PMT went out in this run
  bool finished = false;

  // The video pad's streaming thread only.
  kek::hls::StreamProbe probe{true};
  // stream-format=avc in the caps: every access unit is written as Annex B (see write_video),
  // with the parameter sets of the caps' avcC in front of each IDR; null for byte-stream caps.
  std::shared_ptr<const kek::hls::AvcToAnnexB> avc;

  // Running time of the next cut the writing thread hopes for, handed to the video thread, which
  // asks upstream encoders for a keyframe there (as splitmuxsink's send-keyframe-requests does).
  std::atomic<uint64_t> keyframe_request{GST_CLOCK_TIME_NONE};
  // Running time where the video ended, set by the video thread at EOS: audio past it is
  // dropped (it would grow the last segment far beyond its EXTINF), and the last segment ends there.
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

// The one `audio` pad, written into every variant.
struct AudioInput {
  KekHlsSink* owner = nullptr;
  GstPad* pad = nullptr;      // owned by the element
  kek::hls::StreamProbe probe{false};  // the pad's streaming thread only
  // The pad's streaming thread only: raw AAC, what its ADTS headers say; nullopt: ADTS input.
  std::optional<kek::hls::AacConfig> aac;
  std::optional<bool> live;  // the pad's streaming thread only: upstream live (at the first buffer)
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
  GstElement parent;
  Impl impl;  // constructed in init, destroyed in finalize
};

G_DEFINE_TYPE(KekHlsSink, kek_hls_sink, GST_TYPE_ELEMENT)

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

// TS carries Annex B: byte-stream as it is, avc (what flvdemux gives, one access unit per tag,
// its caps without an alignment field) converted by the sink itself, so that a passthrough
// stream needs no h264parse.
static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE(
    "video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("video/x-h264, stream-format=(string)byte-stream, alignment=(string)au; "
                    "video/x-h264, stream-format=(string)avc"));
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

// --- the cutter's listener (whichever input thread writes the variant, its mutex held) ---------

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

// --- the probes' facts acted on ------------------------------------------------------------------

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

// The video pad's streaming thread: false for avc caps whose avcC does not parse.
bool on_video_caps(Variant* v, GstCaps* caps) {
  Impl& impl = v->owner->impl;
  VideoFormat f = kek::hls::video_format_from_caps(caps);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  v->avc.reset();
  if (s && g_strcmp0(gst_structure_get_string(s, "stream-format"), "avc") == 0) {
    // A new converter, not the old one changed: units still queued keep the sets they came with.
    // One that does not configure stays: every unit is then dropped (avc_unit_ok).
    auto avc = std::make_shared<kek::hls::AvcToAnnexB>();
    const bool configured = avc->configure(f.codec_data);
    v->avc = avc;
    if (!configured) {
      GST_ELEMENT_ERROR(v->owner, STREAM, FORMAT,
                        ("variant %s: H.264 caps in stream-format=avc need a valid avcC codec_data", v->name.c_str()),
                        (nullptr));
      return false;
    }
  }
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
  return true;
}

// --- writing a variant (its mutex held) --------------------------------------------------------

uint64_t clamp_rt(int64_t rt) { return rt < 0 ? 0 : static_cast<uint64_t>(rt); }
uint64_t ts90(int64_t rt) {
  return static_cast<uint64_t>(rt / 100000 * 9 + (rt % 100000) * 9 / 100000 + static_cast<int64_t>(kek::hls::kTsTimeOffset)) &
         ((1ull << 33) - 1);
}

// `out` is kept between access units up to this capacity (inter frames and audio of a 1080p
// stream fit); a keyframe's packets, bigger, are freed once written, instead of pinning a
// keyframe's size per variant until the next one.
constexpr size_t kKeptOutBytes = 64 * 1024;

void release_big_out(Variant& v) {
  if (v.out.capacity() > kKeptOutBytes) std::vector<uint8_t>().swap(v.out);
}

void write_video(Variant& v, const Pending& p) {
  v.out.clear();
  // A segment starts at a keyframe: the cutter decides whether this one starts one, then PAT
  // and PMT go in front of it, so every segment decodes on its own.
  if (p.keyframe) v.cutter.keyframe_ahead(clamp_rt(p.pts));
  if (p.keyframe || !v.tables_written) {
    v.writer.write_tables(v.out);
    v.tables_written = true;
  }
  GstMapInfo map;
  if (!gst_buffer_map(p.buf.get(), &map, GST_MAP_READ)) return;
  const std::span<const uint8_t> au{map.data, map.size};
  if (p.avc) {
    // Annex B gathered from the avc unit into the packets: one copy of the frame, no buffer for
    // the Annex B. The unit's lengths were checked when it came (video_chain).
    v.pieces.clear();
    if (p.avc->pieces(au, v.pieces)) v.writer.write_video(v.out, v.pieces, ts90(p.pts), ts90(p.dts), p.keyframe);
  } else {
    v.writer.write_video(v.out, au, ts90(p.pts), ts90(p.dts), p.keyframe);
  }
  gst_buffer_unmap(p.buf.get(), &map);
  v.cutter.push(v.out, clamp_rt(p.pts));
  release_big_out(v);
}

void write_audio(Variant& v, const Pending& p) {
  v.out.clear();
  if (!v.tables_written) {
    v.writer.write_tables(v.out);
    v.tables_written = true;
  }
  GstMapInfo map;
  if (!gst_buffer_map(p.buf.get(), &map, GST_MAP_READ)) return;
  v.writer.write_audio(v.out, {map.data, map.size}, ts90(p.pts), p.raw_aac ? &p.aac : nullptr);
  gst_buffer_unmap(p.buf.get(), &map);
  // With video the segments are measured in the video: audio ahead of the first picture (an
  // AAC encoder's priming frame) goes into the first segment without lengthening its EXTINF.
  v.cutter.push(v.out, clamp_rt(p.pts), v.audio_only);
}

// Writes what waits, in time order: an input waits for the other while it is at most
// kMaxHoldNs ahead of it (and the other has not ended).
void drain(KekHlsSink* self, Variant& v, bool force = false) {
  const bool has_video = v.pad != nullptr;
  const bool has_audio = self->impl.audio != nullptr;
  bool moved = false;
  while (!v.video_q.empty() || !v.audio_q.empty()) {
    bool take_video;
    if (!v.video_q.empty() && !v.audio_q.empty()) {
      take_video = v.video_q.front().dts <= v.audio_q.front().pts;
    } else if (!v.video_q.empty()) {
      const bool bounded = v.video_live || force;
      if (has_audio && !v.audio_eos && (!bounded || v.video_q.back().dts - v.video_q.front().dts < kMaxHoldNs)) break;
      take_video = true;
    } else {
      const bool bounded = v.audio_live || force;
      if (has_video && !v.video_eos && (!bounded || v.audio_q.back().pts - v.audio_q.front().pts < kMaxHoldNs)) break;
      take_video = false;
    }
    moved = true;
    if (take_video) {
      write_video(v, v.video_q.front());
      v.video_q.pop_front();
    } else {
      write_audio(v, v.audio_q.front());
      v.audio_q.pop_front();
    }
  }
  if (moved) v.moved.notify_all();
}

// A non-live input's thread, its buffer queued: while it is kMaxHoldNs ahead of the other input
// it waits for that one to catch up (at most kMaxWait, then what waits is written as for a live
// input).
void wait_for_other_input(KekHlsSink* self, Variant& v, std::unique_lock<std::mutex>& held, bool video) {
  auto ahead = [&] {
    if (v.flushing || v.finished || v.cutter.failed()) return false;
    if (video)
      return self->impl.audio != nullptr && !v.audio_eos && !v.video_q.empty() &&
             v.video_q.back().dts - v.video_q.front().dts >= kMaxHoldNs;
    return v.pad != nullptr && !v.video_eos && !v.audio_q.empty() &&
           v.audio_q.back().pts - v.audio_q.front().pts >= kMaxHoldNs;
  };
  const auto deadline = std::chrono::steady_clock::now() + kMaxWait;
  while (ahead()) {
    if (v.moved.wait_until(held, deadline) == std::cv_status::timeout) {
      if (ahead()) drain(self, v, true);
      return;
    }
  }
}

bool upstream_is_live(GstPad* pad) {
  GstQuery* q = gst_query_new_latency();
  gboolean live = TRUE;  // unknown: as live (never wait)
  if (gst_pad_peer_query(pad, q)) gst_query_parse_latency(q, &live, nullptr, nullptr);
  gst_query_unref(q);
  return live;
}

// Every input of the variant has ended: the last segment ends where its media did, the playlist
// gets EXT-X-ENDLIST, and once every variant is done the element is at EOS.
void maybe_finish(KekHlsSink* self, Variant& v, std::unique_lock<std::mutex>& held) {
  Impl& impl = self->impl;
  const bool has_video = v.pad != nullptr;
  if (v.finished || (has_video && !v.video_eos) || (impl.audio && !v.audio_eos)) return;
  drain(self, v);
  v.finished = true;
  uint64_t media_end = v.audio_only ? (impl.audio ? impl.audio->ended_at.load() : GST_CLOCK_TIME_NONE)
                                    : v.video_ended_at.load();
  v.cutter.finish(media_end);
  held.unlock();
  std::optional<WriteError> error;
  bool all_done = true;
  {
    std::lock_guard guard(impl.lock);
    error = v.playlist.end();
    v.eos = true;
    for (const auto& other : impl.variants) all_done = all_done && other->eos;
  }
  post_write_error(self, error);
  if (all_done) gst_element_post_message(GST_ELEMENT(self), gst_message_new_eos(GST_OBJECT(self)));
}

void reset_variant_stream(Variant& v) {
  v.video_q.clear();
  v.audio_q.clear();
  v.video_eos = v.audio_eos = false;
  v.tables_written = false;
  v.finished = false;
  v.flushing = false;
}

// --- the input pads ------------------------------------------------------------------------------

Variant* variant_of(GstPad* pad) { return static_cast<Variant*>(gst_pad_get_element_private(pad)); }
AudioInput* audio_of(GstPad* pad) { return static_cast<AudioInput*>(gst_pad_get_element_private(pad)); }

// Streaming thread of v->pad: whether an avc access unit's length prefixes hold together and it
// has any NAL unit (it is dropped if not, as a broken frame from a publisher should not end the
// stream). No copy: the unit is converted as it is written (write_video).
bool avc_unit_ok(Variant* v, GstBuffer* buf) {
  GstMapInfo map;
  if (!gst_buffer_map(buf, &map, GST_MAP_READ)) return false;
  const auto size = v->avc->measure({map.data, map.size});
  gst_buffer_unmap(buf, &map);
  if (!size)
    GST_WARNING_OBJECT(v->owner, "variant %s: dropping an H.264 access unit whose NAL lengths run past its end",
                       v->name.c_str());
  return size && *size > 0;
}

// Streaming thread of v->pad: the probe's facts acted on, then the access unit into the variant.
GstFlowReturn video_chain(GstPad* pad, GstObject*, GstBuffer* buf) {
  Variant* v = variant_of(pad);
  KekHlsSink* self = v->owner;
  auto owned = kek::MiniRef<GstBuffer>::adopt(buf);
  if (v->avc && !avc_unit_ok(v, buf)) return GST_FLOW_OK;
  BufferFacts facts = v->probe.buffer(buf, v->avc.get());
  if (facts.sps) apply_sps(self, *v, *facts.sps, facts.ts);
  if (G_UNLIKELY(facts.first)) {
    const bool live = upstream_is_live(pad);
    {
      std::lock_guard held(v->mu);
      v->video_live = live;
    }
    std::lock_guard guard(self->impl.lock);
    v->playlist.set_first_independent(facts.keyframe);
  } else if (G_UNLIKELY(facts.seam.has_value())) {
    register_seam(self, *v, v->pad, *facts.seam);
  }
  // A segment started: ask upstream encoders for a keyframe where the next one should start (a
  // passthrough rung ignores it and cuts at the publisher's keyframes).
  if (G_UNLIKELY(v->keyframe_request.load(std::memory_order_relaxed) != GST_CLOCK_TIME_NONE)) {
    uint64_t at = v->keyframe_request.exchange(GST_CLOCK_TIME_NONE);
    if (at != GST_CLOCK_TIME_NONE) gst_pad_push_event(v->pad, gst_video_event_new_upstream_force_key_unit(at, TRUE, 0));
  }
  if (facts.rates_changed) {
    std::lock_guard guard(self->impl.lock);
    v->rates = v->probe.rates();
    maybe_write_master(self, facts.ts, false);
  }
  const GstClockTime pts_ts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
  const GstClockTime dts_ts = GST_BUFFER_DTS_IS_VALID(buf) ? GST_BUFFER_DTS(buf) : GST_BUFFER_PTS(buf);
  auto pts = v->probe.signed_running_time(pts_ts), dts = v->probe.signed_running_time(dts_ts);
  if (!pts || !dts) {
    GST_WARNING_OBJECT(self, "variant %s: dropping a video buffer without a timestamp", v->name.c_str());
    return GST_FLOW_OK;
  }
  std::unique_lock held(v->mu);
  if (v->cutter.failed()) return GST_FLOW_ERROR;
  v->video_q.push_back({std::move(owned), *pts, std::min(*dts, *pts), facts.keyframe, v->avc});
  drain(self, *v);
  if (!v->video_live) wait_for_other_input(self, *v, held, true);
  return v->cutter.failed() ? GST_FLOW_ERROR : GST_FLOW_OK;
}

// Streaming thread of the audio pad: the frame goes into every variant (a reference each).
GstFlowReturn audio_chain(GstPad* pad, GstObject*, GstBuffer* buf) {
  AudioInput* a = audio_of(pad);
  KekHlsSink* self = a->owner;
  Impl& impl = self->impl;
  auto owned = kek::MiniRef<GstBuffer>::adopt(buf);
  BufferFacts facts = a->probe.buffer(buf);
  if (G_UNLIKELY(!a->live)) a->live = upstream_is_live(pad);
  if (G_UNLIKELY(facts.seam.has_value())) {
    // Only the audio-only variant cuts at an audio seam; video variants cut at their video's.
    Variant* v = nullptr;
    {
      std::lock_guard guard(impl.lock);
      v = audio_only_variant(impl);
    }
    if (v) register_seam(self, *v, nullptr, *facts.seam);
  }
  if (facts.rates_changed) {
    std::lock_guard guard(impl.lock);
    a->rates = a->probe.rates();
    maybe_write_master(self, facts.ts, false);
  }
  const GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
  auto pts = a->probe.signed_running_time(ts);
  if (!pts) {
    GST_WARNING_OBJECT(self, "dropping an audio buffer without a timestamp");
    return GST_FLOW_OK;
  }
  GstFlowReturn ret = GST_FLOW_OK;
  for (auto& variant : impl.variants) {
    Variant& v = *variant;
    // Audio that starts after the variant's video ended would make its last segment play far
    // longer than its EXTINF says.
    const uint64_t video_end = v.video_ended_at.load(std::memory_order_relaxed);
    if (GST_CLOCK_TIME_IS_VALID(video_end) && clamp_rt(*pts) >= video_end) continue;
    std::unique_lock held(v.mu);
    if (v.cutter.failed()) {
      ret = GST_FLOW_ERROR;
      continue;
    }
    Pending p{owned, *pts, *pts, true};
    if (a->aac) {
      p.aac = *a->aac;
      p.raw_aac = true;
    }
    v.audio_q.push_back(std::move(p));
    v.audio_live = *a->live;
    drain(self, v);
    if (!v.audio_live) wait_for_other_input(self, v, held, false);
    if (v.cutter.failed()) ret = GST_FLOW_ERROR;
  }
  return ret;
}

gboolean video_event(GstPad* pad, GstObject*, GstEvent* event) {
  Variant* v = variant_of(pad);
  KekHlsSink* self = v->owner;
  Impl& impl = self->impl;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      if (!on_video_caps(v, caps)) {
        gst_event_unref(event);
        return FALSE;
      }
      break;
    }
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (kek::is_stream_seam_event(event)) v->probe.mark_seam();
      break;
    case GST_EVENT_SEGMENT: {
      const GstSegment* segment = nullptr;
      gst_event_parse_segment(event, &segment);
      v->probe.segment(*segment);
      v->video_ended_at.store(GST_CLOCK_TIME_NONE, std::memory_order_relaxed);
      break;
    }
    case GST_EVENT_FLUSH_START: {
      std::lock_guard held(v->mu);
      v->flushing = true;
      v->moved.notify_all();
      break;
    }
    case GST_EVENT_FLUSH_STOP: {
      v->probe.flush();
      v->video_ended_at.store(GST_CLOCK_TIME_NONE, std::memory_order_relaxed);
      std::lock_guard held(v->mu);
      v->video_q.clear();
      v->video_eos = false;
      v->finished = false;
      v->flushing = false;
      std::lock_guard guard(impl.lock);
      v->eos = false;
      break;
    }
    case GST_EVENT_EOS: {
      if (uint64_t end = v->probe.end_running_time(); GST_CLOCK_TIME_IS_VALID(end))
        v->video_ended_at.store(end, std::memory_order_relaxed);
      if (v->probe.finish()) {
        std::lock_guard guard(impl.lock);
        v->rates = v->probe.rates();
        maybe_write_master(self, impl.master.last_write_ts(), true);
      }
      std::unique_lock held(v->mu);
      v->video_eos = true;
      v->moved.notify_all();
      // Audio waiting past the video's end is not written (see audio_chain).
      const uint64_t end = v->video_ended_at.load();
      if (GST_CLOCK_TIME_IS_VALID(end))
        while (!v->audio_q.empty() && clamp_rt(v->audio_q.back().pts) >= end) v->audio_q.pop_back();
      drain(self, *v);
      maybe_finish(self, *v, held);
      break;
    }
    default:
      break;
  }
  // Every event ends here: kekhlssink is a sink.
  gst_event_unref(event);
  return TRUE;
}

gboolean audio_event(GstPad* pad, GstObject*, GstEvent* event) {
  AudioInput* a = audio_of(pad);
  KekHlsSink* self = a->owner;
  Impl& impl = self->impl;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      std::string codec = kek::hls::audio_codec_from_caps(caps);
      // Raw AAC gets an ADTS header per frame from its AudioSpecificConfig; ADTS is written as it is.
      const GstStructure* s = gst_caps_get_structure(caps, 0);
      const char* format = s ? gst_structure_get_string(s, "stream-format") : nullptr;
      std::optional<kek::hls::AacConfig> aac;
      if (g_strcmp0(format, "adts") != 0) {
        const GValue* cd = s ? gst_structure_get_value(s, "codec_data") : nullptr;
        if (cd && G_VALUE_HOLDS(cd, GST_TYPE_BUFFER)) {
          GstMapInfo map;
          GstBuffer* b = gst_value_get_buffer(cd);
          if (gst_buffer_map(b, &map, GST_MAP_READ)) {
            aac = kek::hls::aac_config_from_asc({map.data, map.size});
            gst_buffer_unmap(b, &map);
          }
        }
        if (!aac) aac = kek::hls::AacConfig();  // LC, 48 kHz, stereo: what a caps without codec_data most likely is
      }
      a->aac = aac;  // this thread's: each frame carries what its header needs into the variants
      // flvdemux's raw frames come without durations (aacparse's have them): the playlist's
      // last segment and the bandwidth still count each frame's 1024 samples.
      a->probe.set_default_duration(aac ? kek::hls::aac_frame_duration_ns(*aac) : 0);
      {
        std::lock_guard guard(impl.lock);
        if (a->have_caps && codec != a->codec) impl.master.format_changed();
        a->codec = std::move(codec);
        a->have_caps = true;
        maybe_write_master(self, impl.master.last_write_ts(), false);
      }
      break;
    }
    case GST_EVENT_SEGMENT: {
      const GstSegment* segment = nullptr;
      gst_event_parse_segment(event, &segment);
      a->probe.segment(*segment);
      break;
    }
    case GST_EVENT_FLUSH_START:
      for (auto& v : impl.variants) {
        std::lock_guard held(v->mu);
        v->flushing = true;
        v->moved.notify_all();
      }
      break;
    case GST_EVENT_FLUSH_STOP:
      a->probe.flush();
      for (auto& v : impl.variants) {
        std::lock_guard held(v->mu);
        v->audio_q.clear();
        v->audio_eos = false;
        v->flushing = false;
      }
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
        maybe_write_master(self, impl.master.last_write_ts(), true);
      }
      for (auto& variant : impl.variants) {
        std::unique_lock held(variant->mu);
        variant->audio_eos = true;
        variant->moved.notify_all();
        drain(self, *variant);
        maybe_finish(self, *variant, held);
      }
      break;
    default:
      break;
  }
  gst_event_unref(event);
  return TRUE;
}

// --- pads ----------------------------------------------------------------------------------------

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
  GstPad* pad = gst_pad_new_from_template(templ, pad_name);
  gst_pad_set_element_private(pad, v.get());
  gst_pad_set_chain_function(pad, video_chain);
  gst_pad_set_event_function(pad, video_event);
  v->pad = pad;
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
  GstPad* pad = gst_pad_new_from_template(templ, "audio");
  gst_pad_set_element_private(pad, audio.get());
  gst_pad_set_chain_function(pad, audio_chain);
  gst_pad_set_event_function(pad, audio_event);
  audio->pad = pad;
  {
    std::lock_guard guard(impl.lock);
    impl.audio = std::move(audio);
  }
  gst_element_add_pad(GST_ELEMENT(self), pad);
  return pad;
}

// A playlist a finished run left (EXT-X-ENDLIST) is removed; true when there was one.
bool remove_if_ended(const char* playlist) {
  g_autofree char* text = nullptr;
  if (!g_file_get_contents(playlist, &text, nullptr, nullptr) || !strstr(text, "#EXT-X-ENDLIST")) return false;
  if (g_remove(playlist) != 0 && errno != ENOENT) return false;
  return true;
}

// READY -> PAUSED, before data flows: name the variants, make their directories, give every
// cutter a segment prefix of its own, and start the playlists and the measurements afresh.
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
    std::lock_guard guard(impl.lock);
    impl.variants.push_back(new_variant(self, 0, true));
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
    {
      std::lock_guard held(v.mu);
      v.cutter.start(std::string(dir) + "/" + std::to_string(prefix_ms) + "-", v.audio_only);
      v.writer.configure(!v.audio_only, impl.audio != nullptr);
      reset_variant_stream(v);
    }
    v.keyframe_request.store(GST_CLOCK_TIME_NONE);
    v.video_ended_at.store(GST_CLOCK_TIME_NONE);
    v.probe.start(window_ns);

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
    impl.audio->aac.reset();
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

// PAUSED -> READY, after the pads stopped: a segment cut off here is not listed, and the
// audio-only variant exists only for a run (a video pad requested before the next one does not
// find it in the way).
void end_run(KekHlsSink* self) {
  Impl& impl = self->impl;
  for (auto& v : impl.variants) {
    std::lock_guard held(v->mu);
    v->cutter.discard();
    reset_variant_stream(*v);
  }
  if (impl.variants.size() != 1 || !impl.variants[0]->audio_only) return;
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

void remove_pad(KekHlsSink* self, GstPad* pad) {
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(GST_ELEMENT(self), pad);
}

}  // namespace

static GstPad* kek_hls_sink_request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar* name,
                                            const GstCaps*) {
  auto* self = KEK_HLS_SINK(element);
  // Variants are wired up before the run starts (pipelines are parsed, then played); adding one
  // to a running ladder would need a master rewrite mid-stream.
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
    remove_pad(self, pad);
    std::lock_guard guard(impl.lock);
    impl.audio.reset();
    return;
  }
  auto it = std::find_if(impl.variants.begin(), impl.variants.end(), [pad](const auto& v) { return v->pad == pad; });
  if (it == impl.variants.end()) return;
  remove_pad(self, pad);
  std::lock_guard guard(impl.lock);
  impl.variants.erase(it);
}

static GstStateChangeReturn kek_hls_sink_change_state(GstElement* element, GstStateChange transition) {
  auto* self = KEK_HLS_SINK(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !prepare_run(self)) {
    end_run(self);  // the audio-only variant may have been made before the error
    return GST_STATE_CHANGE_FAILURE;
  }
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    // An input waiting for the other (non-live) lets go before its pad is deactivated.
    for (auto& v : self->impl.variants) {
      std::lock_guard held(v->mu);
      v->flushing = true;
      v->moved.notify_all();
    }
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(kek_hls_sink_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    end_playlists(self);
    end_run(self);
  }
  return ret;
}

static void kek_hls_sink_dispose(GObject* object) {
  auto* self = KEK_HLS_SINK(object);
  Impl& impl = self->impl;
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
                                        "HLS variants (MPEG-TS written on the inputs' threads, cut into segments at "
                                        "keyframes) with their media playlists and the master playlist",
                                        "KEK");
  GST_DEBUG_CATEGORY_INIT(kek_hls_sink_debug, "kekhlssink", 0, "KEK HLS ladder sink");
}
