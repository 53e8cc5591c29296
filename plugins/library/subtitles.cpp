#include "subtitles.h"

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace kek::library {

namespace {

// Text in UTF-8 whatever the file was written in.
Result<std::string> as_utf8(std::string_view bytes) {
  auto starts = [&](std::string_view p) { return bytes.substr(0, p.size()) == p; };
  const char* from = nullptr;
  if (starts("\xef\xbb\xbf")) {
    bytes.remove_prefix(3);
  } else if (starts("\xff\xfe")) {
    from = "UTF-16LE";
    bytes.remove_prefix(2);
  } else if (starts("\xfe\xff")) {
    from = "UTF-16BE";
    bytes.remove_prefix(2);
  } else if (!g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr)) {
    from = "WINDOWS-1252";
  }
  if (!from) {
    if (!g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr))
      return Error{"the subtitle file is not valid UTF-8", 400};
    return std::string(bytes);
  }
  gsize written = 0;
  g_autoptr(GError) error = nullptr;
  g_autofree char* text = g_convert(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8", from, nullptr, &written, &error);
  if (!text) return Error{std::string("the subtitle file's text could not be read as ") + from, 400};
  std::string out(text, written);
  if (out.rfind("\xef\xbb\xbf", 0) == 0) out.erase(0, 3);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(std::move(line));
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  return out;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// "01:02:03,456", "1:02:03.4", "02:03,456" (lenient about what SRT writers produce) -> ms.
bool parse_time(const std::string& s, int64_t& ms) {
  int h = 0, m = 0, sec = 0;
  char frac[8] = {0};
  std::string t = trim(s);
  std::replace(t.begin(), t.end(), ',', '.');
  int n = std::sscanf(t.c_str(), "%d:%d:%d.%7[0-9]", &h, &m, &sec, frac);
  if (n < 3) {
    h = 0;
    n = std::sscanf(t.c_str(), "%d:%d.%7[0-9]", &m, &sec, frac);
    if (n < 2) return false;
  }
  if (h < 0 || m < 0 || m > 59 || sec < 0 || sec > 59) return false;
  int f = 0;
  for (int i = 0; i < 3; ++i) f = f * 10 + (frac[i] >= '0' && frac[i] <= '9' ? frac[i] - '0' : 0);
  ms = ((static_cast<int64_t>(h) * 60 + m) * 60 + sec) * 1000 + f;
  return true;
}

std::string vtt_time(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", static_cast<long long>(ms / 3600000),
                static_cast<long long>(ms / 60000 % 60), static_cast<long long>(ms / 1000 % 60),
                static_cast<long long>(ms % 1000));
  return buf;
}

// An SRT text line as WebVTT cue text: <i>, <b>, <u> (and their ends) kept, other tags and
// {...} overrides dropped, & and < escaped.
std::string cue_text(const std::string& line) {
  std::string out;
  for (size_t i = 0; i < line.size();) {
    const char c = line[i];
    if (c == '<') {
      size_t end = line.find('>', i);
      if (end != std::string::npos) {
        std::string tag = line.substr(i + 1, end - i - 1);
        std::string name = tag;
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char x) { return g_ascii_tolower(x); });
        if (name == "i" || name == "b" || name == "u" || name == "/i" || name == "/b" || name == "/u") out += "<" + name + ">";
        // Anything else that looks like a tag (<font color=...>, </font>) goes.
        if (!name.empty() && (g_ascii_isalpha(name[0]) || name[0] == '/')) {
          i = end + 1;
          continue;
        }
      }
      out += "&lt;";
      ++i;
    } else if (c == '{' && i + 1 < line.size() && line[i + 1] == '\\') {
      size_t end = line.find('}', i);
      if (end == std::string::npos) {
        out += c;
        ++i;
      } else {
        i = end + 1;
      }
    } else if (c == '&') {
      out += "&amp;";
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

Result<std::string> srt_to_webvtt(const std::vector<std::string>& lines) {
  std::string out = "WEBVTT\n";
  int cues = 0;
  size_t i = 0;
  while (i < lines.size()) {
    // Skip blank lines and the cue number; find the timing line.
    while (i < lines.size() && trim(lines[i]).empty()) ++i;
    if (i >= lines.size()) break;
    size_t timing = i;
    if (lines[timing].find("-->") == std::string::npos && timing + 1 < lines.size()) ++timing;
    const std::string& t = lines[timing];
    const size_t arrow = t.find("-->");
    int64_t from = 0, to = 0;
    if (arrow == std::string::npos || !parse_time(t.substr(0, arrow), from)) {
      // Not a cue: skip this block.
      while (i < lines.size() && !trim(lines[i]).empty()) ++i;
      continue;
    }
    std::string rest = trim(t.substr(arrow + 3));
    if (!parse_time(rest.substr(0, rest.find(' ')), to) || to < from) {
      while (i < lines.size() && !trim(lines[i]).empty()) ++i;
      continue;
    }
    std::string text;
    for (i = timing + 1; i < lines.size() && !trim(lines[i]).empty(); ++i)
      text += (text.empty() ? "" : "\n") + cue_text(lines[i]);
    if (text.empty()) continue;
    out += "\n" + vtt_time(from) + " --> " + vtt_time(to) + "\n" + text + "\n";
    ++cues;
  }
  if (cues == 0) return Error{"the subtitle file has no cues (SubRip or WebVTT expected)", 400};
  return out;
}

}  // namespace

Result<std::string> to_webvtt(std::string_view bytes) {
  if (bytes.size() > kMaxSubtitleBytes)
    return Error{"the subtitle file is larger than " + std::to_string(kMaxSubtitleBytes / (1024 * 1024)) + " MiB", 400};
  if (bytes.find('\0') != std::string_view::npos && bytes.substr(0, 2) != "\xff\xfe" && bytes.substr(0, 2) != "\xfe\xff")
    return Error{"this is not a subtitle file (SubRip or WebVTT expected)", 400};
  auto text = as_utf8(bytes);
  if (!text) return text.error();
  auto lines = lines_of(*text);
  if (!lines.empty() && lines[0].rfind("WEBVTT", 0) == 0 &&
      (lines[0].size() == 6 || lines[0][6] == ' ' || lines[0][6] == '\t')) {
    // Already WebVTT: kept as written (positions, styles, voices), line ends made LF.
    std::string out;
    bool cue = false;
    for (const auto& l : lines) {
      out += l + "\n";
      cue = cue || l.find("-->") != std::string::npos;
    }
    if (!cue) return Error{"the WebVTT file has no cues", 400};
    while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
    return out;
  }
  return srt_to_webvtt(lines);
}

std::string subtitle_playlist(double duration_s, const std::string& vtt_uri) {
  const double d = std::max(0.001, duration_s);
  char extinf[48];
  std::snprintf(extinf, sizeof extinf, "#EXTINF:%.3f,\n", d);
  return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:" + std::to_string(static_cast<long long>(std::ceil(d))) +
         "\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n" + extinf + vtt_uri + "\n#EXT-X-ENDLIST\n";
}

namespace {

std::string quoted(const std::string& v) {
  std::string out = "\"";
  for (char c : v) out += (c == '"' || c == '\r' || c == '\n') ? '\'' : c;
  return out + "\"";
}

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

}  // namespace

std::string add_subtitles_to_master(const std::string& master, const std::vector<SubtitleRendition>& subtitles) {
  if (subtitles.empty()) return master;
  std::string media;
  for (const auto& s : subtitles) {
    media += std::string("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=") + quoted(kSubtitleGroup) + ",NAME=" + quoted(s.name);
    if (!s.language.empty()) media += ",LANGUAGE=" + quoted(s.language);
    media += std::string(",DEFAULT=NO,AUTOSELECT=") + (s.forced ? "YES" : "NO") + ",FORCED=" + (s.forced ? "YES" : "NO") +
             ",URI=" + quoted(s.playlist) + "\n";
  }
  std::string out;
  bool inserted = false;
  size_t pos = 0;
  while (pos < master.size()) {
    size_t eol = master.find('\n', pos);
    std::string line = master.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? master.size() : eol + 1;
    if (line.rfind("#EXT-X-STREAM-INF:", 0) == 0) {
      if (!inserted) out += media;
      inserted = true;
      if (line.find("SUBTITLES=") == std::string::npos) line += std::string(",SUBTITLES=") + quoted(kSubtitleGroup);
    }
    out += line + "\n";
  }
  if (!inserted) out += media;
  return out;
}

std::string add_subtitles_to_mpd(const std::string& mpd, const std::vector<SubtitleRendition>& subtitles) {
  const size_t end = mpd.find("</Period>");
  if (subtitles.empty() || end == std::string::npos) return mpd;
  // Insert at the start of the line holding </Period>, indented like the other AdaptationSets.
  const size_t at = mpd.rfind('\n', end) + 1;
  std::string sets;
  for (size_t i = 0; i < subtitles.size(); ++i) {
    const auto& s = subtitles[i];
    sets += "    <AdaptationSet id=\"" + std::to_string(100 + i) + "\" contentType=\"text\" mimeType=\"text/vtt\" lang=\"" +
            xml_escape(s.language.empty() ? "und" : s.language) + "\">\n";
    if (!s.name.empty()) sets += "      <Label>" + xml_escape(s.name) + "</Label>\n";
    sets += std::string("      <Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"") +
            (s.forced ? "forced-subtitle" : "subtitle") + "\"/>\n";
    sets += "      <Representation id=\"subtitles-" + std::to_string(i) + "\" bandwidth=\"256\">\n";
    sets += "        <BaseURL>" + xml_escape(s.vtt) + "</BaseURL>\n";
    sets += "      </Representation>\n    </AdaptationSet>\n";
  }
  return mpd.substr(0, at) + sets + mpd.substr(at);
}

std::vector<std::string> unique_names(std::vector<std::string> names) {
  std::map<std::string, int> seen;
  for (auto& n : names) {
    if (n.empty()) n = "Subtitles";
    if (int count = ++seen[n]; count > 1) n += " " + std::to_string(count);
  }
  return names;
}

}  // namespace kek::library
