#include "job_files.h"

#include "job_runner.h"

#include <kek/worker.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/tag/tag.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace kek::library {

namespace {

Status write_file(const std::string& path, const std::string& text) {
  g_autoptr(GError) error = nullptr;
  if (!g_file_set_contents(path.c_str(), text.data(), static_cast<gssize>(text.size()), &error))
    return Error{std::string("could not write ") + path + ": " + error->message, 500};
  return {};
}

Status make_dir(const std::string& dir) {
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0) {
    int err = errno;
    return Error{"could not create " + dir + ": " + g_strerror(err), 500};
  }
  return {};
}

// Moves a folder aside at once (the new run writes a fresh one) and removes it afterwards.
void clear_folder(const std::string& dir) {
  if (!g_file_test(dir.c_str(), G_FILE_TEST_IS_DIR)) return;
  const std::string aside = dir + ".old-" + std::to_string(g_get_real_time());
  if (g_rename(dir.c_str(), aside.c_str()) != 0) {
    remove_tree(dir);
    return;
  }
  // Thousands of old segments: removed by another worker, the run need not wait for it.
  run_in_worker([aside] { remove_tree(aside); }, [] {});
}

// WebVTT cue text from a text track: '&' and '<' that start no entity or tag are escaped (a
// track's plain text may hold "Tom & Jerry" or "a < b").
std::string clean_cue_line(const std::string& line) {
  static const char* kTags[] = {"i>", "b>", "u>", "/i>", "/b>", "/u>", "c.", "c>", "/c>", "v ", "/v>", "lang ", "/lang>",
                                "ruby>", "/ruby>", "rt>", "/rt>"};
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '&') {
      size_t semi = line.find(';', i);
      bool entity = semi != std::string::npos && semi - i <= 8 && semi > i + 1;
      for (size_t j = i + 1; entity && j < semi; ++j) entity = g_ascii_isalnum(line[j]) || (j == i + 1 && line[j] == '#');
      out += entity ? "&" : "&amp;";
    } else if (c == '<') {
      bool tag = g_ascii_isdigit(i + 1 < line.size() ? line[i + 1] : ' ');  // <00:01.000> timestamps
      for (const char* t : kTags) tag = tag || line.compare(i + 1, std::strlen(t), t) == 0;
      out += tag ? "<" : "&lt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string clean_webvtt(const std::string& vtt) {
  std::string out;
  bool in_cue = false;
  size_t pos = 0;
  while (pos < vtt.size()) {
    size_t eol = vtt.find('\n', pos);
    std::string line = vtt.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? vtt.size() : eol + 1;
    if (line.empty()) {
      in_cue = false;
    } else if (line.find("-->") != std::string::npos) {
      in_cue = true;
    } else if (in_cue) {
      line = clean_cue_line(line);
    }
    out += line + "\n";
  }
  return out;
}

std::string language_name(const std::string& code) {
  if (code.empty()) return "";
  const char* name = gst_tag_get_language_name(code.c_str());
  return name ? name : code;
}

}  // namespace

std::string subtitle_vtt_path(int64_t id) { return "subtitles/" + std::to_string(id) + ".vtt"; }
std::string subtitle_playlist_path(int64_t id) { return "subtitles/" + std::to_string(id) + ".m3u8"; }

namespace {

Result<std::string> write_rendition(const std::string& item_dir, int64_t id, const std::string& vtt, double duration_s) {
  if (auto s = make_dir(item_dir + "/subtitles"); !s) return s.error();
  const std::string rel = subtitle_vtt_path(id);
  if (auto s = write_file(item_dir + "/" + rel, vtt); !s) return s.error();
  const std::string name = rel.substr(rel.rfind('/') + 1);
  if (auto s = write_file(item_dir + "/" + subtitle_playlist_path(id), subtitle_playlist(duration_s, name)); !s)
    return s.error();
  return rel;
}

}  // namespace

Result<std::string> convert_subtitle_file(const std::string& item_dir, const SubtitleTrack& track, double duration_s) {
  const std::string path = track.source_path.empty() ? item_dir + "/" + track.output : track.source_path;
  GStatBuf st;
  if (g_stat(path.c_str(), &st) != 0) return Error{"the subtitle file " + path + " is missing", 404};
  if (static_cast<size_t>(st.st_size) > kMaxSubtitleBytes)
    return Error{"the subtitle file is larger than " + std::to_string(kMaxSubtitleBytes / (1024 * 1024)) + " MiB", 400};
  g_autofree char* bytes = nullptr;
  gsize len = 0;
  g_autoptr(GError) error = nullptr;
  if (!g_file_get_contents(path.c_str(), &bytes, &len, &error))
    return Error{std::string("could not read the subtitle file: ") + error->message, 500};
  auto vtt = to_webvtt(std::string_view(bytes, len));
  if (!vtt) return vtt.error();
  return write_rendition(item_dir, track.id, *vtt, duration_s);
}

Result<std::string> finish_extracted_subtitle(const std::string& item_dir, int64_t id, double duration_s) {
  const std::string part = item_dir + "/subtitles/" + std::to_string(id) + ".vtt.part";
  std::string text = read_small_file(part);
  g_unlink(part.c_str());
  if (text.find("-->") == std::string::npos) return Error{"the subtitle track holds no text cue", 422};
  return write_rendition(item_dir, id, clean_webvtt(text), duration_s);
}

std::vector<SubtitleRendition> subtitle_renditions(const std::vector<SubtitleTrack>& tracks) {
  std::vector<std::string> names;
  std::vector<const SubtitleTrack*> ready;
  for (const auto& t : tracks) {
    if (t.output.empty() || !g_str_has_suffix(t.output.c_str(), ".vtt")) continue;
    ready.push_back(&t);
    // A label that only repeats the language code says less than the language's name.
    names.push_back(!t.label.empty() && t.label != t.language ? t.label : language_name(t.language));
  }
  names = unique_names(names);
  std::vector<SubtitleRendition> out;
  for (size_t i = 0; i < ready.size(); ++i) {
    const SubtitleTrack& t = *ready[i];
    const std::string base = t.output.substr(0, t.output.size() - 4);
    // Relative to the published manifests in stream/.
    out.push_back({names[i], t.language, "../" + base + ".m3u8", "../" + t.output, false});
  }
  return out;
}

PrepareResult prepare_item_folder(const std::string& source, const std::string& item_dir,
                                  const std::vector<SubtitleTrack>& to_convert, double duration_s) {
  PrepareResult r;
  if (!g_file_test(source.c_str(), G_FILE_TEST_IS_REGULAR)) {
    r.error = "the source file is missing: " + source;
    return r;
  }
  // Every run starts from nothing: an interrupted run's segments would not match the new
  // playlists (segment names carry the run's start time).
  clear_folder(item_dir + "/" + kVodStreamDir);
  clear_folder(item_dir + "/sprites");
  g_unlink((item_dir + "/poster.jpg").c_str());
  for (const auto& t : to_convert) {
    auto out = convert_subtitle_file(item_dir, t, duration_s);
    if (out) r.outputs[t.id] = *out;
    else r.errors[t.id] = out.error().message;
  }
  return r;
}

bool packaged_ladder_plays(const std::string& item_dir, const std::vector<std::string>& renditions) {
  const std::string dir = item_dir + "/" + kVodStreamDir + "/";
  if (!g_file_test((dir + kVodPackagedMaster).c_str(), G_FILE_TEST_EXISTS)) return false;
  for (const auto& r : renditions)
    if (read_small_file(dir + r + "/index.m3u8").find("#EXTINF") == std::string::npos) return false;
  return true;
}

Status publish_manifests(const std::string& item_dir, const std::vector<SubtitleRendition>& subtitles, bool final) {
  const std::string dir = item_dir + "/" + kVodStreamDir + "/";
  const std::string master = read_small_file(dir + kVodPackagedMaster);
  if (master.empty()) return Error{"the packager wrote no master playlist", 500};
  // The MPD first: whoever sees a subtitle in the master finds it in the MPD too.
  if (final) {
    const std::string mpd = read_small_file(dir + kVodPackagedMpd);
    if (mpd.empty()) return Error{"the packager wrote no MPD", 500};
    if (auto s = write_file(dir + kPublishedMpd, add_subtitles_to_mpd(mpd, subtitles)); !s) return s;
  }
  return write_file(dir + kPublishedMaster, add_subtitles_to_master(master, subtitles));
}

FinishResult finish_item_folder(const std::string& item_dir, const std::vector<SubtitleRendition>& subtitles,
                                double duration_s, int width, int height, bool has_video) {
  FinishResult r;
  const std::string master = item_dir + "/" + kVodStreamDir + "/" + kVodPackagedMaster;
  if (!g_file_test(master.c_str(), G_FILE_TEST_EXISTS)) {
    r.error = "the transcode ended without writing a playlist (no media in the file?)";
    return r;
  }
  if (auto s = publish_manifests(item_dir, subtitles, true); !s) {
    r.error = s.error().message;
    return r;
  }
  r.kbps = master_bandwidths(read_small_file(master));
  r.poster = g_file_test((item_dir + "/poster.jpg").c_str(), G_FILE_TEST_EXISTS);
  const std::string sprites = item_dir + "/sprites";
  int sheets = 0;
  for (;; ++sheets) {
    char name[48];
    std::snprintf(name, sizeof name, "/sheet-%03d.jpg", sheets);
    if (!g_file_test((sprites + name).c_str(), G_FILE_TEST_EXISTS)) break;
  }
  if (sheets > 0 && has_video) {
    // The tile size the template used: 160 wide, the source's aspect.
    const std::string text = sprite_vtt(duration_s, sprite_interval_s(duration_s), kSpriteTileWidth,
                                        sprite_tile_height(width, height), kSpriteColumns, kSpriteRows, sheets);
    if (write_file(sprites + "/thumbnails.vtt", text)) r.sprite_vtt = "sprites/thumbnails.vtt";
  }
  return r;
}

std::map<std::string, int> master_bandwidths(const std::string& text) {
  std::map<std::string, int> out;
  size_t pos = 0;
  while ((pos = text.find("#EXT-X-STREAM-INF:", pos)) != std::string::npos) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) break;
    std::string attrs = text.substr(pos, eol - pos);
    size_t next = text.find('\n', eol + 1);
    std::string uri = text.substr(eol + 1, next == std::string::npos ? std::string::npos : next - eol - 1);
    size_t b = attrs.find("BANDWIDTH=");
    if (b != std::string::npos && (b == 0 || attrs[b - 1] != '-'))
      out[uri.substr(0, uri.find('/'))] = static_cast<int>(std::strtoll(attrs.c_str() + b + 10, nullptr, 10) / 1000);
    pos = eol;
  }
  return out;
}

std::string read_small_file(const std::string& path) {
  g_autofree char* text = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &text, &len, nullptr)) return {};
  return std::string(text, len);
}

void remove_tree(const std::string& root) {
  std::vector<std::string> stack{root}, dirs;
  while (!stack.empty()) {
    std::string d = stack.back();
    stack.pop_back();
    dirs.push_back(d);
    GDir* it = g_dir_open(d.c_str(), 0, nullptr);
    if (!it) continue;
    while (const char* name = g_dir_read_name(it)) {
      std::string p = d + "/" + name;
      if (g_file_test(p.c_str(), G_FILE_TEST_IS_DIR) && !g_file_test(p.c_str(), G_FILE_TEST_IS_SYMLINK)) stack.push_back(p);
      else g_unlink(p.c_str());
    }
    g_dir_close(it);
  }
  for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) g_rmdir(d->c_str());
}

}  // namespace kek::library
