#include "mpd.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <numeric>

namespace kek::dash {

std::string iso_duration(uint64_t ns) {
  const uint64_t ms = (ns + 500000) / 1000000;
  std::array<char, 48> buf{};
  if (ms % 1000 == 0)
    std::snprintf(buf.data(), buf.size(), "PT%lluS", static_cast<unsigned long long>(ms / 1000));
  else
    std::snprintf(buf.data(), buf.size(), "PT%llu.%03lluS", static_cast<unsigned long long>(ms / 1000),
                  static_cast<unsigned long long>(ms % 1000));
  return buf.data();
}

std::string iso_datetime(int64_t unix_us) {
  int64_t ms = unix_us / 1000;
  if (unix_us < 0 && unix_us % 1000) --ms;
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  return buf.data();
}

std::string frame_rate(int num, int den) {
  if (num <= 0 || den <= 0) return {};
  int g = std::gcd(num, den);
  num /= g;
  den /= g;
  return den == 1 ? std::to_string(num) : std::to_string(num) + "/" + std::to_string(den);
}

namespace {

// Attribute values here are our own names and numbers, but names come from properties: escape.
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

uint64_t to_ticks(uint64_t ns, uint32_t timescale) {
  // ns * timescale overflows 64 bits after ~2.3 days at 90 kHz; split to stay exact.
  return ns / 1000000000 * timescale + (ns % 1000000000 * timescale + 500000000) / 1000000000;
}

void timeline(std::string& out, const Representation& r) {
  out += "          <SegmentTimeline>\n";
  // Runs of equal, contiguous segments collapse into one S with a repeat count; a segment that
  // does not start where the previous one ended gets its own t.
  size_t i = 0;
  uint64_t expected = UINT64_MAX;
  while (i < r.segments.size()) {
    const auto& s = r.segments[i];
    size_t repeat = 0;
    while (i + repeat + 1 < r.segments.size()) {
      const auto& prev = r.segments[i + repeat];
      const auto& next = r.segments[i + repeat + 1];
      if (next.d != s.d || next.t != prev.t + prev.d) break;
      ++repeat;
    }
    out += "            <S";
    if (s.t != expected) out += " t=\"" + std::to_string(s.t) + "\"";
    out += " d=\"" + std::to_string(s.d) + "\"";
    if (repeat) out += " r=\"" + std::to_string(repeat) + "\"";
    out += "/>\n";
    const auto& last = r.segments[i + repeat];
    expected = last.t + last.d;
    i += repeat + 1;
  }
  out += "          </SegmentTimeline>\n";
}

void representation(std::string& out, const Representation& r, uint64_t period_start_ns) {
  out += "      <Representation id=\"" + xml_escape(r.id) + "\" bandwidth=\"" + std::to_string(r.bandwidth) + "\"";
  if (!r.codecs.empty()) out += " codecs=\"" + xml_escape(r.codecs) + "\"";
  if (r.video) {
    if (r.width > 0 && r.height > 0)
      out += " width=\"" + std::to_string(r.width) + "\" height=\"" + std::to_string(r.height) + "\" sar=\"1:1\"";
    if (auto fr = frame_rate(r.fps_num, r.fps_den); !fr.empty()) out += " frameRate=\"" + fr + "\"";
  } else if (r.sample_rate > 0) {
    out += " audioSamplingRate=\"" + std::to_string(r.sample_rate) + "\"";
  }
  out += ">\n";
  if (!r.video && r.channels > 0)
    out += "        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" "
           "value=\"" + std::to_string(r.channels) + "\"/>\n";
  const uint64_t start_number = r.segments.empty() ? 1 : r.segments.front().number;
  out += "        <SegmentTemplate timescale=\"" + std::to_string(r.timescale) + "\" presentationTimeOffset=\"" +
         std::to_string(to_ticks(period_start_ns, r.timescale)) + "\" startNumber=\"" + std::to_string(start_number) +
         "\" initialization=\"" + xml_escape(r.initialization) + "\" media=\"" + xml_escape(r.media) + "\">\n";
  timeline(out, r);
  out += "        </SegmentTemplate>\n";
  out += "      </Representation>\n";
}

void open_adaptation_set(std::string& out, int id, bool video) {
  out += "    <AdaptationSet id=\"" + std::to_string(id) + "\" contentType=\"" + (video ? "video" : "audio") +
         "\" mimeType=\"" + (video ? "video/mp4" : "audio/mp4") + "\" startWithSAP=\"1\"";
}

void video_adaptation_set(std::string& out, const Period& p) {
  std::vector<const Representation*> reps;
  for (const auto& r : p.representations)
    if (r.video) reps.push_back(&r);
  if (reps.empty()) return;
  open_adaptation_set(out, 1, true);
  int max_w = 0, max_h = 0;
  for (auto* r : reps) {
    max_w = std::max(max_w, r->width);
    max_h = std::max(max_h, r->height);
  }
  if (max_w > 0 && max_h > 0) out += " maxWidth=\"" + std::to_string(max_w) + "\" maxHeight=\"" + std::to_string(max_h) + "\"";
  out += ">\n";
  for (auto* r : reps) representation(out, *r, p.start_ns);
  out += "    </AdaptationSet>\n";
}

// One AdaptationSet per audio track (its language and label); Representations of the same
// track (several bit rates) share it.
void audio_adaptation_sets(std::string& out, const Period& p) {
  std::vector<std::vector<const Representation*>> sets;
  bool any_default = false;
  for (const auto& r : p.representations) {
    if (r.video) continue;
    any_default = any_default || r.is_default;
    auto it = std::find_if(sets.begin(), sets.end(), [&](auto& set) {
      return set.front()->language == r.language && set.front()->label == r.label;
    });
    if (it == sets.end()) sets.push_back({&r});
    else it->push_back(&r);
  }
  int id = 2;
  for (size_t i = 0; i < sets.size(); ++i) {
    const Representation& first = *sets[i].front();
    const bool main = any_default ? first.is_default : i == 0;
    open_adaptation_set(out, id++, false);
    out += " lang=\"" + xml_escape(first.language.empty() ? "und" : first.language) + "\">\n";
    if (!first.label.empty()) out += "      <Label>" + xml_escape(first.label) + "</Label>\n";
    out += std::string("      <Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"") + (main ? "main" : "alternate") +
           "\"/>\n";
    for (auto* r : sets[i]) representation(out, *r, p.start_ns);
    out += "    </AdaptationSet>\n";
  }
}

}  // namespace

std::string render_mpd(const Manifest& m) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\"";
  const uint64_t first_start = m.periods.empty() ? 0 : m.periods.front().start_ns;
  const uint64_t target = m.target_duration_ns ? m.target_duration_ns : 1000000000;
  if (m.live) {
    out += " type=\"dynamic\" availabilityStartTime=\"" + iso_datetime(m.availability_start_us) + "\" publishTime=\"" +
           iso_datetime(m.publish_us) + "\" minimumUpdatePeriod=\"" + iso_duration(target) + "\"";
    // Window 0 keeps every segment: no time-shift limit (the whole presentation stays seekable).
    if (m.window) out += " timeShiftBufferDepth=\"" + iso_duration(target * m.window) + "\"";
    out += " suggestedPresentationDelay=\"" + iso_duration(3 * target) + "\"";
  } else {
    const uint64_t duration = m.end_ns > first_start ? m.end_ns - first_start : 0;
    out += " type=\"static\" mediaPresentationDuration=\"" + iso_duration(duration) + "\"";
  }
  out += " maxSegmentDuration=\"" + iso_duration(std::max(m.max_segment_ns, target)) + "\" minBufferTime=\"" +
         iso_duration(target) + "\">\n";
  for (const auto& p : m.periods) {
    // Dynamic: Period@start counts from availabilityStartTime, which is media time 0. Static:
    // from the first Period, so a window that no longer holds the beginning still starts at 0.
    const uint64_t start = m.live ? p.start_ns : p.start_ns - first_start;
    out += "  <Period id=\"" + xml_escape(p.id) + "\" start=\"" + iso_duration(start) + "\">\n";
    video_adaptation_set(out, p);
    audio_adaptation_sets(out, p);
    out += "  </Period>\n";
  }
  if (m.live)
    // The player's clock is set from this very file: no time server to reach, and at worst it
    // runs a little behind ours (the MPD's age), which only makes it more careful.
    out += "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" value=\"" + iso_datetime(m.publish_us) +
           "\"/>\n";
  out += "</MPD>\n";
  return out;
}

}  // namespace kek::dash
