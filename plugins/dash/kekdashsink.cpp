// kekdashsink, the element glue and the track logic: pads, properties, state changes, and each
// pad's samples gathered into segments (cut points, the run's origin, joining Periods). The
// writing is segment_writer's, the Period rules periods', the MPD's content manifest_builder's
// (its text mpd's, the boxes fmp4's).
#include "kekdashsink.h"

#include "fmp4.h"
#include "hls_builder.h"
#include "hls_playlists.h"
#include "ll_notices.h"
#include "manifest_builder.h"
#include "mpd.h"
#include "parts.h"
#include "periods.h"
#include "presentation.h"
#include "segment_writer.h"

#include <kek/host.h>
#include <kek/media/codec_strings.h>
#include <kek/media/rendition_settings.h>
#include <kek/services.h>
#include <kek/stream_seam.h>

#include <gst/tag/tag.h>
#include <sys/uio.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(kek_dash_sink_debug);
#define GST_CAT_DEFAULT kek_dash_sink_debug

namespace {

constexpr guint kDefaultTargetDuration = 2;
constexpr guint kDefaultWindow = 6;
constexpr const char* kDefaultMpdName = "manifest.mpd";
// Until every pad has shown its first timestamp the run's origin (media time 0) is unknown and
// closed segments wait in memory. A pad that stays silent this long is left out of the decision
// (its earlier media is then dropped): enough for any encoder's start-up, small in memory.
constexpr uint64_t kOriginWaitNs = 30 * GST_SECOND;

// Properties, guarded by the object lock; read once per run in prepare_run().
struct Settings {
  std::string location;
  std::string representations;
  std::string bitrates;
  guint target_duration = kDefaultTargetDuration;
  guint window = kDefaultWindow;
  std::string mpd_name = kDefaultMpdName;
  std::string hls_master_name;  // "": no HLS playlists
  std::string startup_durations;  // "1,1,2": shorter first segments; "": every one target-duration
  double part_duration = 0;       // seconds of an LL-HLS part; 0: no parts
};

// LL-HLS: the parts of this many of the newest segments are listed, of one more kept on disk
// (a player may still fetch a part that just slid out).
constexpr size_t kListedPartSegments = 3;
constexpr size_t kKeptPartSegments = kListedPartSegments + 1;

using kek::dash::ListedSegment;
using kek::dash::PeriodState;
using kek::dash::TrackConfig;
using kek::dash::WriteError;

struct Sample {
  GstBuffer* buf = nullptr;  // owned
  int64_t dts = 0, pts = 0;  // running time, ns (DTS may be negative with B-frames)
  bool sync = true;
};

void release_samples(std::vector<Sample>& samples) {
  for (auto& s : samples) gst_buffer_unref(s.buf);
  samples.clear();
}

struct ClosedSegment {
  std::vector<Sample> samples;
  // With parts: where each part starts in `samples`, how many are on disk already (written while
  // the segment was open) and their moof + mdat headers. Empty: one chunk.
  std::vector<size_t> part_starts;
  size_t parts_written = 0;
  std::vector<std::vector<uint8_t>> part_headers;
  int64_t end_dts = 0;  // where the next segment's decoding starts: the last sample's duration
  int64_t end_pts = 0;  // where the next segment's presentation starts: this one's duration
  guint period = 0;
  std::shared_ptr<const TrackConfig> config;
};

struct Track {
  Track() { gst_segment_init(&segment, GST_FORMAT_TIME); }
  ~Track() { reset(); }

  void reset() {
    release_samples(open);
    for (auto& w : waiting) release_samples(w.samples);
    waiting.clear();
  }

  KekDashSink* owner = nullptr;
  GstPad* pad = nullptr;  // owned by the element
  bool video = true;
  guint index = 0;  // video_<index>, audio_<index>; the plain `audio` pad is audio index 0
  std::string name;  // set in prepare_run (before streaming), read-only afterwards

  // The streaming thread's state. `mu` is held by the pad's streaming thread while it works, and
  // by another thread only to write out what a track that already ended left waiting.
  std::mutex mu;
  GstSegment segment;
  std::shared_ptr<const TrackConfig> config;
  bool need_keyframe = true;
  bool media_in_period = false;  // a sample since the track entered its current period
  std::vector<Sample> open;      // the segment being gathered
  std::vector<Sample> spare;     // a drained vector kept for its capacity
  int64_t open_start = 0;        // DTS of the open segment's first sample
  int64_t max_pts_end = INT64_MIN;
  int64_t boundary_base = 0;     // audio (and video with startup durations): cuts on a grid from here
  uint64_t boundary_k = 1;       // the next boundary's number
  int64_t last_dts = 0;
  int64_t last_duration = 0;
  uint64_t waiting_ns = 0;       // media held in `waiting` before the origin is known
  std::deque<ClosedSegment> waiting;  // closed, not yet written (origin unknown)
  uint64_t next_number = 1;
  uint32_t next_sequence = 1;     // mfhd: one per chunk (part), across segments and Periods
  // LL-HLS parts of the open segment: where each starts in `open` (the last one still growing),
  // how many are on disk, their moof + mdat headers (the segment repeats them).
  std::vector<size_t> part_starts;
  size_t parts_written = 0;
  std::vector<std::vector<uint8_t>> part_headers;
  kek::dash::SegmentWriter writer;  // its folder (set in prepare_run)
  // Reused for every segment, so steady state allocates nothing per sample.
  std::vector<uint8_t> header;
  std::vector<kek::dash::FragmentSample> fragment;
  std::vector<GstMapInfo> maps;
  std::vector<iovec> iov;

  // Guarded by Impl::lock: what the manifest says of it (name, video and declared_bps are set
  // in prepare_run and read-only afterwards), and its first timestamp.
  kek::dash::RepresentationState rep;
  int64_t first_ts = 0;
};

struct Impl {
  Settings settings;  // object lock
  kek::Services* services = nullptr;  // object lock: from the kek.services context (none outside kek)

  // Changed in request/release pad only, never while streaming.
  std::vector<std::unique_ptr<Track>> tracks;  // video by pad index, then audio by pad index

  // The current run, fixed in prepare_run.
  uint64_t target_ns = kDefaultTargetDuration * GST_SECOND;
  // The first segments' boundaries after a Period's start (running sums of startup-durations);
  // with them, video is cut on the grid too (at the first keyframe at/after each boundary).
  std::vector<uint64_t> startup_ns;
  guint window = kDefaultWindow;
  std::string mpd_path;
  std::string location;
  std::string hls_master_path;  // "": no HLS
  uint64_t part_ns = 0;         // LL-HLS part duration; 0: no parts
  // Told of every part, segment and playlist in place (the LL-HLS hold); null: just write.
  kek::dash::LlNotices* notices = nullptr;
  int64_t prefix_ms = 0;
  int64_t last_prefix_ms = 0;

  // Written once under `lock`, then read lock-free by the streaming threads.
  std::atomic<bool> origin_known{false};
  int64_t origin = 0;

  std::mutex lock;  // the run state below and Track's guarded fields
  std::vector<PeriodState> periods;
  std::atomic<size_t> period_count{1};  // periods.size(), for a lock-free look on every buffer
  int64_t availability_start_us = 0;
  uint64_t max_segment_ns = 0;
  bool finished = false;
  std::vector<uint64_t> master_bps;  // bandwidths the HLS master was last written with; empty: not yet
};

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_REPRESENTATIONS,
  PROP_BITRATES,
  PROP_TARGET_DURATION,
  PROP_WINDOW,
  PROP_MPD_NAME,
  PROP_HLS_MASTER_NAME,
  PROP_STARTUP_DURATIONS,
  PROP_PART_DURATION,
};

}  // namespace

struct _KekDashSink {
  GstElement parent;
  Impl impl;  // constructed in init, destroyed in finalize
};

G_DEFINE_TYPE(KekDashSink, kek_dash_sink, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(kekdashsink, "kekdashsink", GST_RANK_NONE, KEK_TYPE_DASH_SINK)

// avc: the samples go into mdat as they are (length-prefixed NAL units), and codec_data is the
// avcC the init segment needs. h264parse upstream converts from byte-stream.
static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE(
    "video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("video/x-h264, stream-format=(string)avc, alignment=(string)au"));
#define KEK_DASH_AAC_CAPS "audio/mpeg, mpegversion=(int)4, stream-format=(string)raw, framed=(boolean)true"
static GstStaticPadTemplate audio_template =
    GST_STATIC_PAD_TEMPLATE("audio", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS(KEK_DASH_AAC_CAPS));
// More audio tracks (languages, commentary): one Representation and AdaptationSet each in the
// MPD, one EXT-X-MEDIA rendition each in the HLS master.
static GstStaticPadTemplate audio_n_template =
    GST_STATIC_PAD_TEMPLATE("audio_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS(KEK_DASH_AAC_CAPS));

namespace {

using Lock = std::lock_guard<std::mutex>;

// A keyframe forced at a boundary may carry a timestamp a hair before it (rounding upstream).
constexpr int64_t kGridSlackNs = 20 * GST_MSECOND;

// Where the k-th segment boundary (k >= 1) lies after a Period's start: the startup durations'
// running sums, then one every target duration.
int64_t boundary_after(const Impl& impl, uint64_t k) {
  const size_t n = impl.startup_ns.size();
  if (k <= n) return static_cast<int64_t>(impl.startup_ns[k - 1]);
  return static_cast<int64_t>((n ? impl.startup_ns.back() : 0) + (k - n) * impl.target_ns);
}

uint64_t to_ticks(uint64_t ns, uint32_t timescale) { return gst_util_uint64_scale_round(ns, timescale, GST_SECOND); }

// Running time of a buffer timestamp, signed: with B-frames the first DTS precede the segment.
std::optional<int64_t> running_time(const GstSegment& segment, GstClockTime ts) {
  if (!GST_CLOCK_TIME_IS_VALID(ts)) return std::nullopt;
  guint64 rt = 0;
  int sign = gst_segment_to_running_time_full(&segment, GST_FORMAT_TIME, ts, &rt);
  if (sign == 0 || rt > static_cast<guint64>(INT64_MAX)) return std::nullopt;
  return sign > 0 ? static_cast<int64_t>(rt) : -static_cast<int64_t>(rt);
}

void post_write_error(KekDashSink* self, const WriteError& error) {
  GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Could not write %s: %s", error.path.c_str(), error.reason.c_str()),
                    ("%s", error.reason.c_str()));
}

// --- the manifest --------------------------------------------------------------------------------

// Lock held. One Representation's HLS media playlist; with parts, the LL-HLS hold is told.
void write_hls_media(KekDashSink* self, const Track& t, bool ended) {
  Impl& impl = self->impl;
  if (impl.hls_master_path.empty()) return;
  kek::dash::HlsParams params;
  params.target_ns = impl.target_ns;
  params.media_prefix = std::to_string(impl.prefix_ms);
  params.event = impl.window == 0;
  params.ended = ended;
  // A live presentation's segments are dated (a film's, every segment kept, are not).
  if (impl.window != 0 && impl.origin_known.load()) params.availability_start_us = impl.availability_start_us;
  if (impl.part_ns) {
    params.part_target_ns = impl.part_ns;
    params.part_segments = kListedPartSegments;
    params.open_map_uri = t.writer.init_name(t.rep.period);
    // Every other rendition of the ladder, video rungs and audio (RFC 8216bis 4.4.5.4).
    for (const auto& other : impl.tracks) {
      if (other.get() == &t || (other->rep.listed.empty() && other->rep.open_parts.empty())) continue;
      const kek::dash::HlsPosition at = kek::dash::hls_position(other->rep);
      params.reports.push_back({"../" + kek::dash::hls_media_path(other->name), at.msn, at.part});
    }
  }
  const kek::dash::HlsMediaPlaylist playlist = kek::dash::build_hls_media(t.rep, params);
  std::string text = kek::dash::render_hls_media(playlist);
  std::string path = impl.location + "/" + kek::dash::hls_media_path(t.name);
  if (auto error = kek::dash::replace_file(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()})) {
    post_write_error(self, *error);
    return;
  }
  if (!impl.notices || !impl.part_ns) return;
  // ll_notices.h: `part` is the open segment's newest part, -1 when `msn` is whole.
  kek::dash::LlPlaylistState state;
  state.path = std::move(path);
  if (!t.rep.open_parts.empty() && !ended) {
    state.msn = t.rep.next_number - 1;
    state.part = static_cast<int64_t>(t.rep.open_parts.size()) - 1;
  } else if (!t.rep.listed.empty()) {
    state.msn = t.rep.listed.back().number - 1;
  }
  state.target_ns = static_cast<uint64_t>(kek::dash::hls_target_duration(playlist)) * GST_SECOND;
  state.part_target_ns = impl.part_ns;
  state.ended = ended;
  impl.notices->playlist_written(state);
}

// Lock held. The HLS master, once every Representation has a segment (players fetch the media
// playlists at once), again when a measured bandwidth grew by a tenth, and at the end.
void maybe_write_hls_master(KekDashSink* self, bool final) {
  Impl& impl = self->impl;
  if (impl.hls_master_path.empty()) return;
  std::vector<const kek::dash::RepresentationState*> reps;
  std::vector<uint64_t> bps;
  for (const auto& t : impl.tracks) {
    if (t->rep.listed.empty()) {
      if (t->rep.ended && !t->rep.have_first) continue;  // a pad that never sent anything
      if (!final) return;
      continue;
    }
    reps.push_back(&t->rep);
    bps.push_back(t->rep.bandwidth());
  }
  if (reps.empty()) return;
  bool grew = impl.master_bps.size() != bps.size();
  for (size_t i = 0; !grew && i < bps.size(); ++i) grew = bps[i] > impl.master_bps[i] + impl.master_bps[i] / 10;
  if (!grew && !final) return;
  std::string text = kek::dash::render_hls_master(kek::dash::build_hls_master(reps));
  if (auto error =
          kek::dash::replace_file(impl.hls_master_path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()})) {
    post_write_error(self, *error);
    return;
  }
  impl.master_bps = std::move(bps);
  GST_LOG_OBJECT(self, "wrote %s", impl.hls_master_path.c_str());
}

// Lock held.
void write_manifest(KekDashSink* self, bool live) {
  Impl& impl = self->impl;
  std::vector<const kek::dash::RepresentationState*> reps;
  reps.reserve(impl.tracks.size());
  for (const auto& t : impl.tracks) reps.push_back(&t->rep);
  kek::dash::ManifestParams params;
  params.live = live;
  params.availability_start_us = impl.availability_start_us;
  params.publish_us = g_get_real_time();
  params.target_ns = impl.target_ns;
  params.max_segment_ns = impl.max_segment_ns;
  params.window = impl.window;
  params.media_prefix = std::to_string(impl.prefix_ms);
  kek::dash::Manifest m = kek::dash::build_manifest(reps, impl.periods, params);
  if (m.periods.empty()) return;
  std::string text = kek::dash::render_mpd(m);
  if (auto error = kek::dash::replace_file(impl.mpd_path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()})) {
    post_write_error(self, *error);
    return;
  }
  GST_LOG_OBJECT(self, "wrote %s", impl.mpd_path.c_str());
}

// --- the origin ----------------------------------------------------------------------------------

// Lock held. Media time 0 is the earliest first timestamp of all tracks, so A/V sync survives
// whatever order their first buffers arrive in. Decided when every track has shown one (or
// ended), or when one has waited too long for a silent one. Returns true if decided now.
bool maybe_decide_origin(KekDashSink* self, bool force) {
  Impl& impl = self->impl;
  if (impl.origin_known.load()) return false;
  bool all = true, any = false;
  int64_t origin = INT64_MAX;
  for (const auto& t : impl.tracks) {
    if (t->rep.have_first) {
      any = true;
      origin = std::min(origin, t->first_ts);
    } else if (!t->rep.ended) {
      all = false;
    }
  }
  if (!any || (!all && !force)) return false;
  impl.origin = origin;
  // availabilityStartTime is the wall clock of media time 0: running time maps to the pipeline
  // clock, so a live pipeline's segments become available when the MPD says they are.
  int64_t now_us = g_get_real_time();
  int64_t running_ns = -1;
  if (GstClock* clock = gst_element_get_clock(GST_ELEMENT(self))) {
    GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
    GstClockTime now = gst_clock_get_time(clock);
    if (now >= base) running_ns = static_cast<int64_t>(now - base);
    gst_object_unref(clock);
  }
  if (running_ns < 0) running_ns = origin;
  impl.availability_start_us = now_us - (running_ns - origin) / 1000;
  impl.origin_known.store(true);
  GST_INFO_OBJECT(self, "origin: running time %" G_GINT64_FORMAT " ns%s", origin,
                  all ? "" : " (a silent pad was left out)");
  return true;
}

// --- writing segments and parts ------------------------------------------------------------------

// Running time to the track's timescale, counted from the run's origin.
struct Ticks {
  int64_t origin = 0;
  uint32_t timescale = 1;
  uint64_t operator()(int64_t rt) const {
    return to_ticks(static_cast<uint64_t>(std::max<int64_t>(rt - origin, 0)), timescale);
  }
};

// Writes the init segment of `period` unless it is the one on disk.
GstFlowReturn ensure_init(Track& t, unsigned period, const TrackConfig& c) {
  if (t.writer.has_init(period)) return GST_FLOW_OK;
  std::vector<uint8_t> init;
  if (t.video)
    init = kek::dash::video_init_segment({static_cast<uint32_t>(c.width), static_cast<uint32_t>(c.height), c.codec_data});
  else
    init = kek::dash::audio_init_segment({static_cast<uint32_t>(c.rate), static_cast<uint16_t>(c.channels),
                                          c.codec_data, static_cast<uint32_t>(t.rep.declared_bps)});
  if (auto error = t.writer.write_init(period, init)) {
    post_write_error(t.owner, *error);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

// Samples [begin, end) as one CMAF chunk (a part, or a whole segment without parts): its moof +
// mdat header into `header`, the next mfhd sequence number. Durations come from the next DTS
// (the last one from end_dts, where the next chunk decodes), composition offsets from PTS - DTS,
// on absolute ticks so rounding never accumulates. Adds the payload's size to *payload.
bool chunk_of(Track& t, const std::vector<Sample>& samples, size_t begin, size_t end, int64_t end_dts,
              const Ticks& ticks, std::vector<uint8_t>& header, uint64_t* payload) {
  t.fragment.clear();
  for (size_t i = begin; i < end; ++i) {
    const Sample& s = samples[i];
    const int64_t next = i + 1 < end ? samples[i + 1].dts : end_dts;
    kek::dash::FragmentSample f;
    const uint64_t dts = ticks(s.dts), pts = ticks(s.pts);
    f.duration = static_cast<uint32_t>(ticks(next) - dts);
    f.size = static_cast<uint32_t>(gst_buffer_get_size(s.buf));
    f.sync = s.sync;
    f.composition_offset = static_cast<int32_t>(static_cast<int64_t>(pts) - static_cast<int64_t>(dts));
    *payload += f.size;
    t.fragment.push_back(f);
  }
  return kek::dash::chunk_header(header, t.next_sequence++, ticks(samples[begin].dts), t.fragment, t.video);
}

// Appends the memories of samples [begin, end) to t.iov (mapped into t.maps): the payload
// straight from the buffers, no copy.
bool map_payload(Track& t, const std::vector<Sample>& samples, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    GstBuffer* buf = samples[i].buf;
    for (guint m = 0, n = gst_buffer_n_memory(buf); m < n; ++m) {
      GstMapInfo info;
      if (!gst_memory_map(gst_buffer_peek_memory(buf, m), &info, GST_MAP_READ)) return false;
      t.maps.push_back(info);
      t.iov.push_back({info.data, info.size});
    }
  }
  return true;
}

void unmap_payload(Track& t) {
  for (auto& info : t.maps) gst_memory_unmap(info.memory, &info);
  t.maps.clear();
  t.iov.clear();
}

// Part `index` of segment `number`: samples [begin, end) of `samples`, written with `header`.
// Returns what the playlists say of it.
std::optional<kek::dash::ListedPart> write_part(Track& t, const std::vector<Sample>& samples, size_t begin, size_t end,
                                                int64_t end_dts, uint64_t number, unsigned index,
                                                const std::vector<uint8_t>& header) {
  Impl& impl = t.owner->impl;
  t.maps.clear();
  t.iov.clear();
  std::optional<WriteError> error = map_payload(t, samples, begin, end)
                                        ? t.writer.write_part(number, index, header, t.iov)
                                        : WriteError{t.writer.part_path(number, index), g_strerror(EFAULT)};
  unmap_payload(t);
  if (error) {
    post_write_error(t.owner, *error);
    return std::nullopt;
  }
  if (impl.notices) impl.notices->file_written(t.writer.part_path(number, index));
  // When a part whose first sample decodes at running time `dts` is on disk, on the wall clock:
  // what bench/latency/parts.py reads to tell how late a live path's parts are written.
  GST_DEBUG_OBJECT(t.owner, "%s: part %" G_GUINT64_FORMAT ".%u dts %" G_GINT64_FORMAT " ns (origin %" G_GINT64_FORMAT
                   ") written at %" G_GINT64_FORMAT " us wall", t.name.c_str(), number, index, samples[begin].dts,
                   impl.origin, g_get_real_time());
  const int64_t span = std::max<int64_t>(end_dts - samples[begin].dts, 0);
  return kek::dash::ListedPart{static_cast<uint64_t>(span), samples[begin].sync};
}

// t.mu held. The parts of the open segment that are complete (all but the last one, which is
// still growing), once the origin is known and nothing older waits; the playlist after each.
GstFlowReturn write_open_parts(Track& t) {
  KekDashSink* self = t.owner;
  Impl& impl = self->impl;
  if (impl.part_ns == 0 || !impl.origin_known.load() || !t.waiting.empty()) return GST_FLOW_OK;
  if (t.parts_written + 1 >= t.part_starts.size()) return GST_FLOW_OK;
  unsigned period;
  {
    Lock guard(impl.lock);
    period = t.rep.period;
  }
  if (ensure_init(t, period, *t.config) != GST_FLOW_OK) return GST_FLOW_ERROR;
  const Ticks ticks{impl.origin, kek::dash::timescale_of(t.video, *t.config)};
  const uint64_t number = t.next_number;
  while (t.parts_written + 1 < t.part_starts.size()) {
    const size_t i = t.parts_written;
    const size_t begin = t.part_starts[i], end = t.part_starts[i + 1];
    if (t.part_headers.size() <= i) t.part_headers.resize(i + 1);
    uint64_t payload = 0;
    if (!chunk_of(t, t.open, begin, end, t.open[end].dts, ticks, t.part_headers[i], &payload)) {
      GST_ELEMENT_ERROR(self, STREAM, MUX, ("Part %zu of segment %" G_GUINT64_FORMAT " of %s is too large", i, number,
                        t.name.c_str()), (nullptr));
      return GST_FLOW_ERROR;
    }
    auto part = write_part(t, t.open, begin, end, t.open[end].dts, number, static_cast<unsigned>(i), t.part_headers[i]);
    if (!part) return GST_FLOW_ERROR;
    ++t.parts_written;
    GST_LOG_OBJECT(self, "%s: part %" G_GUINT64_FORMAT ".%zu, %zu samples, %" G_GUINT64_FORMAT " ns%s", t.name.c_str(),
                   number, i, end - begin, part->duration_ns, part->independent ? ", independent" : "");
    Lock guard(impl.lock);
    t.rep.next_number = number;
    t.rep.open_parts.push_back(*part);
    if (!impl.finished) write_hls_media(self, t, false);
  }
  return GST_FLOW_OK;
}

// t.mu held. A closed segment: its parts not yet on disk, then the segment itself (styp and the
// same chunks' bytes), then the manifests.
GstFlowReturn write_segment(Track& t, ClosedSegment& seg) {
  KekDashSink* self = t.owner;
  Impl& impl = self->impl;
  const TrackConfig& c = *seg.config;
  const uint32_t timescale = kek::dash::timescale_of(t.video, c);
  const Ticks ticks{impl.origin, timescale};
  if (ensure_init(t, seg.period, c) != GST_FLOW_OK) return GST_FLOW_ERROR;

  // Without parts the segment is one chunk.
  if (seg.part_starts.empty()) seg.part_starts.push_back(0);
  const size_t nparts = seg.part_starts.size();
  auto part_end = [&](size_t i) { return i + 1 < nparts ? seg.part_starts[i + 1] : seg.samples.size(); };
  auto part_end_dts = [&](size_t i) { return i + 1 < nparts ? seg.samples[seg.part_starts[i + 1]].dts : seg.end_dts; };
  const uint64_t number = t.next_number;
  uint64_t payload = 0;
  // The parts already on disk count too.
  for (size_t i = 0; i < seg.parts_written; ++i)
    for (size_t k = seg.part_starts[i]; k < part_end(i); ++k) payload += gst_buffer_get_size(seg.samples[k].buf);
  if (seg.part_headers.size() < nparts) seg.part_headers.resize(nparts);
  std::vector<kek::dash::ListedPart> new_parts;
  for (size_t i = seg.parts_written; i < nparts; ++i) {
    if (!chunk_of(t, seg.samples, seg.part_starts[i], part_end(i), part_end_dts(i), ticks, seg.part_headers[i],
                  &payload)) {
      GST_ELEMENT_ERROR(self, STREAM, MUX, ("Segment %" G_GUINT64_FORMAT " of %s is too large", number, t.name.c_str()),
                        (nullptr));
      return GST_FLOW_ERROR;
    }
    if (impl.part_ns == 0) continue;
    auto part = write_part(t, seg.samples, seg.part_starts[i], part_end(i), part_end_dts(i), number,
                           static_cast<unsigned>(i), seg.part_headers[i]);
    if (!part) return GST_FLOW_ERROR;
    new_parts.push_back(*part);
  }
  uint64_t ept = UINT64_MAX;
  for (const Sample& s : seg.samples) ept = std::min(ept, ticks(s.pts));

  // styp, then each chunk's header and its samples' memories: one writev, no copy.
  t.header.clear();
  kek::dash::segment_type(t.header);
  t.maps.clear();
  t.iov.clear();
  bool mapped = true;
  for (size_t i = 0; i < nparts && mapped; ++i) {
    t.iov.push_back({seg.part_headers[i].data(), seg.part_headers[i].size()});
    mapped = map_payload(t, seg.samples, seg.part_starts[i], part_end(i));
  }
  std::optional<WriteError> error =
      mapped ? t.writer.write_segment(number, seg.period, t.header, t.iov)
             : WriteError{t.writer.segment_path(number), g_strerror(EFAULT)};
  unmap_payload(t);
  if (error) {
    post_write_error(self, *error);
    return GST_FLOW_ERROR;
  }
  t.next_number = number + 1;
  if (impl.notices && impl.part_ns) impl.notices->file_written(t.writer.segment_path(number));

  uint64_t header_bytes = t.header.size();
  for (size_t i = 0; i < nparts; ++i) header_bytes += seg.part_headers[i].size();
  uint64_t end = ticks(seg.end_pts);
  uint64_t d = end > ept ? end - ept : 0;
  if (d == 0) d = ticks(seg.end_dts) - ticks(seg.samples.front().dts);
  const uint64_t d_ns = gst_util_uint64_scale(d, GST_SECOND, timescale);
  GST_DEBUG_OBJECT(self, "%s: segment %" G_GUINT64_FORMAT ", %zu samples in %zu part(s), %" G_GUINT64_FORMAT
                   " bytes, t=%" G_GUINT64_FORMAT " d=%" G_GUINT64_FORMAT,
                   t.name.c_str(), number, seg.samples.size(), nparts, payload, ept, d);

  const uint64_t bps = d_ns > 0 ? gst_util_uint64_scale(payload * 8 + header_bytes * 8, GST_SECOND, d_ns) : 0;
  Lock guard(impl.lock);
  kek::dash::ListedSegment listed{number, ept, d, seg.period, {}};
  if (impl.part_ns) {
    listed.parts = std::move(t.rep.open_parts);
    listed.parts.resize(seg.parts_written);  // a flushed open segment's parts are not its own
    listed.parts.insert(listed.parts.end(), new_parts.begin(), new_parts.end());
  }
  t.rep.open_parts.clear();
  t.rep.next_number = number + 1;
  t.rep.add_segment(listed, t.writer.init_name(seg.period), seg.config, gst_util_uint64_scale(ept, GST_SECOND, timescale),
                    gst_util_uint64_scale(ept + d, GST_SECOND, timescale), bps, impl.window);
  impl.max_segment_ns = std::max(impl.max_segment_ns, d_ns);
  if (!impl.finished) {
    write_hls_media(self, t, false);
    write_manifest(self, true);
    maybe_write_hls_master(self, false);
  }
  return GST_FLOW_OK;
}

// t.mu held. Writes what waited for the origin.
GstFlowReturn flush_waiting(Track& t) {
  if (!t.owner->impl.origin_known.load()) return GST_FLOW_OK;
  while (!t.waiting.empty()) {
    ClosedSegment& seg = t.waiting.front();
    GstFlowReturn ret = write_segment(t, seg);
    release_samples(seg.samples);
    t.spare.swap(seg.samples);
    if (t.part_headers.empty()) t.part_headers.swap(seg.part_headers);  // their capacity, for the next parts
    t.waiting.pop_front();
    if (ret != GST_FLOW_OK) return ret;
  }
  t.waiting_ns = 0;
  return GST_FLOW_OK;
}

// t.mu held. Ends the open segment at end_dts/end_pts (the sample that opens the next one, or
// the last sample's own end) and writes it if the origin is known.
GstFlowReturn close_segment(Track& t, int64_t end_dts, int64_t end_pts) {
  if (t.open.empty()) return GST_FLOW_OK;
  ClosedSegment seg;
  seg.samples.swap(t.open);
  t.open.swap(t.spare);  // keeps a vector that already has capacity
  seg.end_dts = end_dts;
  seg.end_pts = end_pts;
  seg.config = t.config;
  seg.part_starts.swap(t.part_starts);
  t.part_starts.clear();
  seg.parts_written = std::exchange(t.parts_written, 0);
  seg.part_headers.swap(t.part_headers);
  {
    Lock guard(t.owner->impl.lock);
    seg.period = t.rep.period;
  }
  t.waiting_ns += static_cast<uint64_t>(std::max<int64_t>(end_dts - seg.samples.front().dts, 0));
  t.waiting.push_back(std::move(seg));
  t.max_pts_end = INT64_MIN;
  return flush_waiting(t);
}

// t.mu held. The end of the open segment when no next sample says where it is: its last
// sample's duration (the buffer's, else the one before it).
GstFlowReturn close_at_end(Track& t, GstClockTime last_buffer_duration) {
  if (t.open.empty()) return GST_FLOW_OK;
  int64_t dur = GST_CLOCK_TIME_IS_VALID(last_buffer_duration) && last_buffer_duration > 0
                    ? static_cast<int64_t>(last_buffer_duration)
                    : t.last_duration;
  const Sample& last = t.open.back();
  int64_t end_pts = std::max(t.max_pts_end, last.pts + dur);
  return close_segment(t, last.dts + dur, end_pts);
}

// t.mu held. Where the open segment would end with its last sample's estimated duration.
int64_t natural_end(const Track& t) {
  const Sample& last = t.open.back();
  return std::max(t.max_pts_end, last.pts + t.last_duration);
}

// t.mu held, every track ended. Closes the last segment so that it ends at `end` (the end of the
// longest track) when that is less than one more sample away: the tracks then end together.
// Otherwise (audio a few ms past the last video frame) Chromium's MSE never fires `ended` and
// dash.js seeks about near the end.
GstFlowReturn close_final(Track& t, int64_t end) {
  if (t.open.empty()) return GST_FLOW_OK;
  const Sample& last = t.open.back();
  int64_t dur = t.last_duration;
  const int64_t gap = end - natural_end(t);
  if (gap > 0 && gap <= t.last_duration) dur += gap;
  return close_segment(t, last.dts + dur, std::max(t.max_pts_end, last.pts + dur));
}

// Writes the segments an ended track left waiting for the origin; the track's own thread is
// gone, so whoever decided the origin does it.
GstFlowReturn flush_ended_tracks(KekDashSink* self, const Track* except) {
  GstFlowReturn result = GST_FLOW_OK;
  for (auto& t : self->impl.tracks) {
    if (t.get() == except) continue;
    std::lock_guard track_guard(t->mu);
    bool ended;
    {
      Lock guard(self->impl.lock);
      ended = t->rep.ended;
    }
    if (ended && flush_waiting(*t) != GST_FLOW_OK) result = GST_FLOW_ERROR;
  }
  return result;
}

// Once every track has ended and written everything: the static MPD, then EOS for the bin.
void maybe_finish(KekDashSink* self) {
  Impl& impl = self->impl;
  {
    Lock guard(impl.lock);
    if (impl.finished) return;
    for (const auto& t : impl.tracks)
      if (!t->rep.ended) return;
  }
  // The last segments were left open at each track's EOS: close them together now.
  int64_t end = INT64_MIN;
  for (auto& t : impl.tracks) {
    std::lock_guard track_guard(t->mu);
    if (!t->open.empty()) end = std::max(end, natural_end(*t));
  }
  for (auto& t : impl.tracks) {
    std::lock_guard track_guard(t->mu);
    if (close_final(*t, end) != GST_FLOW_OK) return;  // the write error is on the bus
    if (!t->waiting.empty()) return;
  }
  {
    Lock guard(impl.lock);
    if (impl.finished) return;
    impl.finished = true;
    if (impl.origin_known.load()) {
      for (const auto& t : impl.tracks)
        if (!t->rep.listed.empty()) write_hls_media(self, *t, true);
      maybe_write_hls_master(self, true);
      write_manifest(self, false);
    }
  }
  GST_INFO_OBJECT(self, "all pads ended, final MPD written");
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_eos(GST_OBJECT(self)));
}

// --- periods -------------------------------------------------------------------------------------

// t.mu held, segment closed. Moves the track into the next Period: the one another track
// already opened, or a new one.
void enter_next_period(Track& t, int64_t at, bool by_seam) {
  Impl& impl = t.owner->impl;
  Lock guard(impl.lock);
  if (kek::dash::enter_next_period(impl.periods, t.rep, at, by_seam)) {
    impl.period_count.store(impl.periods.size());
    GST_INFO_OBJECT(t.owner, "%s opens period %u (%s)", t.name.c_str(), t.rep.period, by_seam ? "seam" : "caps change");
  }
  t.media_in_period = false;
  t.boundary_k = 1;
}

// t.mu held, before a sample at dts: joins a Period another track opened, at the first sample
// at/after it that can start a segment (periods.h says when).
GstFlowReturn maybe_join_period(Track& t, int64_t dts, int64_t pts, bool sync) {
  Impl& impl = t.owner->impl;
  if (impl.period_count.load(std::memory_order_relaxed) <= 1) return GST_FLOW_OK;  // the common case
  {
    Lock guard(impl.lock);
    if (impl.periods.size() <= t.rep.period + 1) return GST_FLOW_OK;
    if (!kek::dash::joins_now(impl.periods[t.rep.period + 1], impl.target_ns, dts, t.video, sync)) return GST_FLOW_OK;
  }
  GstFlowReturn ret = close_segment(t, dts, pts);
  enter_next_period(t, dts, false);
  return ret;
}

// --- pad functions -------------------------------------------------------------------------------

Track* track_of(GstPad* pad) { return static_cast<Track*>(gst_pad_get_element_private(pad)); }

GstFlowReturn on_buffer(Track& t, GstBuffer* buf) {
  KekDashSink* self = t.owner;
  Impl& impl = self->impl;
  if (!t.config) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("%s: data before caps", t.name.c_str()), (nullptr));
    gst_buffer_unref(buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  auto dts_rt = running_time(t.segment, GST_BUFFER_DTS_IS_VALID(buf) ? GST_BUFFER_DTS(buf) : GST_BUFFER_PTS(buf));
  auto pts_rt = running_time(t.segment, GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf));
  if (!dts_rt || !pts_rt) {
    GST_WARNING_OBJECT(self, "%s: dropping a buffer without a timestamp", t.name.c_str());
    gst_buffer_unref(buf);
    return GST_FLOW_OK;
  }
  const int64_t dts = *dts_rt, pts = std::max(*pts_rt, *dts_rt);
  const bool sync = !t.video || !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);

  bool decided = false;
  if (!impl.origin_known.load()) {
    Lock guard(impl.lock);
    if (!t.rep.have_first) {
      t.rep.have_first = true;
      t.first_ts = dts;
      decided = maybe_decide_origin(self, false);
    } else if (t.waiting_ns > kOriginWaitNs) {
      decided = maybe_decide_origin(self, true);
    }
  }
  // A pad that started after the origin was fixed without it: what precedes media time 0
  // cannot be placed (tfdt is unsigned).
  if (impl.origin_known.load() && dts < impl.origin) {
    t.need_keyframe = true;
    gst_buffer_unref(buf);
    return GST_FLOW_OK;
  }
  if (!t.open.empty() && dts < t.open.back().dts) {
    GST_WARNING_OBJECT(self, "%s: DTS went backwards, dropping a buffer", t.name.c_str());
    gst_buffer_unref(buf);
    return GST_FLOW_OK;
  }
  if (t.need_keyframe) {
    if (!sync) {
      gst_buffer_unref(buf);
      return GST_FLOW_OK;
    }
    t.need_keyframe = false;
  }

  GstFlowReturn ret = maybe_join_period(t, dts, pts, sync);
  if (ret == GST_FLOW_OK && !t.open.empty()) {
    bool cut;
    if (!t.video)
      cut = dts >= t.boundary_base + boundary_after(impl, t.boundary_k);
    else if (!impl.startup_ns.empty())
      // On the grid: the keyframe presented at/after the boundary (every rung's encoder got its
      // keyframe there, so all rungs cut at the same frame).
      cut = sync && pts + kGridSlackNs >= t.boundary_base + boundary_after(impl, t.boundary_k);
    else
      cut = sync && static_cast<uint64_t>(dts - t.open_start) >= impl.target_ns;
    if (cut)
      ret = close_segment(t, dts, pts);
    else if (impl.part_ns && kek::dash::part_is_full(t.open[t.part_starts.back()].dts, t.open.back().dts, dts, impl.part_ns))
      t.part_starts.push_back(t.open.size());  // this sample starts the next part
  }
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref(buf);
    return ret;
  }
  if (t.open.empty()) {
    t.open_start = dts;
    if (impl.part_ns) t.part_starts.assign(1, 0);
    const bool video_grid = t.video && !impl.startup_ns.empty();
    const int64_t at = video_grid ? pts : dts;
    if (!t.media_in_period) {
      t.boundary_base = at;
      t.boundary_k = 1;
    }
    // Cuts stay on the grid even when a frame lands a little late.
    while (t.boundary_base + boundary_after(impl, t.boundary_k) <= at + (video_grid ? kGridSlackNs : 0)) ++t.boundary_k;
  }
  if (!t.open.empty()) t.last_duration = dts - t.open.back().dts;
  t.media_in_period = true;
  const GstClockTime dur = GST_BUFFER_DURATION(buf);
  t.max_pts_end = std::max(t.max_pts_end, pts + (GST_CLOCK_TIME_IS_VALID(dur) ? static_cast<int64_t>(dur) : 0));
  t.last_dts = dts;
  t.open.push_back({buf, dts, pts, sync});
  ret = flush_waiting(t);
  if (ret == GST_FLOW_OK) ret = write_open_parts(t);
  if (decided) {
    // Only the one thread that decided the origin gets here. It keeps its own mu and takes only
    // ended tracks' mus, whose threads never wait for another track's.
    if (flush_ended_tracks(self, &t) != GST_FLOW_OK) ret = GST_FLOW_ERROR;
  }
  return ret;
}

GstFlowReturn kek_dash_sink_chain(GstPad* pad, GstObject*, GstBuffer* buf) {
  Track& t = *track_of(pad);
  std::lock_guard track_guard(t.mu);
  return on_buffer(t, buf);
}

std::shared_ptr<const TrackConfig> config_from_caps(const Track& t, GstCaps* caps, std::string& problem) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  auto c = std::make_shared<TrackConfig>();
  const GValue* cd = s ? gst_structure_get_value(s, "codec_data") : nullptr;
  if (!cd || !G_VALUE_HOLDS(cd, GST_TYPE_BUFFER)) {
    problem = "caps without codec_data";
    return nullptr;
  }
  GstBuffer* buf = gst_value_get_buffer(cd);
  c->codec_data.resize(gst_buffer_get_size(buf));
  gst_buffer_extract(buf, 0, c->codec_data.data(), c->codec_data.size());
  if (t.video) {
    gst_structure_get_int(s, "width", &c->width);
    gst_structure_get_int(s, "height", &c->height);
    if (!gst_structure_get_fraction(s, "framerate", &c->fps_num, &c->fps_den)) c->fps_num = 0;
    auto codec = kek::media::avc1_from_avcc(c->codec_data);
    if (!codec || c->width <= 0 || c->height <= 0) {
      problem = "H.264 caps need an avcC codec_data, width and height";
      return nullptr;
    }
    c->codec = *codec;
  } else {
    gst_structure_get_int(s, "rate", &c->rate);
    gst_structure_get_int(s, "channels", &c->channels);
    auto type = kek::media::aac_object_type(c->codec_data);
    if (!type || c->rate <= 0 || c->channels <= 0) {
      problem = "AAC caps need an AudioSpecificConfig codec_data, rate and channels";
      return nullptr;
    }
    c->codec = kek::media::mp4a_codec(*type);
  }
  return c;
}

gboolean on_event(Track& t, GstEvent* event) {
  KekDashSink* self = t.owner;
  GstFlowReturn ret = GST_FLOW_OK;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_SEGMENT: {
      const GstSegment* segment = nullptr;
      gst_event_parse_segment(event, &segment);
      if (segment->format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("%s: only TIME segments", t.name.c_str()), (nullptr));
        return FALSE;
      }
      gst_segment_copy_into(segment, &t.segment);
      return TRUE;
    }
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      std::string problem;
      auto config = config_from_caps(t, caps, problem);
      if (!config) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("%s: %s", t.name.c_str(), problem.c_str()),
                          ("caps: %" GST_PTR_FORMAT, caps));
        return FALSE;
      }
      if (t.config && !t.config->same_stream(*config) && t.media_in_period) {
        // New parameter sets or size mid-Period: the init segment must change, and a
        // Representation has one init per Period.
        ret = close_at_end(t, GST_CLOCK_TIME_NONE);
        t.need_keyframe = true;
        enter_next_period(t, t.last_dts + t.last_duration, false);
      }
      t.config = std::move(config);
      return ret == GST_FLOW_OK;
    }
    case GST_EVENT_EOS: {
      // The open segment stays open: maybe_finish closes every track's last one together.
      bool decided = false;
      {
        Lock guard(self->impl.lock);
        t.rep.ended = true;
        decided = maybe_decide_origin(self, false);
      }
      if (ret == GST_FLOW_OK) ret = flush_waiting(t);
      if (decided) flush_ended_tracks(self, &t);
      return ret == GST_FLOW_OK;
    }
    case GST_EVENT_TAG: {
      // An audio track's language and title (demuxers tag them): its lang/Label in the MPD and
      // its LANGUAGE/NAME in the HLS master.
      if (t.video) break;
      GstTagList* tags = nullptr;
      gst_event_parse_tag(event, &tags);
      if (gst_tag_list_get_scope(tags) != GST_TAG_SCOPE_STREAM) break;
      g_autofree char* code = nullptr;
      g_autofree char* title = nullptr;
      gst_tag_list_get_string(tags, GST_TAG_LANGUAGE_CODE, &code);
      gst_tag_list_get_string(tags, GST_TAG_TITLE, &title);
      Lock guard(self->impl.lock);
      if (code && *code && g_ascii_strcasecmp(code, "und") != 0) {
        const char* short_code = gst_tag_get_language_code_iso_639_1(code);
        t.rep.language = short_code ? short_code : code;
        if (t.rep.label.empty() || !title)
          if (const char* name = gst_tag_get_language_name(t.rep.language.c_str())) t.rep.label = name;
      }
      if (title && *title) t.rep.label = title;
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      // Seeking is not something a live packager does; start again at the next keyframe.
      release_samples(t.open);
      t.part_starts.clear();
      t.parts_written = 0;
      {
        Lock guard(self->impl.lock);
        t.rep.open_parts.clear();
      }
      t.need_keyframe = true;
      gst_segment_init(&t.segment, GST_FORMAT_TIME);
      return TRUE;
    default:
      break;
  }
  if (kek::is_stream_seam_event(event)) {
    // A publisher reconnected: what follows is another encoder session. New Period (its own
    // init segment), segment numbers continue.
    GST_INFO_OBJECT(self, "%s: stream seam", t.name.c_str());
    ret = close_at_end(t, GST_CLOCK_TIME_NONE);
    t.need_keyframe = t.video;
    int64_t at = t.last_dts + t.last_duration;
    enter_next_period(t, at, true);
    return ret == GST_FLOW_OK;
  }
  return TRUE;
}

gboolean kek_dash_sink_event(GstPad* pad, GstObject*, GstEvent* event) {
  Track& t = *track_of(pad);
  gboolean ok;
  const bool eos = GST_EVENT_TYPE(event) == GST_EVENT_EOS;
  {
    std::lock_guard track_guard(t.mu);
    ok = on_event(t, event);
  }
  gst_event_unref(event);
  if (eos) maybe_finish(t.owner);
  return ok;
}

// --- setup ---------------------------------------------------------------------------------------

GstPad* add_track(KekDashSink* self, GstPadTemplate* templ, const char* name, bool video, guint index) {
  Impl& impl = self->impl;
  auto t = std::make_unique<Track>();
  t->owner = self;
  t->video = video;
  t->index = index;
  GstPad* pad = gst_pad_new_from_template(templ, name);
  gst_pad_set_element_private(pad, t.get());
  gst_pad_set_chain_function(pad, kek_dash_sink_chain);
  gst_pad_set_event_function(pad, kek_dash_sink_event);
  t->pad = pad;
  t->rep.video = video;
  auto pos = std::find_if(impl.tracks.begin(), impl.tracks.end(), [video, index](const auto& x) {
    return video ? (!x->video || x->index > index) : (!x->video && x->index > index);
  });
  impl.tracks.insert(pos, std::move(t));
  gst_pad_set_active(pad, TRUE);
  gst_element_add_pad(GST_ELEMENT(self), pad);
  return pad;
}

// video_%u, audio_%u; the plain `audio` pad is audio index 0 (the live layouts' one track).
GstPad* request_indexed_pad(KekDashSink* self, GstPadTemplate* templ, const char* requested, bool video,
                            bool plain_audio) {
  Impl& impl = self->impl;
  const char* format = video ? "video_%u" : "audio_%u";
  guint index = 0;
  bool chosen = plain_audio || (requested && sscanf(requested, format, &index) == 1);
  for (const auto& t : impl.tracks) {
    if (t->video != video) continue;
    if (chosen && t->index == index) {
      GST_WARNING_OBJECT(self, "pad %s already exists", plain_audio ? "audio" : requested);
      return nullptr;
    }
    if (!chosen) index = std::max(index, t->index + 1);
  }
  g_autofree char* name = plain_audio ? g_strdup("audio") : g_strdup_printf(format, index);
  return add_track(self, templ, name, video, index);
}

// READY -> PAUSED: check the properties, name the representations, make their directories.
bool prepare_run(KekDashSink* self) {
  Impl& impl = self->impl;
  Settings s;
  GST_OBJECT_LOCK(self);
  s = impl.settings;
  GST_OBJECT_UNLOCK(self);

  if (s.location.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No location set on kekdashsink"), (nullptr));
    return false;
  }
  if (!kek::media::valid_rendition_name(s.mpd_name)) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad mpd-name '%s'", s.mpd_name.c_str()),
                      ("a plain file name is needed"));
    return false;
  }
  if (!s.hls_master_name.empty() && !kek::media::valid_rendition_name(s.hls_master_name)) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad hls-master-name '%s'", s.hls_master_name.c_str()),
                      ("a plain file name is needed"));
    return false;
  }
  if (s.part_duration != 0 && (s.part_duration < 0.2 || s.part_duration > s.target_duration)) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad part-duration %g", s.part_duration),
                      ("seconds, from 0.2 to target-duration (%u); 0 for no parts", s.target_duration));
    return false;
  }
  if (s.part_duration != 0 && s.hls_master_name.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("part-duration needs hls-master-name"),
                      ("parts are for LL-HLS playlists"));
    return false;
  }
  if (impl.tracks.empty()) {
    GST_ELEMENT_ERROR(self, CORE, PAD, ("kekdashsink has no video_%%u or audio pad"), (nullptr));
    return false;
  }
  std::vector<std::string> names = kek::media::split_list(s.representations);
  std::vector<std::string> rates = kek::media::split_list(s.bitrates);
  size_t video_count = std::count_if(impl.tracks.begin(), impl.tracks.end(), [](const auto& t) { return t->video; });
  if (names.size() > video_count) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("representations names %zu renditions but kekdashsink has %zu video pad(s)", names.size(),
                       video_count),
                      ("'%s'", s.representations.c_str()));
    return false;
  }
  // A restarted pipeline must never reuse a segment name a player or cache may hold: the
  // segments of each run start with the wall-clock millisecond it started at.
  int64_t prefix_ms = g_get_real_time() / 1000;
  if (prefix_ms <= impl.last_prefix_ms) prefix_ms = impl.last_prefix_ms + 1;
  std::vector<std::string> used;
  for (size_t i = 0; i < impl.tracks.size(); ++i) {
    Track& t = *impl.tracks[i];
    std::string name = t.video ? "v" + std::to_string(t.index) : std::string(GST_PAD_NAME(t.pad));
    if (t.video && i < names.size() && !names[i].empty()) name = names[i];
    if (!kek::media::valid_rendition_name(name) || std::find(used.begin(), used.end(), name) != used.end()) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad or repeated representation name '%s'", name.c_str()),
                        ("names are directory names: letters, digits, '.', '_', '-'; 'audio' is the audio one"));
      return false;
    }
    used.push_back(name);
    std::optional<uint64_t> declared = 0;
    if (t.video && i < rates.size()) declared = kek::media::parse_bitrate(rates[i]);
    if (!declared) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad bitrate '%s' for representation %s", rates[i].c_str(),
                        name.c_str()), ("bits per second, optionally with k or M"));
      return false;
    }
    g_autofree char* dir = g_build_filename(s.location.c_str(), name.c_str(), nullptr);
    if (g_mkdir_with_parents(dir, 0755) != 0) {
      int err = errno;
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("Could not create %s: %s", dir, g_strerror(err)),
                        ("%s", g_strerror(err)));
      return false;
    }
    std::lock_guard track_guard(t.mu);
    t.reset();
    t.name = name;
    gst_segment_init(&t.segment, GST_FORMAT_TIME);
    t.config.reset();
    t.need_keyframe = true;
    t.media_in_period = false;
    t.max_pts_end = INT64_MIN;
    t.last_dts = t.last_duration = 0;
    t.waiting_ns = 0;
    t.next_number = 1;
    t.next_sequence = 1;
    t.part_starts.clear();
    t.parts_written = 0;
    t.writer.start(dir, prefix_ms, s.window ? s.window + 2 : SIZE_MAX, kKeptPartSegments);
    Lock guard(impl.lock);
    kek::dash::RepresentationState fresh;
    fresh.name = name;
    fresh.video = t.video;
    fresh.declared_bps = *declared;
    t.rep = std::move(fresh);
  }
  if (rates.size() > video_count) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("bitrates lists %zu values for %zu video pad(s)", rates.size(),
                      video_count), ("'%s'", s.bitrates.c_str()));
    return false;
  }

  impl.last_prefix_ms = prefix_ms;
  impl.prefix_ms = prefix_ms;
  impl.target_ns = s.target_duration * GST_SECOND;
  impl.startup_ns.clear();
  uint64_t sum = 0;
  for (const auto& item : kek::media::split_list(s.startup_durations)) {
    char* end = nullptr;
    const double d = g_ascii_strtod(item.c_str(), &end);
    if (item.empty() || *end || !(d > 0) || d > s.target_duration) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad startup-durations '%s'", s.startup_durations.c_str()),
                        ("seconds, each more than 0 and at most target-duration"));
      return false;
    }
    sum += static_cast<uint64_t>(d * GST_SECOND);
    impl.startup_ns.push_back(sum);
  }
  impl.window = s.window;
  impl.part_ns = static_cast<uint64_t>(s.part_duration * GST_SECOND + 0.5);
  impl.notices = nullptr;
  if (impl.part_ns) {
    GST_OBJECT_LOCK(self);
    kek::Services* services = impl.services;
    GST_OBJECT_UNLOCK(self);
    if (services) impl.notices = static_cast<kek::dash::LlNotices*>(services->lookup(kek::dash::LlNotices::kName));
    GST_INFO_OBJECT(self, "LL-HLS parts of %" G_GUINT64_FORMAT " ns%s", impl.part_ns,
                    impl.notices ? ", the LL-HLS hold told of each" : "");
  }
  g_autofree char* mpd = g_build_filename(s.location.c_str(), s.mpd_name.c_str(), nullptr);
  impl.mpd_path = mpd;
  impl.location = s.location;
  impl.hls_master_path.clear();
  if (!s.hls_master_name.empty()) {
    g_autofree char* master = g_build_filename(s.location.c_str(), s.hls_master_name.c_str(), nullptr);
    impl.hls_master_path = master;
  }
  impl.origin_known.store(false);
  impl.origin = 0;
  Lock guard(impl.lock);
  impl.periods.assign(1, PeriodState{0, true, false, 0});
  impl.period_count.store(1);
  impl.availability_start_us = 0;
  impl.max_segment_ns = 0;
  impl.finished = false;
  impl.master_bps.clear();
  GST_INFO_OBJECT(self, "%zu representation(s) into %s, segments %" G_GINT64_FORMAT "-*.m4s", impl.tracks.size(),
                  s.location.c_str(), prefix_ms);
  return true;
}

// PAUSED -> READY: drop what a stopped run still holds.
void end_run(KekDashSink* self) {
  for (auto& t : self->impl.tracks) {
    std::lock_guard track_guard(t->mu);
    t->reset();
  }
}

bool is_running(KekDashSink* self) {
  GST_OBJECT_LOCK(self);
  bool running = GST_STATE(self) > GST_STATE_READY || GST_STATE_PENDING(self) > GST_STATE_READY;
  GST_OBJECT_UNLOCK(self);
  return running;
}

}  // namespace

static GstPad* kek_dash_sink_request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar* name,
                                             const GstCaps*) {
  auto* self = KEK_DASH_SINK(element);
  // Representations are wired before the run starts; one appearing mid-stream would need a new
  // Period in every player.
  if (is_running(self)) {
    GST_WARNING_OBJECT(self, "pads can only be requested in NULL or READY");
    return nullptr;
  }
  GstElementClass* klass = GST_ELEMENT_GET_CLASS(element);
  if (templ == gst_element_class_get_pad_template(klass, "audio")) return request_indexed_pad(self, templ, name, false, true);
  if (templ == gst_element_class_get_pad_template(klass, "audio_%u"))
    return request_indexed_pad(self, templ, name, false, false);
  return request_indexed_pad(self, templ, name, true, false);
}

static void kek_dash_sink_release_pad(GstElement* element, GstPad* pad) {
  auto* self = KEK_DASH_SINK(element);
  Impl& impl = self->impl;
  auto it = std::find_if(impl.tracks.begin(), impl.tracks.end(), [pad](const auto& t) { return t->pad == pad; });
  if (it == impl.tracks.end()) return;
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
  impl.tracks.erase(it);
}

static GstStateChangeReturn kek_dash_sink_change_state(GstElement* element, GstStateChange transition) {
  auto* self = KEK_DASH_SINK(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !prepare_run(self)) return GST_STATE_CHANGE_FAILURE;
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(kek_dash_sink_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) end_run(self);
  return ret;
}

// The kek.services context (set by kek's pipeline manager): where the LL-HLS hold is found.
static void kek_dash_sink_set_context(GstElement* element, GstContext* context) {
  auto* self = KEK_DASH_SINK(element);
  if (g_strcmp0(gst_context_get_context_type(context), kek::kServicesContextType) == 0) {
    const GstStructure* s = gst_context_get_structure(context);
    gpointer services = nullptr;
    if (gst_structure_get(s, kek::kServicesContextField, G_TYPE_POINTER, &services, nullptr)) {
      GST_OBJECT_LOCK(self);
      self->impl.services = static_cast<kek::Services*>(services);
      GST_OBJECT_UNLOCK(self);
    }
  }
  GST_ELEMENT_CLASS(kek_dash_sink_parent_class)->set_context(element, context);
}

static void kek_dash_sink_init(KekDashSink* self) {
  new (&self->impl) Impl();
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
}

static void kek_dash_sink_finalize(GObject* object) {
  KEK_DASH_SINK(object)->impl.~Impl();
  G_OBJECT_CLASS(kek_dash_sink_parent_class)->finalize(object);
}

static void kek_dash_sink_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = KEK_DASH_SINK(object);
  Settings& s = self->impl.settings;
  auto str = [value] {
    const char* v = g_value_get_string(value);
    return std::string(v ? v : "");
  };
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_LOCATION: s.location = str(); break;
    case PROP_REPRESENTATIONS: s.representations = str(); break;
    case PROP_BITRATES: s.bitrates = str(); break;
    case PROP_TARGET_DURATION: s.target_duration = g_value_get_uint(value); break;
    case PROP_WINDOW: s.window = g_value_get_uint(value); break;
    case PROP_MPD_NAME: {
      std::string name = str();
      s.mpd_name = name.empty() ? kDefaultMpdName : name;
      break;
    }
    case PROP_HLS_MASTER_NAME: s.hls_master_name = str(); break;
    case PROP_STARTUP_DURATIONS: s.startup_durations = str(); break;
    case PROP_PART_DURATION: s.part_duration = g_value_get_double(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_dash_sink_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = KEK_DASH_SINK(object);
  const Settings& s = self->impl.settings;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_LOCATION: g_value_set_string(value, s.location.c_str()); break;
    case PROP_REPRESENTATIONS: g_value_set_string(value, s.representations.c_str()); break;
    case PROP_BITRATES: g_value_set_string(value, s.bitrates.c_str()); break;
    case PROP_TARGET_DURATION: g_value_set_uint(value, s.target_duration); break;
    case PROP_WINDOW: g_value_set_uint(value, s.window); break;
    case PROP_MPD_NAME: g_value_set_string(value, s.mpd_name.c_str()); break;
    case PROP_HLS_MASTER_NAME: g_value_set_string(value, s.hls_master_name.c_str()); break;
    case PROP_STARTUP_DURATIONS: g_value_set_string(value, s.startup_durations.c_str()); break;
    case PROP_PART_DURATION: g_value_set_double(value, s.part_duration); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void kek_dash_sink_class_init(KekDashSinkClass* klass) {
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  object_class->finalize = kek_dash_sink_finalize;
  object_class->set_property = kek_dash_sink_set_property;
  object_class->get_property = kek_dash_sink_get_property;

  constexpr auto flags =
      static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      object_class, PROP_LOCATION,
      g_param_spec_string("location", "Location",
                          "Output directory: the MPD and one sub-directory per representation", "", flags));
  g_object_class_install_property(
      object_class, PROP_REPRESENTATIONS,
      g_param_spec_string("representations", "Representations",
                          "Comma-separated representation names, one per video pad in pad-index order "
                          "(default v<index>); the audio one is 'audio'",
                          "", flags));
  g_object_class_install_property(
      object_class, PROP_BITRATES,
      g_param_spec_string("bitrates", "Bitrates",
                          "Comma-separated declared bits/s per video representation (k and M suffixes "
                          "allowed), used in the MPD until measured; empty or 0 = measure",
                          "", flags));
  g_object_class_install_property(
      object_class, PROP_TARGET_DURATION,
      g_param_spec_uint("target-duration", "Target duration",
                        "Segment duration in seconds (video cuts at the first keyframe after it)", 1, 3600,
                        kDefaultTargetDuration, flags));
  g_object_class_install_property(
      object_class, PROP_WINDOW,
      g_param_spec_uint("window", "Window",
                        "Segments listed per representation in the MPD; window + 2 are kept on disk. 0: every "
                        "segment is listed and kept (a file being packaged: HLS playlists are EVENT, then VOD)",
                        0, 100000,
                        kDefaultWindow, flags));
  g_object_class_install_property(
      object_class, PROP_MPD_NAME,
      g_param_spec_string("mpd-name", "MPD name", "File name of the manifest in location", kDefaultMpdName, flags));
  g_object_class_install_property(
      object_class, PROP_HLS_MASTER_NAME,
      g_param_spec_string("hls-master-name", "HLS master name",
                          "Also write HLS playlists over the same segments: this master playlist in location and "
                          "<representation>/index.m3u8 (fMP4, EXT-X-MAP); empty: DASH only",
                          "", flags));
  g_object_class_install_property(
      object_class, PROP_STARTUP_DURATIONS,
      g_param_spec_string("startup-durations", "Startup durations",
                          "Comma-separated seconds of the first segments of each Period (e.g. 1,1,2: a film "
                          "plays sooner), then target-duration; video is then cut at the first keyframe "
                          "at/after each boundary (force keyframes there upstream); empty: every segment "
                          "target-duration",
                          "", flags));

  g_object_class_install_property(
      object_class, PROP_PART_DURATION,
      g_param_spec_double("part-duration", "Part duration",
                          "LL-HLS (needs hls-master-name): seconds of each part, 0.2 to target-duration; every "
                          "segment is also written as parts <start-ms>-<n>.<p>.m4s, listed with EXT-X-PART, "
                          "EXT-X-PRELOAD-HINT and EXT-X-RENDITION-REPORT in playlists rewritten after each part. "
                          "0: no parts",
                          0, 3600, 0, flags));

  element_class->request_new_pad = kek_dash_sink_request_new_pad;
  element_class->set_context = kek_dash_sink_set_context;
  element_class->release_pad = kek_dash_sink_release_pad;
  element_class->change_state = kek_dash_sink_change_state;
  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  gst_element_class_add_static_pad_template(element_class, &audio_n_template);
  gst_element_class_set_static_metadata(element_class, "KEK DASH sink", "Sink/Muxer",
                                        "CMAF packager: fragmented MP4 segments, a DASH MPD and optionally HLS playlists over them",
                                        "KEK");
  GST_DEBUG_CATEGORY_INIT(kek_dash_sink_debug, "kekdashsink", 0, "KEK DASH sink");
}
