#include "hls_playlists.h"

#include "mpd.h"

#include <algorithm>
#include <cstdio>

namespace kek::dash {

namespace {

std::string extinf(uint64_t ns) {
  const uint64_t ms = (ns + 500000) / 1000000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "#EXTINF:%llu.%03llu,\n", static_cast<unsigned long long>(ms / 1000),
                static_cast<unsigned long long>(ms % 1000));
  return buf;
}

// Seconds with three decimals ("0.500").
std::string seconds3(uint64_t ns) {
  const uint64_t ms = (ns + 500000) / 1000000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llu.%03llu", static_cast<unsigned long long>(ms / 1000),
                static_cast<unsigned long long>(ms % 1000));
  return buf;
}

std::string part_line(const HlsPart& part) {
  return "#EXT-X-PART:DURATION=" + seconds3(part.duration_ns) + ",URI=" + hls_quoted(part.uri) +
         (part.independent ? ",INDEPENDENT=YES" : "") + "\n";
}

}  // namespace

HlsPosition hls_last_position(const HlsMediaPlaylist& p) {
  HlsPosition at;
  const auto& ll = p.low_latency;
  if (!ll.open_parts.empty()) {
    at.msn = p.media_sequence + p.segments.size();
    at.part = static_cast<int64_t>(ll.open_parts.size()) - 1;
  } else if (!p.segments.empty()) {
    at.msn = p.media_sequence + p.segments.size() - 1;
    at.part = static_cast<int64_t>(p.segments.back().parts.size()) - 1;
  } else {
    at.msn = p.media_sequence;
  }
  return at;
}

std::string hls_quoted(const std::string& value) {
  std::string out;
  out.reserve(value.size() + 2);
  out += '"';
  for (char c : value) out += (c == '"' || c == '\r' || c == '\n') ? '\'' : c;
  out += '"';
  return out;
}

std::string hls_frame_rate(int num, int den) {
  if (num <= 0 || den <= 0) return {};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(num) / den);
  return buf;
}

unsigned hls_target_duration(const HlsMediaPlaylist& p) {
  // An EXTINF rounded to the nearest integer must not exceed the target duration.
  uint64_t target = std::max(1u, p.target_s);
  for (const auto& s : p.segments) target = std::max<uint64_t>(target, (s.duration_ns + 500000000) / 1000000000);
  return static_cast<unsigned>(target);
}

std::string render_hls_media(const HlsMediaPlaylist& p) {
  const unsigned target = hls_target_duration(p);
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:" + std::to_string(target) + "\n";
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(p.media_sequence) + "\n";
  if (p.discontinuity_sequence)
    out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(p.discontinuity_sequence) + "\n";
  if (p.event) out += std::string("#EXT-X-PLAYLIST-TYPE:") + (p.ended ? "VOD" : "EVENT") + "\n";
  out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  const HlsLowLatency& ll = p.low_latency;
  const bool low_latency = ll.part_target_ns > 0;
  if (low_latency) {
    // A player holds back three part targets from the live edge (the least RFC 8216bis allows).
    out += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=" + seconds3(3 * ll.part_target_ns) + "\n";
    out += "#EXT-X-PART-INF:PART-TARGET=" + seconds3(ll.part_target_ns) + "\n";
  }
  std::string map;
  for (size_t i = 0; i < p.segments.size(); ++i) {
    const auto& s = p.segments[i];
    // The first listed segment's discontinuity slid in with it: its init is the MAP below.
    if (s.discontinuity && i > 0) out += "#EXT-X-DISCONTINUITY\n";
    if (s.map_uri != map) {
      out += "#EXT-X-MAP:URI=" + hls_quoted(s.map_uri) + "\n";
      map = s.map_uri;
    }
    if (s.program_date_time_us) out += "#EXT-X-PROGRAM-DATE-TIME:" + iso_datetime(*s.program_date_time_us) + "\n";
    if (low_latency)
      for (const auto& part : s.parts) out += part_line(part);
    out += extinf(s.duration_ns);
    out += s.uri + "\n";
  }
  if (low_latency && !p.ended) {
    if (!ll.open_parts.empty() || !ll.preload_hint_uri.empty()) {
      if (ll.open_discontinuity && !p.segments.empty()) out += "#EXT-X-DISCONTINUITY\n";
      if (!ll.open_map_uri.empty() && ll.open_map_uri != map) out += "#EXT-X-MAP:URI=" + hls_quoted(ll.open_map_uri) + "\n";
    }
    for (const auto& part : ll.open_parts) out += part_line(part);
    if (!ll.preload_hint_uri.empty())
      out += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=" + hls_quoted(ll.preload_hint_uri) + "\n";
  }
  if (low_latency)
    for (const auto& r : ll.reports) {
      out += "#EXT-X-RENDITION-REPORT:URI=" + hls_quoted(r.uri) + ",LAST-MSN=" + std::to_string(r.last_msn);
      if (r.last_part >= 0) out += ",LAST-PART=" + std::to_string(r.last_part);
      out += "\n";
    }
  if (p.ended) out += "#EXT-X-ENDLIST\n";
  return out;
}

std::string render_hls_master(const HlsMaster& m) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  const HlsAudioRendition* chosen = nullptr;
  uint64_t audio_bps = 0;
  for (const auto& a : m.audio) {
    if (a.is_default && !chosen) chosen = &a;
    audio_bps = std::max(audio_bps, a.bandwidth);
  }
  if (!chosen && !m.audio.empty()) chosen = &m.audio.front();
  for (const auto& a : m.audio) {
    out += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=" + hls_quoted(kHlsAudioGroup) + ",NAME=" + hls_quoted(a.name);
    if (!a.language.empty()) out += ",LANGUAGE=" + hls_quoted(a.language);
    out += std::string(",DEFAULT=") + (&a == chosen ? "YES" : "NO") + ",AUTOSELECT=YES";
    if (a.channels > 0) out += ",CHANNELS=" + hls_quoted(std::to_string(a.channels));
    out += ",URI=" + hls_quoted(a.uri) + "\n";
  }
  const std::string audio_codec = chosen ? chosen->codec : "";
  for (const auto& v : m.variants) {
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(v.bandwidth + audio_bps);
    if (v.average_bandwidth)
      out += ",AVERAGE-BANDWIDTH=" + std::to_string(v.average_bandwidth + (chosen ? chosen->bandwidth : 0));
    std::string codecs = v.codec;
    if (!audio_codec.empty()) codecs += (codecs.empty() ? "" : ",") + audio_codec;
    if (!codecs.empty()) out += ",CODECS=" + hls_quoted(codecs);
    if (v.width > 0 && v.height > 0) out += ",RESOLUTION=" + std::to_string(v.width) + "x" + std::to_string(v.height);
    if (auto fr = hls_frame_rate(v.fps_num, v.fps_den); !fr.empty()) out += ",FRAME-RATE=" + fr;
    if (chosen) out += std::string(",AUDIO=") + hls_quoted(kHlsAudioGroup);
    out += "\n" + v.uri + "\n";
  }
  if (m.variants.empty() && chosen) {
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(chosen->bandwidth);
    if (!chosen->codec.empty()) out += ",CODECS=" + hls_quoted(chosen->codec);
    out += std::string(",AUDIO=") + hls_quoted(kHlsAudioGroup) + "\n" + chosen->uri + "\n";
  }
  return out;
}

}  // namespace kek::dash
