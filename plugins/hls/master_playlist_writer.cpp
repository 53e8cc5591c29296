#include "master_playlist_writer.h"

#include "master_playlist.h"

namespace kek::hls {

namespace {
constexpr const char* kMediaPlaylistName = "index.m3u8";
}

void MasterPlaylistWriter::start(std::string path, uint64_t window_ns) {
  path_ = std::move(path);
  window_ns_ = window_ns;
  written_ = false;
  format_changed_ = false;
  last_write_ts_ = 0;
  last_text_.clear();
  written_bw_.clear();
}

MasterPlaylistWriter::Bandwidth MasterPlaylistWriter::bandwidth_of(const MasterVariant& v, const MasterAudio* audio) {
  bool measured = v.audio_only ? (audio && audio->rates.measured) : v.rates.measured;
  if (!measured) {
    // Declared figures stand in until the first window closes; they are the whole variant's.
    if (v.declared_bps == 0) return {};
    return {v.declared_bps, 0, true};
  }
  Bandwidth b{kPsiBitsPerSecond, kPsiBitsPerSecond, true};
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

std::optional<WriteError> MasterPlaylistWriter::update(std::span<const MasterVariant> variants,
                                                       const MasterAudio* audio, uint64_t media_ts, bool final) {
  if (variants.empty()) return std::nullopt;
  if (audio && !audio->have_caps) return std::nullopt;

  // The first master waits for every variant's media playlist (written when its first segment
  // is complete): a player that reads the master must find every URI it names. At EOS (final)
  // the playlists are about to be written, so a stream shorter than a segment still gets one.
  if (!written_ && !final) {
    for (const auto& v : variants)
      if (!v.playlist_written) return std::nullopt;
  }

  written_bw_.resize(variants.size());
  std::vector<VariantEntry> entries;
  std::vector<Bandwidth> bandwidths;
  entries.reserve(variants.size());
  bandwidths.reserve(variants.size());
  bool bandwidth_moved = false;
  for (size_t i = 0; i < variants.size(); ++i) {
    const MasterVariant& v = variants[i];
    const VideoFormat* f = v.format;
    if (!v.audio_only && (!f || !f->have_caps || !f->codec_known)) return std::nullopt;
    Bandwidth b = bandwidth_of(v, audio);
    if (!b.known) return std::nullopt;
    bandwidths.push_back(b);
    // A measured peak above the written BANDWIDTH is news at once (a player trusting a figure
    // under the real peak stalls); within the headroom, and for the average, the threshold holds. At the end (final) the exact
    // figures are written, whatever they moved: an ended stream's master is its VOD description.
    const uint64_t measured_peak = b.peak * 100 / (100 + kPeakHeadroomPercent);
    if (measured_peak > written_bw_[i].peak || (final && b.peak != written_bw_[i].peak) ||
        changed_by_more_than(written_bw_[i].peak, b.peak, kMasterRewriteThreshold) ||
        changed_by_more_than(written_bw_[i].average, b.average, final ? 0.0 : kMasterRewriteThreshold))
      bandwidth_moved = true;

    VariantEntry e;
    e.uri = std::string(v.name) + "/" + kMediaPlaylistName;
    e.bandwidth = b.peak;
    e.average_bandwidth = b.average;
    if (!v.audio_only) {
      e.width = f->shown_width();
      e.height = f->shown_height();
      e.fps_num = f->fps_num;
      e.fps_den = f->fps_den;
      if (!f->codec.empty()) e.codecs.push_back(f->codec);
    }
    if (audio) e.codecs.emplace_back(audio->codec);
    // A video codec we could not name would make the variant look audio-only: say nothing then.
    if (!v.audio_only && f->codec.empty()) e.codecs.clear();
    entries.push_back(std::move(e));
  }

  if (written_ && !format_changed_) {
    if (!bandwidth_moved) return std::nullopt;
    if (!final && media_ts < last_write_ts_ + window_ns_) return std::nullopt;
  }

  std::string text = render_master(entries);
  if (written_ && text == last_text_) return std::nullopt;
  if (auto why = store_.replace(path_, text)) return WriteError{"Could not write the HLS master playlist " + path_, *why};
  written_bw_ = std::move(bandwidths);
  written_ = true;
  format_changed_ = false;
  last_write_ts_ = media_ts;
  last_text_ = std::move(text);
  return std::nullopt;
}

}  // namespace kek::hls
