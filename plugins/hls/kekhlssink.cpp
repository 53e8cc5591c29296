#include "kekhlssink.h"

#include "bandwidth.h"
#include "master_playlist.h"
#include "media_playlist.h"

#include <kek/media/rendition_settings.h>
#include <kek/ref.h>
#include <kek/stream_seam.h>

#include <glib/gstdio.h>
// The SPS parser has been stable in practice since 1.x; it still carries the "unstable" label.
#define GST_USE_UNSTABLE_API
#include <gst/codecparsers/gsth264parser.h>
#include <gst/video/video.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(kek_hls_sink_debug);
#define GST_CAT_DEFAULT kek_hls_sink_debug

namespace {

using kek::hls::BandwidthMeter;
using kek::hls::Rates;

constexpr guint kDefaultTargetDuration = 2;
constexpr guint kDefaultPlaylistLength = 6;
constexpr const char* kDefaultMasterName = "index.m3u8";
constexpr const char* kMediaPlaylistName = "index.m3u8";
// Bandwidth moves this much before the master is rewritten (players only need a rough figure;
// rewriting on every wobble would just churn the file).
constexpr double kRewriteThreshold = 0.10;
constexpr uint64_t kPeakHeadroomPercent = 5;

// How a variant's MPEG-TS is cut into segments.
enum class Segmenter {
  // splitmuxsink(mpegtsmux, filesink): its own multiqueue threads, and a fragment closes only
  // once the next GOP is complete (the first playlist a GOP later).
  kSplitmux,
  // mpegtsmux alone, its output cut here at the keyframes it announces and written with plain
  // file I/O in its streaming thread: two threads fewer per variant, segments listed at once.
  kDirect,
};
constexpr Segmenter kDefaultSegmenter = Segmenter::kDirect;

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
  std::string master_name = kDefaultMasterName;
  Segmenter segmenter = kDefaultSegmenter;
  PlaylistType playlist_type = PlaylistType::kLive;
};

// What the master needs to know about a video pad, from its caps and its first keyframe.
struct VideoFormat {
  bool have_caps = false;
  bool codec_known = false;  // codec settled: from the SPS, codec_data, or the caps as a fallback
  int width = 0, height = 0;
  int fps_num = 0, fps_den = 1;
  std::string caps_codec;  // avc1.* from codec_data or profile/level caps
  std::string codec;       // what goes into CODECS
  std::vector<uint8_t> codec_data;  // the caps' (avc stream-format only), to see the SPS change
  // From the last in-band SPS: what the decoder will actually produce. h264parse keeps the size
  // upstream caps announced (flvdemux's, from onMetaData) when a new SPS changes it in-band, so
  // the caps alone can go on saying 320x180 over 640x360 pictures.
  int sps_width = 0, sps_height = 0;
  std::string sps_codec;

  int shown_width() const { return sps_width > 0 ? sps_width : width; }
  int shown_height() const { return sps_height > 0 ? sps_height : height; }

  bool same_as(const VideoFormat& o) const {
    return width == o.width && height == o.height && fps_num == o.fps_num && fps_den == o.fps_den &&
           codec == o.codec;
  }
};

// Where a seam (a reconnected publisher, a new format) is, in the running time of the variant's
// reference stream: the first fragment splitmuxsink opens at or after it is discontinuous.
struct Seam {
  uint64_t from = 0;
  int64_t wall_offset_us = 0;  // unix time of running time 0 for the segments after it
};

// The fragment splitmuxsink is writing; guarded by Impl::lock.
struct OpenFragment {
  std::string location;
  uint64_t start = GST_CLOCK_TIME_NONE;  // running time
  bool discontinuity = false;
  bool independent = true;
};

// A segment being written by the direct segmenter. mpegtsmux pushes one 188-byte packet per
// buffer, so bytes are gathered in a buffer of our own (allocated once, reused for every segment)
// and written in large blocks: a write() per packet would be thousands of system calls a second.
// Nothing is renamed: a player learns a segment's name from the playlist, only once it is closed.
class SegmentFile {
 public:
  SegmentFile() = default;
  SegmentFile(const SegmentFile&) = delete;
  SegmentFile& operator=(const SegmentFile&) = delete;
  ~SegmentFile() { discard(); }

  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  int error() const { return error_; }  // errno of the failed call

  bool open(std::string path) {
    discard();
    if (!buf_) buf_ = std::make_unique<uint8_t[]>(kCapacity);
    path_ = std::move(path);
    used_ = 0;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    error_ = fd_ < 0 ? errno : 0;
    return fd_ >= 0;
  }

  bool write(const uint8_t* data, size_t size) {
    while (size > 0) {
      if (used_ == kCapacity && !flush()) return false;
      size_t n = std::min(size, kCapacity - used_);
      std::copy_n(data, n, buf_.get() + used_);
      used_ += n;
      data += n;
      size -= n;
    }
    return true;
  }

  // Writes what is buffered and closes; false (error() says why) if any of it failed.
  bool close() {
    bool ok = flush();
    if (::close(std::exchange(fd_, -1)) != 0 && ok) {
      error_ = errno;
      ok = false;
    }
    return ok;
  }

  void discard() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    used_ = 0;
  }

 private:
  static constexpr size_t kCapacity = 64 * 1024;

  bool flush() {
    size_t done = 0;
    while (done < used_) {
      ssize_t n = ::write(fd_, buf_.get() + done, used_ - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? errno : EIO;
        return false;
      }
      done += static_cast<size_t>(n);
    }
    used_ = 0;
    return true;
  }

  int fd_ = -1;
  std::string path_;
  std::unique_ptr<uint8_t[]> buf_;
  size_t used_ = 0;
  int error_ = 0;
};

constexpr size_t kTsPacket = 188;

// The direct segmenter of one variant: mpegtsmux and the pad its output comes to.
struct DirectOutput {
  GstElement* mux = nullptr;  // owned by the bin
  // A sink pad of no element, linked to mpegtsmux's src: the mux's streaming thread calls our
  // chain function directly, with no sink element (no preroll, no sync, no extra thread).
  kek::Ref<GstPad> out;
  kek::Ref<GstPad> video_sink;  // the mux's request pad our video ghost pad targets

  // The mux's streaming thread only (reset in prepare_run, before streaming).
  std::string prefix;  // "<dir>/<run ms>-"
  guint next_index = 0;
  SegmentFile file;
  bool announced = false;  // fragment_opened was told (it needs a running time)
  GstClockTime last_ts = GST_CLOCK_TIME_NONE;  // highest output timestamp, for the end at EOS
  bool failed = false;     // a write error was posted: refuse further data
  // Audio only (no keyframes from the mux to cut at): the last PAT and PMT packets, repeated at
  // the start of each segment so that it can be decoded on its own. Byte-identical copies of the
  // latest ones, so a player reading on across segments sees legal duplicate packets.
  std::array<uint8_t, kTsPacket> pat{}, pmt{};
  bool have_pat = false, have_pmt = false;
  int pmt_pid = -1;
  GstClockTime last_unit_ts = GST_CLOCK_TIME_NONE;  // the last audio PES packet's

  // Running time of the next cut the output thread hopes for, handed to the video thread, which
  // asks upstream encoders for a keyframe there (as splitmuxsink's send-keyframe-requests does).
  std::atomic<uint64_t> keyframe_request{GST_CLOCK_TIME_NONE};
  bool eos = false;  // guarded by Impl::lock
};

// One variant: a video pad and its splitmuxsink, or the audio-only variant.
struct Variant {
  Variant() { gst_segment_init(&segment, GST_FORMAT_TIME); }

  KekHlsSink* owner = nullptr;
  guint index = 0;         // from the pad name video_<index>
  bool audio_only = false;
  GstPad* pad = nullptr;   // our video_%u ghost pad, owned by the element; null when audio only
  gulong probe_id = 0;
  Segmenter segmenter = kDefaultSegmenter;  // what the insides are built as
  GstElement* splitmux = nullptr;     // owned by the bin; mpegtsmux + filesink inside (kSplitmux)
  DirectOutput direct;                // kDirect
  GstElement* audio_queue = nullptr;  // owned by the bin; null without audio
  kek::Ref<GstPad> tee_pad;           // the tee's request pad feeding audio_queue

  // Touched only by the pad's streaming thread (reset in prepare_run, before streaming).
  BandwidthMeter meter{kDefaultTargetDuration * GST_SECOND};
  bool looking_for_sps = true;     // caps came: settle the codec at the next keyframe
  std::vector<uint8_t> last_sps;    // the last SPS seen, to notice a new one
  GstSegment segment;                             // the video's, for its end in running time
  GstClockTime video_end = GST_CLOCK_TIME_NONE;   // highest PTS + duration seen
  GstClockTime max_ts = GST_CLOCK_TIME_NONE;      // highest PTS (DTS if none) seen, as splitmuxsink counts
  bool seam_pending = false;  // a seam or a format change: the next buffer starts the new part
  bool seen_buffer = false;   // a seam before the first buffer is no seam

  // Running time where the video ended, set by the video thread at EOS and read by the audio
  // thread: audio past it is dropped, or splitmuxsink would append it to the last segment for as
  // long as audio flows (a segment far longer than its EXTINF).
  std::atomic<uint64_t> video_ended_at{GST_CLOCK_TIME_NONE};

  // Set in prepare_run (no streaming yet), then read under Impl::lock.
  std::string name;
  std::string playlist_path;
  uint64_t declared_bps = 0;
  // Guarded by Impl::lock.
  VideoFormat format;
  Rates rates;
  uint64_t written_peak = 0, written_average = 0;
  // The media playlist, from splitmuxsink's fragment messages; guarded by Impl::lock.
  kek::hls::MediaPlaylist playlist;
  OpenFragment open;
  std::deque<Seam> seams;           // registered by the streaming thread, consumed by fragment-opened
  std::deque<std::string> files;    // segments on disk, oldest first, for max-files
  bool first_independent = true;    // the run's first buffer was a keyframe
  bool playlist_written = false;
  int64_t wall_offset_us = 0;       // unix time (us) of running time 0, moved forward at seams
  bool have_wall_offset = false;
};

// The one `audio` pad, teed into every variant.
struct AudioInput {
  AudioInput() { gst_segment_init(&segment, GST_FORMAT_TIME); }

  KekHlsSink* owner = nullptr;
  GstPad* pad = nullptr;    // owned by the element
  gulong probe_id = 0;
  GstElement* tee = nullptr;  // owned by the bin
  BandwidthMeter meter{kDefaultTargetDuration * GST_SECOND};  // streaming thread only
  // Streaming thread only: seams on the audio pad cut the audio-only variant.
  GstSegment segment;
  GstClockTime max_ts = GST_CLOCK_TIME_NONE;
  bool seam_pending = false;
  bool seen_buffer = false;
  GstClockTime end = GST_CLOCK_TIME_NONE;  // highest PTS + duration seen
  std::atomic<uint64_t> ended_at{GST_CLOCK_TIME_NONE};  // its running time, set at EOS
  // Guarded by Impl::lock.
  bool have_caps = false;
  std::string codec;
  Rates rates;
};

struct Impl {
  Settings settings;  // object lock

  // Changed only in request/release pad and state changes, never while streaming; the streaming
  // threads read them under `lock`, so changes take it too.
  std::vector<std::unique_ptr<Variant>> variants;  // video variants sorted by pad index, or the audio one
  std::unique_ptr<AudioInput> audio;

  // The current run, fixed in prepare_run.
  uint64_t window_ns = kDefaultTargetDuration * GST_SECOND;
  std::string master_path;
  int64_t last_prefix_ms = 0;
  guint max_files = 0;  // segments kept per variant, 0 = all

  std::mutex lock;  // the master state below and the guarded fields of Variant and AudioInput
  bool master_written = false;
  bool format_changed = false;  // a caps change since the last write: rewrite at once
  uint64_t last_write_ts = 0;   // media time of the last rewrite, to rewrite at most once a segment
  std::string last_master;
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
  PROP_MASTER_NAME,
  PROP_SEGMENTER,
  PROP_PLAYLIST_TYPE,
};

}  // namespace

struct _KekHlsSink {
  GstBin parent;
  Impl impl;  // constructed in init, destroyed in finalize
};

G_DEFINE_TYPE(KekHlsSink, kek_hls_sink, GST_TYPE_BIN)

static GType kek_hls_segmenter_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {static_cast<gint>(Segmenter::kSplitmux), "splitmuxsink + mpegtsmux", "splitmux"},
        {static_cast<gint>(Segmenter::kDirect), "mpegtsmux, cut at keyframes by kekhlssink", "direct"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("KekHlsSegmenter", values));
  }
  return type;
}
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

std::span<const uint8_t> bytes_of(const GstMapInfo& map) { return {map.data, map.size}; }

// --- the master playlist -----------------------------------------------------------------------

struct Bandwidth {
  uint64_t peak = 0, average = 0;
  bool known = false;
};

// Lock held.
Bandwidth variant_bandwidth(const Impl& impl, const Variant& v) {
  const AudioInput* audio = impl.audio.get();
  bool measured = v.audio_only ? (audio && audio->rates.measured) : v.rates.measured;
  if (!measured) {
    // Declared figures stand in until the first window closes; they are the whole variant's.
    if (v.declared_bps == 0) return {};
    return {v.declared_bps, 0, true};
  }
  Bandwidth b{kek::hls::kPsiBitsPerSecond, kek::hls::kPsiBitsPerSecond, true};
  if (!v.audio_only) {
    b.peak += v.rates.peak_bps;
    b.average += v.rates.average_bps;
  }
  if (audio) {
    b.peak += audio->rates.peak_bps;
    b.average += audio->rates.average_bps;
  }
  // Our windows are not cut where the segments are (a segment holds a whole GOP from its
  // keyframe), so the busiest segment runs a little above the busiest window; RFC 8216 wants
  // BANDWIDTH at or above every segment's rate, hence some headroom on the peak only.
  b.peak += b.peak * kPeakHeadroomPercent / 100;
  return b;
}

// Lock held. Writes the master if every variant can be described and it is new or has changed
// enough; `media_ts` is the caller's stream time, `final` ignores the once-a-segment limit.
void maybe_write_master(KekHlsSink* self, uint64_t media_ts, bool final) {
  Impl& impl = self->impl;
  if (impl.variants.empty()) return;
  if (impl.audio && (!impl.audio->have_caps)) return;

  // The first master waits for every variant's media playlist (written when its first segment
  // is complete): a player that reads the master must find every URI it names. At EOS (final)
  // the playlists are about to be written, so a stream shorter than a segment still gets one.
  if (!impl.master_written && !final) {
    for (const auto& v : impl.variants)
      if (!v->playlist_written) return;
  }

  std::vector<kek::hls::VariantEntry> entries;
  std::vector<Bandwidth> bandwidths;
  bool bandwidth_moved = false;
  for (const auto& v : impl.variants) {
    if (!v->audio_only && (!v->format.have_caps || !v->format.codec_known)) return;
    Bandwidth b = variant_bandwidth(impl, *v);
    if (!b.known) return;
    bandwidths.push_back(b);
    if (kek::hls::changed_by_more_than(v->written_peak, b.peak, kRewriteThreshold) ||
        kek::hls::changed_by_more_than(v->written_average, b.average, kRewriteThreshold))
      bandwidth_moved = true;

    kek::hls::VariantEntry e;
    e.uri = v->name + "/" + kMediaPlaylistName;
    e.bandwidth = b.peak;
    e.average_bandwidth = b.average;
    if (!v->audio_only) {
      e.width = v->format.shown_width();
      e.height = v->format.shown_height();
      e.fps_num = v->format.fps_num;
      e.fps_den = v->format.fps_den;
      if (!v->format.codec.empty()) e.codecs.push_back(v->format.codec);
    }
    if (impl.audio) e.codecs.push_back(impl.audio->codec);
    // A video codec we could not name would make the variant look audio-only: say nothing then.
    if (!v->audio_only && v->format.codec.empty()) e.codecs.clear();
    entries.push_back(std::move(e));
  }

  if (impl.master_written && !impl.format_changed) {
    if (!bandwidth_moved) return;
    if (!final && media_ts < impl.last_write_ts + impl.window_ns) return;
  }

  std::string text = kek::hls::render_master(entries);
  if (impl.master_written && text == impl.last_master) return;
  // g_file_set_contents writes a temporary file beside the target and renames it over, so a
  // reader sees the old master or the new one, never a half-written file.
  g_autoptr(GError) error = nullptr;
  if (!g_file_set_contents_full(impl.master_path.c_str(), text.data(), static_cast<gssize>(text.size()),
                                G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error)) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("Could not write the HLS master playlist %s",
                      impl.master_path.c_str()), ("%s", error->message));
    return;
  }
  GST_INFO_OBJECT(self, "wrote %s:\n%s", impl.master_path.c_str(), text.c_str());
  for (size_t i = 0; i < impl.variants.size(); ++i) {
    impl.variants[i]->written_peak = bandwidths[i].peak;
    impl.variants[i]->written_average = bandwidths[i].average;
  }
  impl.master_written = true;
  impl.format_changed = false;
  impl.last_write_ts = media_ts;
  impl.last_master = std::move(text);
}

// --- the media playlists -----------------------------------------------------------------------

// A failed write, reported as an element error once the lock is released.
struct WriteError {
  std::string what, why;
};

// Lock held. Writes the variant's playlist atomically: a player sees the old one or the new one.
std::optional<WriteError> write_media_playlist(Variant& v) {
  std::string text = v.playlist.render();
  g_autoptr(GError) error = nullptr;
  if (!g_file_set_contents_full(v.playlist_path.c_str(), text.data(), static_cast<gssize>(text.size()),
                                G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
    return WriteError{"Could not write the HLS playlist " + v.playlist_path, error->message};
  v.playlist_written = true;
  return std::nullopt;
}

// Lock held. Unix time (us) at running time 0 of this run, taken from the pipeline clock when the
// first fragment opens: live, that is when the frames were captured; run faster than real time,
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

// Lock held. splitmuxsink started a segment at `running_time`.
void fragment_opened(KekHlsSink* self, Variant& v, const char* location, uint64_t running_time) {
  if (!v.have_wall_offset) {
    v.wall_offset_us = run_wall_offset(self, running_time);
    v.have_wall_offset = true;
  }
  v.open = OpenFragment();
  v.open.location = location ? location : "";
  v.open.start = running_time;
  v.open.independent = !v.files.empty() || v.first_independent;
  // Every seam this fragment starts at or after is behind us now: one discontinuity for them
  // all (a reconnect that also changes the size is still one seam).
  while (!v.seams.empty() && GST_CLOCK_TIME_IS_VALID(running_time) && running_time >= v.seams.front().from) {
    v.open.discontinuity = true;
    v.wall_offset_us = std::max(v.wall_offset_us, v.seams.front().wall_offset_us);
    v.seams.pop_front();
  }
}

// Lock held. splitmuxsink finished the segment it opened last, at `running_time`.
std::optional<WriteError> fragment_closed(Impl& impl, Variant& v, const char* location, uint64_t running_time) {
  std::string path = location ? location : v.open.location;
  if (path.empty()) return std::nullopt;
  kek::hls::MediaSegment segment;
  g_autofree char* base = g_path_get_basename(path.c_str());
  segment.uri = base;
  if (GST_CLOCK_TIME_IS_VALID(v.open.start) && GST_CLOCK_TIME_IS_VALID(running_time) && running_time > v.open.start)
    segment.duration_ns = running_time - v.open.start;
  segment.discontinuity = v.open.discontinuity && !v.files.empty();
  segment.independent = v.open.independent;
  if (GST_CLOCK_TIME_IS_VALID(v.open.start))
    segment.start_unix_ms = (v.wall_offset_us + static_cast<int64_t>(v.open.start / 1000)) / 1000;
  v.open = OpenFragment();
  v.playlist.add(std::move(segment));
  v.files.push_back(std::move(path));
  auto error = write_media_playlist(v);
  // Segments that left the playlist stay a while (max-files) for players still fetching them.
  while (impl.max_files > 0 && v.files.size() > impl.max_files) {
    if (g_remove(v.files.front().c_str()) != 0 && errno != ENOENT)
      GST_WARNING("could not delete %s: %s", v.files.front().c_str(), g_strerror(errno));
    v.files.pop_front();
  }
  return error;
}

// Lock held. The variant's splitmuxsink is done: EXT-X-ENDLIST.
std::optional<WriteError> variant_ended(Variant& v) {
  if (v.playlist.ended()) return std::nullopt;
  v.playlist.end();
  return write_media_playlist(v);
}

void post_write_error(KekHlsSink* self, const std::optional<WriteError>& error) {
  if (!error) return;
  GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("%s", error->what.c_str()), ("%s", error->why.c_str()));
}

// The streaming thread of a variant's reference pad saw the first buffer after a seam (a seam
// event or a new format), at `running_time`; `floor` is the highest running time before it.
// splitmuxsink cuts at the next keyframe: split-after ends the fragment with the GOP being
// collected, so the GOP that starts at this buffer (if it is a keyframe) or at the next keyframe
// starts a new one. (split-now would move the GOP already under way into the new fragment, before
// the seam; split-at-running-time needs the keyframe's time, which is not known yet when the
// seam's first buffer is a delta frame.)
void register_seam(KekHlsSink* self, Variant& v, GstPad* pad, uint64_t running_time, uint64_t floor,
                   bool keyframe) {
  {
    std::lock_guard guard(self->impl.lock);
    Seam seam;
    seam.from = GST_CLOCK_TIME_IS_VALID(floor) ? std::max(running_time, floor) : running_time;
    // Live, a publisher away for a while comes back with timestamps that continue where it left
    // off: the wall clock moved on further, and the dates after the seam say so. Faster than real
    // time the clock lags the media, so this never moves dates back.
    int64_t now_offset = g_get_real_time() - static_cast<int64_t>(running_time / 1000);
    seam.wall_offset_us = std::max(v.wall_offset_us, now_offset);
    v.seams.push_back(seam);
  }
  GST_INFO_OBJECT(self, "seam in variant %s at %" GST_TIME_FORMAT "%s", v.name.c_str(), GST_TIME_ARGS(running_time),
                  keyframe ? "" : ", asking for a keyframe");
  // The direct segmenter needs no signal: it cuts at the first keyframe at or after the seam
  // (see direct_should_cut).
  if (v.segmenter == Segmenter::kSplitmux) g_signal_emit_by_name(v.splitmux, "split-after");
  // An encoder upstream makes the next frame a keyframe, so the cut comes soon after the seam
  // rather than a GOP later; a passthrough rung cannot, and waits for the publisher's next one.
  if (!keyframe && pad)
    gst_pad_push_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

// --- the direct segmenter: mpegtsmux's output cut into files here ----------------------------
//
// Everything below runs in the variant's mpegtsmux streaming thread. Segments start where
// mpegtsmux pushes a downstream force-key-unit event: it does so right before the keyframe our
// video probe asked about (count_video), then writes PAT and PMT, then the keyframe, so every
// segment starts decodable. The audio-only variant has no keyframes; it is cut by time at the
// start of an audio PES packet, with the last PAT and PMT repeated in front.

// Whether a segment that started at `start` ends at a keyframe (or audio packet) at `at`: the
// first one at or after target-duration, as splitmuxsink's max-size-time, or the first at or
// after a seam. `length` is that of the unit starting at `at` when it counts (audio). Lock held.
bool direct_should_cut(const Impl& impl, const Variant& v, uint64_t at, uint64_t length = 0) {
  if (!GST_CLOCK_TIME_IS_VALID(at)) return false;
  if (!v.seams.empty() && at >= v.seams.front().from) return true;
  return GST_CLOCK_TIME_IS_VALID(v.open.start) && at + length >= v.open.start + impl.window_ns;
}

void post_segment_error(KekHlsSink* self, DirectOutput& d, const char* what) {
  int err = d.file.error();
  d.failed = true;
  // ENOSPC as its own code: whoever watches the bus can tell a full disk from a broken file.
  if (err == ENOSPC)
    GST_ELEMENT_ERROR(self, RESOURCE, NO_SPACE_LEFT, ("Could not %s HLS segment %s: %s", what,
                      d.file.path().c_str(), g_strerror(err)), (nullptr));
  else
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Could not %s HLS segment %s: %s", what, d.file.path().c_str(),
                      g_strerror(err)), (nullptr));
}

// Tells the playlist about the open segment once its start time is known.
void direct_announce(KekHlsSink* self, Variant& v, uint64_t at) {
  DirectOutput& d = v.direct;
  if (d.announced || !d.file.is_open() || !GST_CLOCK_TIME_IS_VALID(at)) return;
  d.announced = true;
  {
    std::lock_guard guard(self->impl.lock);
    fragment_opened(self, v, d.file.path().c_str(), at);
  }
  d.keyframe_request.store(at + self->impl.window_ns, std::memory_order_relaxed);
}

// Closes the segment being written (if any) at running time `at`: the playlist lists it.
bool direct_close(KekHlsSink* self, Variant& v, uint64_t at) {
  DirectOutput& d = v.direct;
  if (!d.file.is_open()) return true;
  bool announced = std::exchange(d.announced, false);
  if (!d.file.close()) {
    post_segment_error(self, d, "write");
    return false;
  }
  if (!announced) return true;  // no timestamp ever came: nothing a playlist could say
  Impl& impl = self->impl;
  std::optional<WriteError> error;
  {
    std::lock_guard guard(impl.lock);
    error = fragment_closed(impl, v, d.file.path().c_str(), at);
    // The first master waits for the last variant's first playlist: this may be it.
    if (!error) maybe_write_master(self, impl.last_write_ts, false);
  }
  post_write_error(self, error);
  return true;
}

// Starts the next segment at running time `at` (NONE: not known yet, announced later).
bool direct_open(KekHlsSink* self, Variant& v, uint64_t at) {
  DirectOutput& d = v.direct;
  char index[16];
  g_snprintf(index, sizeof index, "%05u.ts", d.next_index++);
  if (!d.file.open(d.prefix + index)) {
    post_segment_error(self, d, "open");
    return false;
  }
  direct_announce(self, v, at);
  return true;
}

bool direct_cut(KekHlsSink* self, Variant& v, uint64_t at) {
  return direct_close(self, v, at) && direct_open(self, v, at);
}

// Audio only: cut before the packet at `packet` if it starts an audio PES packet late enough;
// remembers PAT and PMT. Returns false on a write error.
bool direct_audio_packet(KekHlsSink* self, Variant& v, const uint8_t* packet, uint64_t ts) {
  DirectOutput& d = v.direct;
  if (packet[0] != 0x47) return true;
  int pid = ((packet[1] & 0x1f) << 8) | packet[2];
  bool unit_start = packet[1] & 0x40;
  if (pid == 0) {
    std::copy_n(packet, kTsPacket, d.pat.begin());
    d.have_pat = true;
    // The first program's PMT PID: pointer field, then 8 bytes of section header, then
    // (program number, PID) pairs; program 0 is the network PID.
    size_t at = 4;
    if (packet[3] & 0x20) at += 1 + packet[4];  // adaptation field
    if (unit_start && at < kTsPacket) at += 1 + packet[at];
    for (size_t e = at + 8; e + 4 <= kTsPacket; e += 4) {
      int program = (packet[e] << 8) | packet[e + 1];
      if (program == 0xffff) break;  // stuffing
      if (program != 0) {
        d.pmt_pid = ((packet[e + 2] & 0x1f) << 8) | packet[e + 3];
        break;
      }
    }
    return true;
  }
  if (pid == d.pmt_pid) {
    std::copy_n(packet, kTsPacket, d.pmt.begin());
    d.have_pmt = true;
    return true;
  }
  // Elementary streams start at PID 0x40 in mpegtsmux; a PES packet starts an audio frame.
  if (pid < 0x40 || !unit_start || !d.announced) return true;
  // Audio frames are all alike: the last gap is this frame's length. A segment ends before the
  // frame that would take it past target-duration (as splitmuxsink cuts audio), so segments stay
  // within EXT-X-TARGETDURATION.
  uint64_t length = 0;
  if (GST_CLOCK_TIME_IS_VALID(ts) && GST_CLOCK_TIME_IS_VALID(d.last_unit_ts) && ts > d.last_unit_ts)
    length = ts - d.last_unit_ts;
  d.last_unit_ts = ts;
  bool cut;
  {
    std::lock_guard guard(self->impl.lock);
    cut = direct_should_cut(self->impl, v, ts, length);
  }
  if (!cut) return true;
  if (!direct_cut(self, v, ts)) return false;
  if (d.have_pat && !d.file.write(d.pat.data(), kTsPacket)) return false;
  if (d.have_pmt && !d.file.write(d.pmt.data(), kTsPacket)) return false;
  return true;
}

Variant* variant_of_output(GstPad* pad) { return static_cast<Variant*>(gst_pad_get_element_private(pad)); }

GstFlowReturn direct_chain(GstPad* pad, GstObject*, GstBuffer* buf) {
  Variant& v = *variant_of_output(pad);
  KekHlsSink* self = v.owner;
  DirectOutput& d = v.direct;
  g_autoptr(GstBuffer) unref_at_return = buf;
  if (d.failed) return GST_FLOW_ERROR;
  // mpegtsmux gives its output the running time of the stream it takes the PCR from.
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
  if (GST_CLOCK_TIME_IS_VALID(ts) && (!GST_CLOCK_TIME_IS_VALID(d.last_ts) || ts > d.last_ts)) d.last_ts = ts;
  if (!d.file.is_open() && !direct_open(self, v, ts)) return GST_FLOW_ERROR;
  direct_announce(self, v, ts);

  GstMapInfo map;
  if (!gst_buffer_map(buf, &map, GST_MAP_READ)) return GST_FLOW_ERROR;
  bool ok = true;
  if (v.audio_only && map.size % kTsPacket == 0) {
    for (size_t at = 0; ok && at < map.size; at += kTsPacket) {
      ok = direct_audio_packet(self, v, map.data + at, ts);
      if (ok) ok = d.file.write(map.data + at, kTsPacket);
    }
  } else {
    ok = d.file.write(map.data, map.size);
  }
  gst_buffer_unmap(buf, &map);
  if (!ok) {
    if (!d.failed) post_segment_error(self, d, "write");
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

// Every variant's mux has finished: the element is at EOS (splitmuxsink posts its own EOS, which
// GstBin collects; our pads are no elements, so the message is ours to post).
void direct_eos(KekHlsSink* self, Variant& v, guint32 seqnum) {
  Impl& impl = self->impl;
  DirectOutput& d = v.direct;
  uint64_t end = d.last_ts;
  uint64_t media_end = v.audio_only ? (impl.audio ? impl.audio->ended_at.load() : GST_CLOCK_TIME_NONE)
                                    : v.video_ended_at.load();
  if (GST_CLOCK_TIME_IS_VALID(media_end)) end = media_end;
  if (!d.failed) direct_close(self, v, end);
  std::optional<WriteError> error;
  bool all_done = true;
  {
    std::lock_guard guard(impl.lock);
    error = variant_ended(v);
    d.eos = true;
    for (const auto& other : impl.variants) all_done = all_done && other->direct.eos;
  }
  post_write_error(self, error);
  if (!all_done) return;
  GstMessage* eos = gst_message_new_eos(GST_OBJECT(self));
  gst_message_set_seqnum(eos, seqnum);
  gst_element_post_message(GST_ELEMENT(self), eos);
}

gboolean direct_event(GstPad* pad, GstObject*, GstEvent* event) {
  Variant& v = *variant_of_output(pad);
  KekHlsSink* self = v.owner;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      GstClockTime at = GST_CLOCK_TIME_NONE;
      if (!gst_video_event_parse_downstream_force_key_unit(event, nullptr, nullptr, &at, nullptr, nullptr)) break;
      DirectOutput& d = v.direct;
      if (d.failed) break;
      if (!d.file.is_open()) {
        direct_open(self, v, at);
        break;
      }
      if (!d.announced) {
        direct_announce(self, v, at);
        break;
      }
      bool cut;
      {
        std::lock_guard guard(self->impl.lock);
        cut = direct_should_cut(self->impl, v, at);
      }
      if (cut) direct_cut(self, v, at);
      break;
    }
    case GST_EVENT_EOS:
      direct_eos(self, v, gst_event_get_seqnum(event));
      break;
    case GST_EVENT_FLUSH_STOP: {
      std::lock_guard guard(self->impl.lock);
      v.direct.eos = false;
      break;
    }
    default:
      break;
  }
  gst_event_unref(event);
  return TRUE;
}

// Whatever mpegtsmux offers (video/mpegts) is fine: the bytes go to files as they are.
gboolean direct_query(GstPad*, GstObject*, GstQuery* query) {
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

// --- pad probes --------------------------------------------------------------------------------

uint64_t buffer_time(GstBuffer* buf) {
  // DTS grows monotonically even with B-frames; audio has only PTS.
  return GST_BUFFER_DTS_IS_VALID(buf) ? GST_BUFFER_DTS(buf) : GST_BUFFER_PTS(buf);
}

// The picture size an SPS (with its NAL header byte) describes, after cropping; false if it does
// not parse.
bool sps_size(std::span<const uint8_t> sps, int& width, int& height) {
  GstH264NalUnit nalu{};
  nalu.type = GST_H264_NAL_SPS;
  nalu.data = const_cast<guint8*>(sps.data());
  nalu.size = static_cast<guint>(sps.size());
  nalu.header_bytes = 1;
  nalu.valid = TRUE;
  GstH264SPS parsed{};
  if (gst_h264_parse_sps(&nalu, &parsed) != GST_H264_PARSER_OK) return false;
  width = parsed.frame_cropping_flag ? parsed.crop_rect_width : parsed.width;
  height = parsed.frame_cropping_flag ? parsed.crop_rect_height : parsed.height;
  gst_h264_sps_clear(&parsed);
  return width > 0 && height > 0;
}

// Streaming thread of v->pad, at a keyframe. Its SPS, when it carries one that differs from the
// last, gives the exact avc1 string and the real picture size; from the second one on it is also
// a seam (players must reset their decoder there, as for new caps). Costs a scan for a start
// code once per GOP; the SPS is copied and parsed only when it changes.
void look_at_sps(Variant* v, GstBuffer* buf) {
  GstMapInfo map;
  if (!gst_buffer_map(buf, &map, GST_MAP_READ)) return;
  std::span<const uint8_t> sps = kek::hls::find_sps_annexb(bytes_of(map));
  bool changed = !sps.empty() && !std::ranges::equal(sps, v->last_sps);
  bool had_sps = !v->last_sps.empty();
  std::optional<std::string> codec;
  int width = 0, height = 0;
  if (changed) {
    v->last_sps.assign(sps.begin(), sps.end());
    codec = kek::hls::avc1_from_sps(sps);
    sps_size(sps, width, height);
  }
  gst_buffer_unmap(buf, &map);
  if (!changed && !v->looking_for_sps) return;
  v->looking_for_sps = false;
  if (changed && had_sps) v->seam_pending = true;

  KekHlsSink* self = v->owner;
  std::lock_guard guard(self->impl.lock);
  VideoFormat& f = v->format;
  int shown_width = f.shown_width(), shown_height = f.shown_height();
  if (changed) {
    f.sps_codec = codec.value_or(std::string());
    f.sps_width = width;
    f.sps_height = height;
  }
  // No SPS in the stream at all: the caps' codec is the best there is.
  std::string now = f.sps_codec.empty() ? f.caps_codec : f.sps_codec;
  if ((f.codec_known && now != f.codec) || (f.have_caps && (shown_width != f.shown_width() ||
                                                            shown_height != f.shown_height())))
    self->impl.format_changed = true;
  f.codec = std::move(now);
  f.codec_known = true;
  maybe_write_master(self, buffer_time(buf), false);
}

// splitmuxsink's clock for cutting: PTS, or DTS when there is none.
GstClockTime split_time(GstBuffer* buf) {
  return GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
}

// Streaming thread of v->pad. The common path is a size, a few timestamps and adds.
void count_video(Variant* v, GstBuffer* buf) {
  KekHlsSink* self = v->owner;
  bool keyframe = !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  GstClockTime ts_split = split_time(buf);
  if (keyframe) look_at_sps(v, buf);  // before the seam check: a new SPS cuts at this very buffer
  if (G_UNLIKELY(!v->seen_buffer)) {
    v->seen_buffer = true;
    v->seam_pending = false;
    std::lock_guard guard(self->impl.lock);
    v->first_independent = keyframe;
  } else if (G_UNLIKELY(v->seam_pending)) {
    v->seam_pending = false;
    GstClockTime floor = GST_CLOCK_TIME_IS_VALID(v->max_ts)
                             ? gst_segment_to_running_time(&v->segment, GST_FORMAT_TIME, v->max_ts)
                             : GST_CLOCK_TIME_NONE;
    GstClockTime at = GST_CLOCK_TIME_IS_VALID(ts_split)
                          ? gst_segment_to_running_time(&v->segment, GST_FORMAT_TIME, ts_split)
                          : GST_CLOCK_TIME_NONE;
    if (GST_CLOCK_TIME_IS_VALID(at) || GST_CLOCK_TIME_IS_VALID(floor))
      register_seam(self, *v, v->pad, GST_CLOCK_TIME_IS_VALID(at) ? at : floor, floor, keyframe);
  }
  if (v->segmenter == Segmenter::kDirect) {
    // The output thread started a segment: ask upstream encoders for a keyframe where the next
    // one should start (a passthrough rung ignores it and cuts at the publisher's keyframes).
    if (G_UNLIKELY(v->direct.keyframe_request.load(std::memory_order_relaxed) != GST_CLOCK_TIME_NONE)) {
      uint64_t at = v->direct.keyframe_request.exchange(GST_CLOCK_TIME_NONE);
      if (at != GST_CLOCK_TIME_NONE)
        gst_pad_push_event(v->pad, gst_video_event_new_upstream_force_key_unit(at, TRUE, 0));
    }
    // mpegtsmux announces a keyframe it is about to write with a downstream force-key-unit event
    // (and writes PAT and PMT before it) only when asked by one: ask before every keyframe, so
    // every GOP may start a segment. Timestamps NONE: this very keyframe, whatever its time.
    if (keyframe)
      gst_pad_send_event(v->direct.video_sink.get(), gst_video_event_new_downstream_force_key_unit(
                                                         GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
                                                         GST_CLOCK_TIME_NONE, TRUE, 0));
  }
  if (GST_CLOCK_TIME_IS_VALID(ts_split) && (!GST_CLOCK_TIME_IS_VALID(v->max_ts) || ts_split > v->max_ts))
    v->max_ts = ts_split;
  if (GST_BUFFER_PTS_IS_VALID(buf)) {
    GstClockTime end = GST_BUFFER_PTS(buf) + (GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : 0);
    if (!GST_CLOCK_TIME_IS_VALID(v->video_end) || end > v->video_end) v->video_end = end;
  }
  uint64_t bytes = kek::hls::mpegts_bytes(gst_buffer_get_size(buf), kek::hls::kVideoPesOverhead);
  uint64_t ts = buffer_time(buf);
  if (!GST_CLOCK_TIME_IS_VALID(ts)) {
    v->meter.add_untimed(bytes);
    return;
  }
  uint64_t duration = GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : 0;
  if (v->meter.add(ts, duration, bytes)) {
    std::lock_guard guard(self->impl.lock);
    v->rates = v->meter.rates();
    maybe_write_master(self, ts, false);
  }
}

// Lock held: the audio-only variant, if that is what this run is.
Variant* audio_only_variant(Impl& impl) {
  return impl.variants.size() == 1 && impl.variants[0]->audio_only ? impl.variants[0].get() : nullptr;
}

void count_audio(AudioInput* a, GstBuffer* buf) {
  GstClockTime ts_split = split_time(buf);
  if (G_UNLIKELY(!a->seen_buffer)) {
    a->seen_buffer = true;
    a->seam_pending = false;
  } else if (G_UNLIKELY(a->seam_pending)) {
    // Only the audio-only variant cuts at an audio seam; video variants cut at their video's.
    a->seam_pending = false;
    Variant* v = nullptr;
    {
      std::lock_guard guard(a->owner->impl.lock);
      v = audio_only_variant(a->owner->impl);
    }
    GstClockTime floor = GST_CLOCK_TIME_IS_VALID(a->max_ts)
                             ? gst_segment_to_running_time(&a->segment, GST_FORMAT_TIME, a->max_ts)
                             : GST_CLOCK_TIME_NONE;
    GstClockTime at = GST_CLOCK_TIME_IS_VALID(ts_split)
                          ? gst_segment_to_running_time(&a->segment, GST_FORMAT_TIME, ts_split)
                          : GST_CLOCK_TIME_NONE;
    if (v && (GST_CLOCK_TIME_IS_VALID(at) || GST_CLOCK_TIME_IS_VALID(floor)))
      register_seam(a->owner, *v, nullptr, GST_CLOCK_TIME_IS_VALID(at) ? at : floor, floor, true);
  }
  if (GST_CLOCK_TIME_IS_VALID(ts_split) && (!GST_CLOCK_TIME_IS_VALID(a->max_ts) || ts_split > a->max_ts))
    a->max_ts = ts_split;
  if (GST_BUFFER_PTS_IS_VALID(buf)) {
    GstClockTime end = GST_BUFFER_PTS(buf) + (GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : 0);
    if (!GST_CLOCK_TIME_IS_VALID(a->end) || end > a->end) a->end = end;
  }
  uint64_t bytes = kek::hls::mpegts_bytes(gst_buffer_get_size(buf), kek::hls::kAudioPesOverhead);
  uint64_t ts = buffer_time(buf);
  if (!GST_CLOCK_TIME_IS_VALID(ts)) {
    a->meter.add_untimed(bytes);
    return;
  }
  uint64_t duration = GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : 0;
  if (a->meter.add(ts, duration, bytes)) {
    std::lock_guard guard(a->owner->impl.lock);
    a->rates = a->meter.rates();
    maybe_write_master(a->owner, ts, false);
  }
}

VideoFormat video_format_from_caps(GstCaps* caps) {
  VideoFormat f;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  if (!s) return f;
  f.have_caps = true;
  gst_structure_get_int(s, "width", &f.width);
  gst_structure_get_int(s, "height", &f.height);
  if (!gst_structure_get_fraction(s, "framerate", &f.fps_num, &f.fps_den)) {
    f.fps_num = 0;
    f.fps_den = 1;
  }
  if (const GValue* cd = gst_structure_get_value(s, "codec_data"); cd && G_VALUE_HOLDS(cd, GST_TYPE_BUFFER)) {
    GstBuffer* buf = gst_value_get_buffer(cd);
    GstMapInfo map;
    if (gst_buffer_map(buf, &map, GST_MAP_READ)) {
      if (auto codec = kek::hls::avc1_from_avcc(bytes_of(map))) f.caps_codec = *codec;
      f.codec_data.assign(map.data, map.data + map.size);
      gst_buffer_unmap(buf, &map);
    }
  }
  if (f.caps_codec.empty()) {
    const char* profile = gst_structure_get_string(s, "profile");
    const char* level = gst_structure_get_string(s, "level");
    if (profile && level)
      if (auto codec = kek::hls::avc1_from_caps(profile, level)) f.caps_codec = *codec;
  }
  return f;
}

std::string audio_codec_from_caps(GstCaps* caps) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  std::optional<int> type;
  if (const GValue* cd = s ? gst_structure_get_value(s, "codec_data") : nullptr;
      cd && G_VALUE_HOLDS(cd, GST_TYPE_BUFFER)) {
    GstBuffer* buf = gst_value_get_buffer(cd);
    GstMapInfo map;
    if (gst_buffer_map(buf, &map, GST_MAP_READ)) {
      type = kek::hls::aac_object_type(bytes_of(map));
      gst_buffer_unmap(buf, &map);
    }
  }
  if (!type && s)
    if (const char* profile = gst_structure_get_string(s, "profile")) type = kek::hls::aac_object_type_from_profile(profile);
  return kek::hls::mp4a_codec(type.value_or(2));  // AAC-LC, by far the most common
}

GstPadProbeReturn video_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* v = static_cast<Variant*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    count_video(v, GST_PAD_PROBE_INFO_BUFFER(info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0, n = gst_buffer_list_length(list); i < n; ++i) count_video(v, gst_buffer_list_get(list, i));
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    Impl& impl = v->owner->impl;
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_CAPS: {
        GstCaps* caps = nullptr;
        gst_event_parse_caps(event, &caps);
        VideoFormat f = video_format_from_caps(caps);
        v->looking_for_sps = true;  // new caps may mean a new SPS: look at the next keyframe
        std::lock_guard guard(impl.lock);
        // Until the next keyframe, keep the codec and SPS we had (or none, so the master waits).
        f.codec = v->format.codec;
        f.codec_known = v->format.codec_known;
        f.sps_codec = v->format.sps_codec;
        f.sps_width = v->format.sps_width;
        f.sps_height = v->format.sps_height;
        if (v->format.have_caps && !f.same_as(v->format)) impl.format_changed = true;
        // A new size or new decoder configuration: players must reset their decoder there.
        if (v->format.have_caps && (f.width != v->format.width || f.height != v->format.height ||
                                    f.codec_data != v->format.codec_data))
          v->seam_pending = true;
        v->format = std::move(f);
        break;
      }
      case GST_EVENT_CUSTOM_DOWNSTREAM:
        if (kek::is_stream_seam_event(event)) v->seam_pending = true;
        // Upstream's own keyframe announcements (h264parse, x264enc answering a request) would
        // make mpegtsmux ignore ours: the direct segmenter asks for each keyframe itself.
        if (v->segmenter == Segmenter::kDirect && gst_video_event_is_force_key_unit(event))
          return GST_PAD_PROBE_DROP;
        break;
      case GST_EVENT_SEGMENT:
        gst_event_copy_segment(event, &v->segment);
        v->meter.restart_window();
        v->video_ended_at.store(GST_CLOCK_TIME_NONE, std::memory_order_relaxed);
        break;
      case GST_EVENT_FLUSH_STOP:
        v->meter.restart_window();
        v->video_ended_at.store(GST_CLOCK_TIME_NONE, std::memory_order_relaxed);
        break;
      case GST_EVENT_EOS:
        if (GST_CLOCK_TIME_IS_VALID(v->video_end)) {
          GstClockTime end = gst_segment_to_running_time(&v->segment, GST_FORMAT_TIME, v->video_end);
          v->video_ended_at.store(end, std::memory_order_relaxed);
        }
        if (v->meter.finish()) {
          std::lock_guard guard(impl.lock);
          v->rates = v->meter.rates();
          maybe_write_master(v->owner, impl.last_write_ts, true);
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
    count_audio(a, GST_PAD_PROBE_INFO_BUFFER(info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0, n = gst_buffer_list_length(list); i < n; ++i) count_audio(a, gst_buffer_list_get(list, i));
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    Impl& impl = a->owner->impl;
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_CAPS: {
        GstCaps* caps = nullptr;
        gst_event_parse_caps(event, &caps);
        std::string codec = audio_codec_from_caps(caps);
        std::lock_guard guard(impl.lock);
        if (a->have_caps && codec != a->codec) impl.format_changed = true;
        a->codec = std::move(codec);
        a->have_caps = true;
        maybe_write_master(a->owner, impl.last_write_ts, false);
        break;
      }
      case GST_EVENT_SEGMENT:
        gst_event_copy_segment(event, &a->segment);
        a->meter.restart_window();
        break;
      case GST_EVENT_FLUSH_STOP:
        a->meter.restart_window();
        break;
      case GST_EVENT_CUSTOM_DOWNSTREAM:
        if (kek::is_stream_seam_event(event)) a->seam_pending = true;
        break;
      case GST_EVENT_EOS:
        if (GST_CLOCK_TIME_IS_VALID(a->end))
          a->ended_at.store(gst_segment_to_running_time(&a->segment, GST_FORMAT_TIME, a->end),
                            std::memory_order_relaxed);
        if (a->meter.finish()) {
          std::lock_guard guard(impl.lock);
          a->rates = a->meter.rates();
          maybe_write_master(a->owner, impl.last_write_ts, true);
        }
        break;
      default:
        break;
    }
  }
  return GST_PAD_PROBE_OK;
}

// After a branch's queue, right before splitmuxsink: audio that starts after its variant's video
// ended is dropped (events still pass, so the audio EOS arrives and splitmuxsink finishes). Until the
// video ends this is one atomic load per buffer.
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
  if (!e) GST_ERROR("element %s is missing (splitmuxsink: gst-plugins-good, mpegtsmux: gst-plugins-bad)", factory);
  return e;
}

// audio tee -> queue -> the variant's mux (splitmuxsink's audio pad or mpegtsmux). The queue
// decouples the variants: one mux holding audio back until its video reaches the cut point must
// not stall the others. A direct segmenter with the only variant needs no queue (with_queue
// false): nothing else waits on the tee, and mpegtsmux takes each input in its own thread.
bool link_audio_branch(KekHlsSink* self, Variant& v, bool with_queue = true) {
  Impl& impl = self->impl;
  v.tee_pad = kek::Ref<GstPad>::adopt(gst_element_request_pad_simple(impl.audio->tee, "src_%u"));
  g_autoptr(GstPad) hls_audio = v.segmenter == Segmenter::kSplitmux
                                    ? gst_element_request_pad_simple(v.splitmux, "audio_%u")
                                    : gst_element_request_pad_simple(v.direct.mux, "sink_%d");
  if (!v.tee_pad || !hls_audio) {
    GST_ERROR_OBJECT(self, "could not link the audio into variant %u", v.index);
    return false;
  }
  g_autoptr(GstPad) feeding = GST_PAD(gst_object_ref(v.tee_pad.get()));  // the pad linked to the mux
  if (with_queue) {
    g_autofree char* qname = g_strdup_printf("audio-queue-%s%u", v.audio_only ? "a" : "v", v.index);
    GstElement* queue = make_element("queue", qname);
    if (!queue) {
      gst_element_release_request_pad(GST_PAD_PARENT(hls_audio), hls_audio);
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
    gst_element_release_request_pad(GST_PAD_PARENT(hls_audio), hls_audio);
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
  if (v.splitmux) {
    gst_element_set_state(v.splitmux, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(self), v.splitmux);
    v.splitmux = nullptr;
  }
  DirectOutput& d = v.direct;
  if (d.mux) {
    gst_element_set_state(d.mux, GST_STATE_NULL);
    if (d.video_sink) gst_element_release_request_pad(d.mux, d.video_sink.get());
    gst_bin_remove(GST_BIN(self), d.mux);
    d.mux = nullptr;
  }
  d.video_sink.reset();
  if (d.out) {
    gst_pad_set_active(d.out.get(), FALSE);
    d.out.reset();
  }
  d.file.discard();
  // GstBin drops its sink flag with its last sink child (splitmuxsink); mpegtsmux is no sink,
  // yet the element stays one: the pipeline must wait for its EOS.
  GST_OBJECT_LOCK(self);
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
  GST_OBJECT_UNLOCK(self);
}

void remove_pad(KekHlsSink* self, GstPad* pad, gulong probe_id) {
  if (probe_id) gst_pad_remove_probe(pad, probe_id);
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(GST_ELEMENT(self), pad);
}

bool build_splitmux(KekHlsSink* self, Variant& v, const char* name) {
  // What hlssink2 sets up, with the playlist left to us: MPEG-TS segments cut at keyframes every
  // target-duration (prepare_run sets it and the location), keyframes asked of upstream encoders
  // at each cut, and one mpegtsmux kept across segments (reset-muxer=false: splitmuxsink flushes
  // it between segments, which makes it start each one with PAT/PMT, and continuity counters and
  // timestamps run on as players expect within a variant).
  v.splitmux = make_element("splitmuxsink", name);
  GstElement* mux = make_element("mpegtsmux", nullptr);
  if (!v.splitmux || !mux) {
    if (v.splitmux) gst_object_unref(gst_object_ref_sink(v.splitmux));
    if (mux) gst_object_unref(gst_object_ref_sink(mux));
    v.splitmux = nullptr;
    return false;
  }
  g_object_set(v.splitmux, "muxer", mux, "reset-muxer", FALSE, "send-keyframe-requests", TRUE, "max-size-time",
               static_cast<guint64>(kDefaultTargetDuration * GST_SECOND), nullptr);
  gst_bin_add(GST_BIN(self), v.splitmux);
  return true;
}

Segmenter configured_segmenter(KekHlsSink* self) {
  GST_OBJECT_LOCK(self);
  Segmenter s = self->impl.settings.segmenter;
  GST_OBJECT_UNLOCK(self);
  return s;
}

// The direct segmenter's insides: mpegtsmux, whose output comes to a pad of ours.
bool build_direct(KekHlsSink* self, Variant& v, const char* name) {
  DirectOutput& d = v.direct;
  d.mux = make_element("mpegtsmux", name);
  if (!d.mux) return false;
  gst_bin_add(GST_BIN(self), d.mux);
  d.out = kek::Ref<GstPad>::adopt(GST_PAD(gst_object_ref_sink(gst_pad_new("direct-sink", GST_PAD_SINK))));
  gst_pad_set_element_private(d.out.get(), &v);
  gst_pad_set_chain_function(d.out.get(), direct_chain);
  gst_pad_set_event_function(d.out.get(), direct_event);
  gst_pad_set_query_function(d.out.get(), direct_query);
  g_autoptr(GstPad) src = gst_element_get_static_pad(d.mux, "src");
  if (gst_pad_link(src, d.out.get()) != GST_PAD_LINK_OK) {
    GST_ERROR_OBJECT(self, "could not link %s to its segmenter", name);
    return false;
  }
  if (!v.audio_only) {
    d.video_sink = kek::Ref<GstPad>::adopt(gst_element_request_pad_simple(d.mux, "sink_%d"));
    if (!d.video_sink) return false;
  }
  return true;
}

// The pad the variant's video ghost pad forwards to.
kek::Ref<GstPad> video_target(Variant& v) {
  if (v.segmenter == Segmenter::kDirect) return v.direct.video_sink;
  return kek::Ref<GstPad>::adopt(gst_element_request_pad_simple(v.splitmux, "video"));
}

// Builds the variant's insides as `segmenter` says: mux, audio branch (if there is audio) and the
// ghost pad's target. On failure whatever was built is left for remove_variant_elements.
bool build_insides(KekHlsSink* self, Variant& v, Segmenter segmenter) {
  v.segmenter = segmenter;
  g_autofree char* name = v.audio_only ? g_strdup("hls-audio") : g_strdup_printf("hls-video-%u", v.index);
  if (segmenter == Segmenter::kDirect) {
    if (!build_direct(self, v, name)) return false;
  } else if (!build_splitmux(self, v, name)) {
    return false;
  }
  if (v.pad) {
    kek::Ref<GstPad> target = video_target(v);
    if (!target || !gst_ghost_pad_set_target(GST_GHOST_PAD(v.pad), target.get())) return false;
  }
  return !self->impl.audio || link_audio_branch(self, v);
}

std::unique_ptr<Variant> new_variant(KekHlsSink* self, guint index, bool audio_only) {
  auto v = std::make_unique<Variant>();
  v->owner = self;
  v->index = index;
  v->audio_only = audio_only;
  return v;
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
  if (!build_insides(self, *v, configured_segmenter(self))) {
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

// '%' in a directory name must survive splitmuxsink's printf-style location.
std::string escape_percent(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}

// READY -> PAUSED, before the children start: name the variants, make their directories, point
// every splitmuxsink at them with a segment prefix of its own, and start the playlists and the
// measurements afresh.
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
    if (!build_insides(self, *v, s.segmenter)) {
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

  std::vector<std::string> used;
  for (size_t i = 0; i < impl.variants.size(); ++i) {
    Variant& v = *impl.variants[i];
    // Pads may have been requested before `segmenter` was set: rebuild to match it.
    if (v.segmenter != s.segmenter) {
      if (v.pad) gst_ghost_pad_set_target(GST_GHOST_PAD(v.pad), nullptr);
      remove_variant_elements(self, v);
      if (!build_insides(self, v, s.segmenter)) {
        GST_ELEMENT_ERROR(self, CORE, FAILED, ("Could not build variant %u", v.index), (nullptr));
        return false;
      }
    }
    std::string name = v.audio_only ? "audio" : "v" + std::to_string(v.index);
    if (i < names.size() && !names[i].empty()) name = names[i];
    if (!kek::hls::valid_variant_name(name) || std::find(used.begin(), used.end(), name) != used.end()) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Bad or repeated variant name '%s'", name.c_str()),
                        ("names are directory names: letters, digits, '.', '_', '-'"));
      return false;
    }
    // One direct variant (a passthrough stream): its audio goes straight from the tee into the
    // mux, a thread and a hand-over per audio buffer fewer; a ladder keeps a queue per variant.
    bool audio_queue_wanted = !(v.segmenter == Segmenter::kDirect && impl.variants.size() == 1);
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
    std::string segments = escape_percent(dir) + "/" + std::to_string(prefix_ms) + "-%05d.ts";
    g_autofree char* playlist = g_build_filename(dir, kMediaPlaylistName, nullptr);
    if (v.segmenter == Segmenter::kSplitmux) {
      // splitmuxsink's own max-files would reuse file names; old segments are deleted here instead.
      g_object_set(v.splitmux, "location", segments.c_str(), "max-size-time",
                   static_cast<guint64>(s.target_duration) * GST_SECOND, nullptr);
    } else {
      DirectOutput& d = v.direct;
      d.prefix = std::string(dir) + "/" + std::to_string(prefix_ms) + "-";
      d.next_index = 0;
      d.file.discard();
      d.announced = d.failed = false;
      d.last_ts = GST_CLOCK_TIME_NONE;
      d.have_pat = d.have_pmt = false;
      d.pmt_pid = -1;
      d.last_unit_ts = GST_CLOCK_TIME_NONE;
      d.keyframe_request.store(GST_CLOCK_TIME_NONE);
      // Before mpegtsmux starts: its first push must find the pad ready.
      gst_pad_set_active(d.out.get(), TRUE);
    }
    if (v.audio_queue)
      g_object_set(v.audio_queue, "max-size-buffers", 0u, "max-size-bytes", 0u, "max-size-time", audio_queue_time,
                   nullptr);

    std::lock_guard guard(impl.lock);
    v.name = name;
    v.declared_bps = *declared;
    v.meter = BandwidthMeter(s.target_duration * GST_SECOND);
    v.looking_for_sps = true;
    v.last_sps.clear();
    v.video_ended_at.store(GST_CLOCK_TIME_NONE);
    gst_segment_init(&v.segment, GST_FORMAT_TIME);
    v.video_end = GST_CLOCK_TIME_NONE;
    v.format = VideoFormat();
    v.rates = Rates();
    v.written_peak = v.written_average = 0;
    v.max_ts = GST_CLOCK_TIME_NONE;
    v.seam_pending = v.seen_buffer = false;
    v.playlist_path = playlist;
    v.playlist = kek::hls::MediaPlaylist(s.target_duration, s.playlist_length);
    v.playlist.set_event(s.playlist_type == PlaylistType::kEvent);
    v.open = OpenFragment();
    v.seams.clear();
    v.files.clear();
    v.first_independent = true;
    v.playlist_written = false;
    v.wall_offset_us = 0;
    v.have_wall_offset = false;
    v.direct.eos = false;
  }

  g_autofree char* master = g_build_filename(s.location.c_str(), s.master_name.c_str(), nullptr);
  std::lock_guard guard(impl.lock);
  if (impl.audio) {
    impl.audio->meter = BandwidthMeter(s.target_duration * GST_SECOND);
    impl.audio->have_caps = false;
    impl.audio->codec.clear();
    impl.audio->rates = Rates();
    gst_segment_init(&impl.audio->segment, GST_FORMAT_TIME);
    impl.audio->max_ts = GST_CLOCK_TIME_NONE;
    impl.audio->seam_pending = impl.audio->seen_buffer = false;
    impl.audio->end = GST_CLOCK_TIME_NONE;
    impl.audio->ended_at.store(GST_CLOCK_TIME_NONE);
  }
  impl.max_files = max_files;
  impl.wall_offset_us.reset();
  impl.window_ns = s.target_duration * GST_SECOND;
  impl.master_path = master;
  impl.master_written = false;
  impl.format_changed = false;
  impl.last_write_ts = 0;
  impl.last_master.clear();
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

// Lock held. The variant whose splitmuxsink posted a message, if any.
Variant* variant_of(Impl& impl, GstObject* src) {
  for (auto& v : impl.variants)
    if (v->splitmux && GST_OBJECT_CAST(v->splitmux) == src) return v.get();
  return nullptr;
}

// PAUSED -> READY without EOS (a stop, an error elsewhere): the stream is over all the same, so
// players should stop waiting for more. Only a warning if that fails: the pipeline is going down.
void end_playlists(KekHlsSink* self) {
  Impl& impl = self->impl;
  std::lock_guard guard(impl.lock);
  for (auto& v : impl.variants) {
    if (!v->playlist_written || v->playlist.ended()) continue;
    if (auto error = variant_ended(*v))
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
    // The muxes have stopped: a segment cut off here is not listed (as splitmuxsink leaves it).
    for (auto& v : self->impl.variants) {
      if (v->segmenter != Segmenter::kDirect) continue;
      v->direct.file.discard();
      gst_pad_set_active(v->direct.out.get(), FALSE);
    }
    end_playlists(self);
    end_run(self);
  }
  return ret;
}

// splitmuxsink's fragment messages become the media playlists; its EOS, EXT-X-ENDLIST.
static void kek_hls_sink_handle_message(GstBin* bin, GstMessage* message) {
  auto* self = KEK_HLS_SINK(bin);
  Impl& impl = self->impl;
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(message);
      bool opened = s && gst_structure_has_name(s, "splitmuxsink-fragment-opened");
      bool closed = s && gst_structure_has_name(s, "splitmuxsink-fragment-closed");
      if (!opened && !closed) break;
      std::optional<WriteError> error;
      bool ours = false;
      {
        std::lock_guard guard(impl.lock);
        if (Variant* v = variant_of(impl, GST_MESSAGE_SRC(message))) {
          ours = true;
          GstClockTime running_time = GST_CLOCK_TIME_NONE;
          gst_structure_get_clock_time(s, "running-time", &running_time);
          const char* location = gst_structure_get_string(s, "location");
          if (opened) {
            fragment_opened(self, *v, location, running_time);
          } else {
            error = fragment_closed(impl, *v, location, running_time);
            // The first master waits for the last variant's first playlist: this may be it.
            if (!error) maybe_write_master(self, impl.last_write_ts, false);
          }
        }
      }
      post_write_error(self, error);
      if (ours) {
        // Segment bookkeeping is ours; the application sees playlists, not splitmuxsink's files.
        gst_message_unref(message);
        return;
      }
      break;
    }
    case GST_MESSAGE_EOS: {
      std::optional<WriteError> error;
      {
        std::lock_guard guard(impl.lock);
        if (Variant* v = variant_of(impl, GST_MESSAGE_SRC(message))) error = variant_ended(*v);
      }
      post_write_error(self, error);
      break;  // GstBin posts our EOS once every splitmuxsink has posted its own
    }
    case GST_MESSAGE_ERROR: {
      // filesink reports a full disk as "No space left on the resource." with no detail: say
      // what the system said and which file, so the reason reaches whoever reads the error.
      g_autoptr(GError) err = nullptr;
      g_autofree char* debug = nullptr;
      gst_message_parse_error(message, &err, &debug);
      if (!g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT)) break;
      g_autofree char* location = nullptr;
      GObject* src = G_OBJECT(GST_MESSAGE_SRC(message));
      if (g_object_class_find_property(G_OBJECT_GET_CLASS(src), "location"))
        g_object_get(src, "location", &location, nullptr);
      g_autoptr(GError) clear = g_error_new(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
                                            "Could not write HLS segment %s: %s", location ? location : "",
                                            g_strerror(ENOSPC));
      GstMessage* replacement = gst_message_new_error(GST_MESSAGE_SRC(message), clear, debug);
      gst_message_set_seqnum(replacement, gst_message_get_seqnum(message));
      gst_message_unref(message);
      message = replacement;
      break;
    }
    default:
      break;
  }
  GST_BIN_CLASS(kek_hls_sink_parent_class)->handle_message(bin, message);
}

static void kek_hls_sink_dispose(GObject* object) {
  auto* self = KEK_HLS_SINK(object);
  Impl& impl = self->impl;
  // GstBin's dispose drops the children before GstElement's releases the request pads, which
  // would leave release_pad with pointers to queues and splitmuxsinks already gone: take the ladder
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
  new (&self->impl) Impl();
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
    case PROP_MASTER_NAME: {
      std::string name = str();
      s.master_name = name.empty() ? kDefaultMasterName : name;
      break;
    }
    case PROP_SEGMENTER: s.segmenter = static_cast<Segmenter>(g_value_get_enum(value)); break;
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
    case PROP_MASTER_NAME: g_value_set_string(value, s.master_name.c_str()); break;
    case PROP_SEGMENTER: g_value_set_enum(value, static_cast<gint>(s.segmenter)); break;
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
      object_class, PROP_MASTER_NAME,
      g_param_spec_string("master-name", "Master name", "File name of the master playlist in location",
                          kDefaultMasterName, flags));

  g_object_class_install_property(
      object_class, PROP_SEGMENTER,
      g_param_spec_enum("segmenter", "Segmenter",
                        "How segments are cut: splitmux (splitmuxsink, a fragment closes once the next GOP "
                        "is complete) or direct (mpegtsmux output cut here at keyframes, fewer threads)",
                        kek_hls_segmenter_get_type(), static_cast<gint>(kDefaultSegmenter), flags));
  g_object_class_install_property(
      object_class, PROP_PLAYLIST_TYPE,
      g_param_spec_enum("playlist-type", "Playlist type",
                        "live (no type) or event (a file being packaged: EXT-X-PLAYLIST-TYPE EVENT, VOD at "
                        "the end; with playlist-length=0)",
                        kek_hls_playlist_type_get_type(), static_cast<gint>(PlaylistType::kLive), flags));

  element_class->request_new_pad = kek_hls_sink_request_new_pad;
  element_class->release_pad = kek_hls_sink_release_pad;
  element_class->change_state = kek_hls_sink_change_state;
  GST_BIN_CLASS(klass)->handle_message = kek_hls_sink_handle_message;
  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  gst_element_class_set_static_metadata(element_class, "KEK HLS ladder sink", "Sink/Muxer",
                                        "HLS variants (mpegtsmux, cut into segments here or by splitmuxsink) with their media playlists and the master playlist",
                                        "KEK");
  GST_DEBUG_CATEGORY_INIT(kek_hls_sink_debug, "kekhlssink", 0, "KEK HLS ladder sink");
}
